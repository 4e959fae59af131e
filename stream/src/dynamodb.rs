//! Checkpoints in a DynamoDB table, for readers that must survive the loss of a host. Every
//! write is conditional on the version of the checkpoint this store last read or wrote, so
//! two readers under one name (two forwarders on the same subscription) cannot both advance a
//! shard: the second write fails with [`StreamError::CheckpointTaken`] and that reader stops.
//!
//! The table: partition key `reader` (string), sort key `shard` (string); each item holds
//! `checkpoint` (a sequence number or `SHARD_END`), `version` (a number, 1 for the first
//! write) and `updated_at` (seconds since 1970). [`DynamoCheckpoints::create_table`] makes one (on demand).

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::error::StreamError;

const SHARD_END: &str = "SHARD_END";

/// Checkpoints in one DynamoDB table.
#[derive(Debug)]
pub struct DynamoCheckpoints {
    client: Client,
    table: String,
    /// The version of each (reader, shard) this store last read or wrote; a write expects it.
    versions: Mutex<HashMap<(String, String), u64>>,
}

fn service<E: std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    error: SdkError<E, R>,
) -> StreamError {
    let message = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::ServiceError(_) if message.contains("ResourceNotFound") => {
            StreamError::NotFound(format!("{operation}: {message}"))
        }
        SdkError::ServiceError(_)
            if message.contains("Throughput") || message.contains("Throttl") =>
        {
            StreamError::Throttled(message)
        }
        SdkError::ServiceError(_) => StreamError::Refused { operation, message },
        _ => StreamError::Service { operation, message },
    }
}

impl DynamoCheckpoints {
    /// A store on `table` through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoCheckpoints {
            client,
            table: table.into(),
            versions: Mutex::new(HashMap::new()),
        }
    }

    /// A store on `table`, the client configured from the AWS chain (credentials, region),
    /// with `region` and `endpoint_url` overriding it when given.
    pub async fn connect(
        table: impl Into<String>,
        region: Option<String>,
        endpoint_url: Option<String>,
    ) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Self::new(Client::new(&loader.load().await), table)
    }

    /// Creates the table (on-demand capacity) unless it exists.
    pub async fn create_table(&self) -> Result<(), StreamError> {
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("name and type are set")
        };
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set")
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .key_schema(key("reader", KeyType::Hash))
            .key_schema(key("shard", KeyType::Range))
            .attribute_definitions(attribute("reader"))
            .attribute_definitions(attribute("shard"))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(error)
                if DisplayErrorContext(&error)
                    .to_string()
                    .contains("ResourceInUse") =>
            {
                Ok(())
            }
            Err(error) => Err(service("CreateTable", error)),
        }
    }

    fn key(reader: &str, shard_id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("reader".to_owned(), AttributeValue::S(reader.to_owned())),
            ("shard".to_owned(), AttributeValue::S(shard_id.to_owned())),
        ])
    }

    fn remember(&self, reader: &str, shard_id: &str, version: u64) {
        self.versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((reader.to_owned(), shard_id.to_owned()), version);
    }
}

impl CheckpointStore for DynamoCheckpoints {
    async fn load(&self, reader: &str, shard_id: &str) -> Result<Option<Checkpoint>, StreamError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(reader, shard_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| service("GetItem", e))?;
        let Some(item) = output.item() else {
            return Ok(None);
        };
        let version = match item.get("version") {
            Some(AttributeValue::N(n)) => n.parse::<u64>().ok(),
            _ => None,
        };
        let (Some(AttributeValue::S(position)), Some(version)) = (item.get("checkpoint"), version)
        else {
            return Err(StreamError::Refused {
                operation: "GetItem",
                message: format!(
                    "the checkpoint of {reader} in {shard_id} in table {} has no `checkpoint` string or `version` number",
                    self.table
                ),
            });
        };
        self.remember(reader, shard_id, version);
        Ok(Some(if position == SHARD_END {
            Checkpoint::ShardEnd
        } else {
            Checkpoint::After(position.clone())
        }))
    }

    async fn save(
        &self,
        reader: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> Result<(), StreamError> {
        let expected = self
            .versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(reader.to_owned(), shard_id.to_owned()))
            .copied();
        let position = match checkpoint {
            Checkpoint::After(sequence) => sequence.clone(),
            Checkpoint::ShardEnd => SHARD_END.to_owned(),
        };
        let next = expected.map_or(1, |v| v + 1);
        let mut item = Self::key(reader, shard_id);
        item.insert("checkpoint".into(), AttributeValue::S(position));
        item.insert("version".into(), AttributeValue::N(next.to_string()));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        item.insert("updated_at".into(), AttributeValue::N(now.to_string()));
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match expected {
            // Nobody has written it: it must still not exist.
            None => request.condition_expression("attribute_not_exists(reader)"),
            Some(version) => request
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(version.to_string())),
        };
        match request.send().await {
            Ok(_) => {
                self.remember(reader, shard_id, next);
                Ok(())
            }
            Err(error)
                if DisplayErrorContext(&error)
                    .to_string()
                    .contains("ConditionalCheckFailed") =>
            {
                Err(StreamError::CheckpointTaken {
                    reader: reader.to_owned(),
                    shard_id: shard_id.to_owned(),
                })
            }
            Err(error) => Err(service("PutItem", error)),
        }
    }
}
