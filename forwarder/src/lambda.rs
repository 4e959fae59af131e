//! The same delivery core as an AWS Lambda function for a Kinesis event source mapping, to
//! scale past one process with the engine AWS already runs instead of home-made leases. AWS
//! reads the stream, keeps the checkpoints and invokes the function with a batch of one
//! shard's records; each is delivered as the forwarder delivers it (signed, retried up to the
//! subscription's attempts), in order. The first record given up on is reported in
//! `batchItemFailures` and the rest of the batch is left alone, so AWS retries from it (enable
//! `ReportBatchItemFailures` on the mapping); the mapping's retry limit, record age and
//! on-failure destination then play the dead-letter role.

use std::sync::Arc;
use std::time::SystemTime;

use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::event::streams::KinesisEventResponse;
use contracts_stream::{stop_signal, Stopper, StoredRecord};

use crate::config::ForwarderConfig;
use crate::delivery::Delivery;
use crate::metrics::Metrics;
use crate::ForwarderError;

/// One subscription, delivered from Lambda invocations.
pub struct LambdaForwarder {
    delivery: Delivery,
    /// Kept so that the stop signal the delivery watches never fires.
    _stopper: Stopper,
}

impl LambdaForwarder {
    /// The forwarder for the configuration's only subscription (a function per subscription;
    /// `[stream]` and `[dead_letter]` are not used here).
    pub fn new(
        config: &ForwarderConfig,
        secret: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ForwarderError> {
        let [subscription] = config.subscriptions.as_slice() else {
            return Err(ForwarderError::Io(format!(
                "the Lambda mode takes one [[subscription]] per function, not {}",
                config.subscriptions.len()
            )));
        };
        let (signer, url) = crate::signer_and_url(subscription, &secret)?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ForwarderError::Io(format!("HTTP client: {e}")))?;
        let (stopper, stop) = stop_signal();
        Ok(LambdaForwarder {
            delivery: Delivery {
                subscription: subscription.clone(),
                url,
                client,
                signer,
                dead_letters: None,
                stop,
                metrics: Arc::new(Metrics::default()),
            },
            _stopper: stopper,
        })
    }

    /// Delivers a batch in order (`batch_size` events to a request); the first record that
    /// could not be delivered is reported (with its sequence number), and none after it is
    /// attempted.
    pub async fn handle(&self, event: KinesisEvent) -> KinesisEventResponse {
        let mut response = KinesisEventResponse::default();
        let Some(first) = event.records.first() else {
            return response;
        };
        // An event source mapping hands over the records of one shard.
        let shard_id = shard_of(first);
        let stored: Vec<StoredRecord> = event
            .records
            .into_iter()
            .map(|record| StoredRecord {
                sequence_number: record.kinesis.sequence_number,
                partition_key: record.kinesis.partition_key,
                data: record.kinesis.data.0,
                arrival: SystemTime::from(record.kinesis.approximate_arrival_timestamp.0),
            })
            .collect();
        let records: Vec<&StoredRecord> = stored.iter().collect();
        let (handled, failure) = self
            .delivery
            .deliver_in_order(&shard_id, &records, &self.delivery.stop)
            .await;
        if handled < stored.len() {
            let sequence_number = stored[handled].sequence_number.clone();
            let reason = failure.unwrap_or_else(|| "stopped".into());
            tracing::warn!(%sequence_number, %reason, "reported to AWS as failed");
            response.add_failure(sequence_number);
        }
        response
    }
}

/// The shard of a record, from its event id (`shardId-000000000000:4959…`).
fn shard_of(record: &KinesisEventRecord) -> String {
    record
        .event_id
        .as_deref()
        .and_then(|id| id.split_once(':'))
        .map_or_else(|| "unknown".to_owned(), |(shard, _)| shard.to_owned())
}

/// Runs the Lambda runtime loop (the Runtime API named by `AWS_LAMBDA_RUNTIME_API`) until the
/// environment ends the process.
pub async fn serve(forwarder: LambdaForwarder) -> Result<(), ForwarderError> {
    let forwarder = Arc::new(forwarder);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<KinesisEvent>| {
            let forwarder = forwarder.clone();
            async move {
                // Boxed: the delivery core's future is deep.
                let response = Box::pin(forwarder.handle(event.payload)).await;
                Ok::<_, lambda_runtime::Error>(response)
            }
        },
    ))
    .await
    .map_err(|e| ForwarderError::Io(format!("Lambda runtime: {e}")))
}
