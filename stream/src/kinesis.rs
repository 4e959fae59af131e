//! The Kinesis backend, through the official SDK. Region, endpoint and credentials come from
//! the configuration and the usual AWS chain (environment, profile, instance role).

use std::time::{Duration, SystemTime};

use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType};
use aws_sdk_kinesis::Client;

use crate::backend::{
    Ack, Backend, PutFailure, PutRecord, RecordBatch, Shard, StartPosition, StoredRecord,
};
use crate::config::KinesisConfig;
use crate::error::StreamError;

/// A Kinesis stream, by name or ARN.
#[derive(Debug, Clone)]
pub struct KinesisStream {
    client: Client,
    stream_name: Option<String>,
    stream_arn: Option<String>,
}

impl KinesisStream {
    /// Connects as configured: region and endpoint from `config` when set, else from the AWS
    /// chain; credentials always from the AWS chain.
    pub async fn connect(config: &KinesisConfig) -> Result<Self, StreamError> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &config.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(StreamError::Config {
                origin: None,
                message: "kinesis.region: no AWS region (set it, or AWS_REGION)".into(),
            });
        }
        Ok(KinesisStream::from_client(
            Client::new(&sdk),
            config.stream_name.clone(),
            config.stream_arn.clone(),
        ))
    }

    /// A stream reached through a client built elsewhere.
    pub fn from_client(
        client: Client,
        stream_name: Option<String>,
        stream_arn: Option<String>,
    ) -> Self {
        KinesisStream {
            client,
            stream_name,
            stream_arn,
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Kinesis's `SplitShard`.
    pub async fn split_shard(
        &self,
        shard_id: &str,
        new_starting_hash_key: u128,
    ) -> Result<(), StreamError> {
        self.client
            .split_shard()
            .set_stream_name(self.stream_name.clone())
            .set_stream_arn(self.stream_arn.clone())
            .shard_to_split(shard_id)
            .new_starting_hash_key(new_starting_hash_key.to_string())
            .send()
            .await
            .map_err(|e| classify("SplitShard", e))?;
        Ok(())
    }
}

/// Sorts an SDK error into what a caller can do about it.
fn classify<E, R>(operation: &'static str, error: SdkError<E, R>) -> StreamError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::ServiceError(_) => match error.code().unwrap_or_default() {
            "ProvisionedThroughputExceededException"
            | "LimitExceededException"
            | "ThrottlingException"
            | "KMSThrottlingException" => StreamError::Throttled(message),
            "ExpiredIteratorException" => StreamError::ExpiredIterator,
            "ResourceNotFoundException" => StreamError::NotFound(message),
            "InternalFailure" | "InternalFailureException" | "ServiceUnavailable" => {
                StreamError::Service { operation, message }
            }
            _ => StreamError::Refused { operation, message },
        },
        // Timeouts, connection failures, unreadable answers: worth another try.
        _ => StreamError::Service { operation, message },
    }
}

fn parse_hash(text: &str, shard_id: &str) -> Result<u128, StreamError> {
    text.parse().map_err(|_| StreamError::Service {
        operation: "ListShards",
        message: format!("shard {shard_id}: hash key `{text}` is not a 128-bit number"),
    })
}

impl Backend for KinesisStream {
    async fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> Result<Vec<Result<Ack, PutFailure>>, StreamError> {
        let count = records.len();
        let entries = records
            .into_iter()
            .map(|record| {
                PutRecordsRequestEntry::builder()
                    .partition_key(record.partition_key)
                    .data(Blob::new(record.data))
                    .build()
                    .map_err(|e| StreamError::Refused {
                        operation: "PutRecords",
                        message: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .put_records()
            .set_stream_name(self.stream_name.clone())
            .set_stream_arn(self.stream_arn.clone())
            .set_records(Some(entries))
            .send()
            .await
            .map_err(|e| classify("PutRecords", e))?;
        let results: Vec<_> = output
            .records()
            .iter()
            .map(|entry| {
                match (
                    entry.error_code(),
                    entry.shard_id(),
                    entry.sequence_number(),
                ) {
                    (None, Some(shard_id), Some(sequence_number)) => Ok(Ack {
                        shard_id: shard_id.to_owned(),
                        sequence_number: sequence_number.to_owned(),
                    }),
                    (code, _, _) => Err(PutFailure {
                        code: code.unwrap_or("MissingSequenceNumber").to_owned(),
                        message: entry.error_message().unwrap_or_default().to_owned(),
                    }),
                }
            })
            .collect();
        if results.len() != count {
            return Err(StreamError::Service {
                operation: "PutRecords",
                message: format!("{} results for {count} records", results.len()),
            });
        }
        Ok(results)
    }

    async fn list_shards(&self) -> Result<Vec<Shard>, StreamError> {
        let mut shards = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let request = self.client.list_shards();
            // A page after the first names only its token.
            let request = match &next_token {
                Some(token) => request.next_token(token),
                None => request
                    .set_stream_name(self.stream_name.clone())
                    .set_stream_arn(self.stream_arn.clone()),
            };
            let output = request
                .send()
                .await
                .map_err(|e| classify("ListShards", e))?;
            for shard in output.shards() {
                let id = shard.shard_id();
                let range = shard.hash_key_range().ok_or_else(|| StreamError::Service {
                    operation: "ListShards",
                    message: format!("shard {id} has no hash key range"),
                })?;
                shards.push(Shard {
                    shard_id: id.to_owned(),
                    parent: shard.parent_shard_id().map(str::to_owned),
                    adjacent_parent: shard.adjacent_parent_shard_id().map(str::to_owned),
                    starting_hash_key: parse_hash(range.starting_hash_key(), id)?,
                    ending_hash_key: parse_hash(range.ending_hash_key(), id)?,
                    ending_sequence_number: shard
                        .sequence_number_range()
                        .and_then(|r| r.ending_sequence_number())
                        .map(str::to_owned),
                });
            }
            match output.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(shards),
            }
        }
    }

    async fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> Result<String, StreamError> {
        let request = self
            .client
            .get_shard_iterator()
            .set_stream_name(self.stream_name.clone())
            .set_stream_arn(self.stream_arn.clone())
            .shard_id(shard_id);
        let request = match position {
            StartPosition::TrimHorizon => {
                request.shard_iterator_type(ShardIteratorType::TrimHorizon)
            }
            StartPosition::Latest => request.shard_iterator_type(ShardIteratorType::Latest),
            StartPosition::AtTimestamp(time) => request
                .shard_iterator_type(ShardIteratorType::AtTimestamp)
                .timestamp(DateTime::from(*time)),
            StartPosition::AfterSequenceNumber(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .starting_sequence_number(sequence),
        };
        let output = request
            .send()
            .await
            .map_err(|e| classify("GetShardIterator", e))?;
        output
            .shard_iterator()
            .map(str::to_owned)
            .ok_or_else(|| StreamError::NotFound(format!("no iterator for shard {shard_id}")))
    }

    async fn get_records(&self, iterator: &str, limit: usize) -> Result<RecordBatch, StreamError> {
        let limit = i32::try_from(limit.clamp(1, 10_000)).unwrap_or(10_000);
        let output = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(limit)
            .send()
            .await
            .map_err(|e| classify("GetRecords", e))?;
        let records = output
            .records()
            .iter()
            .map(|record| StoredRecord {
                sequence_number: record.sequence_number().to_owned(),
                partition_key: record.partition_key().unwrap_or_default().to_owned(),
                data: record.data().as_ref().to_vec(),
                arrival: record
                    .approximate_arrival_timestamp()
                    .and_then(|t| SystemTime::try_from(*t).ok())
                    .unwrap_or(SystemTime::UNIX_EPOCH + Duration::ZERO),
            })
            .collect();
        Ok(RecordBatch {
            records,
            next_iterator: output
                .next_shard_iterator()
                .filter(|i| !i.is_empty())
                .map(str::to_owned),
            millis_behind_latest: output.millis_behind_latest(),
        })
    }
}
