//! Which stream a module uses: from a TOML file, then environment variables, never from code.
//!
//! The file is `$CONTRACTS_STREAM_CONFIG`, else `contracts-stream.toml` in the working folder
//! when it exists; with neither, the local stream in `.contracts/stream.db`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::StreamError;
use crate::local::LocalOptions;

/// The file read when `CONTRACTS_STREAM_CONFIG` is not set.
pub const DEFAULT_CONFIG_FILE: &str = "contracts-stream.toml";

/// Which backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The embedded local stream (SQLite).
    #[default]
    Local,
    /// AWS Kinesis (needs the `kinesis` feature).
    Kinesis,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// `local` (the default) or `kinesis`.
    #[serde(default)]
    pub backend: BackendKind,
    /// The CloudEvents `source` of events this module sends; the registry's when unset.
    pub source: Option<String>,
    /// The local stream.
    #[serde(default)]
    pub local: LocalConfig,
    /// The Kinesis stream.
    #[serde(default)]
    pub kinesis: KinesisConfig,
    /// Where consumers keep checkpoints.
    #[serde(default)]
    pub checkpoints: CheckpointsConfig,
    /// The file this was read from, if any.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `[local]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
    /// The database file.
    #[serde(default = "default_local_path")]
    pub path: PathBuf,
    /// Shards of a new stream.
    #[serde(default = "default_shards")]
    pub shards: u32,
    /// Hours records are kept.
    #[serde(default = "default_retention_hours")]
    pub retention_hours: u64,
}

impl Default for LocalConfig {
    fn default() -> Self {
        LocalConfig {
            path: default_local_path(),
            shards: default_shards(),
            retention_hours: default_retention_hours(),
        }
    }
}

fn default_local_path() -> PathBuf {
    PathBuf::from(".contracts/stream.db")
}
fn default_shards() -> u32 {
    4
}
fn default_retention_hours() -> u64 {
    24
}

/// `[kinesis]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KinesisConfig {
    /// The stream's name (or give `stream_arn`).
    pub stream_name: Option<String>,
    /// The stream's ARN.
    pub stream_arn: Option<String>,
    /// The AWS region; else the usual AWS chain (`AWS_REGION`, profile).
    pub region: Option<String>,
    /// Another endpoint than AWS's (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
}

/// `[checkpoints]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckpointsConfig {
    /// `sqlite` (a file, the default) or `dynamodb` (a table: for readers that must survive
    /// the loss of a host; needs the `dynamodb` feature).
    #[serde(default)]
    pub backend: CheckpointBackend,
    /// The SQLite file; `checkpoints.db` beside the local stream's file by default.
    pub path: Option<PathBuf>,
    /// The DynamoDB table (`backend = "dynamodb"`).
    pub table: Option<String>,
    /// The table's AWS region; else the usual AWS chain.
    pub region: Option<String>,
    /// Another endpoint than AWS's (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
}

/// Where checkpoints are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointBackend {
    /// A SQLite file.
    #[default]
    Sqlite,
    /// A DynamoDB table, written conditionally.
    Dynamodb,
}

impl StreamConfig {
    /// Reads the configuration file (if any) and applies the environment over it.
    pub fn load() -> Result<Self, StreamError> {
        Self::load_with(|name| std::env::var(name).ok())
    }

    /// [`StreamConfig::load`] with the environment given as a function.
    pub fn load_with(env: impl Fn(&str) -> Option<String>) -> Result<Self, StreamError> {
        let mut config = match env("CONTRACTS_STREAM_CONFIG") {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::from_file(DEFAULT_CONFIG_FILE)?
            }
            None => StreamConfig::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// Reads a TOML file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, StreamError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| StreamError::Config {
            origin: Some(path.to_path_buf()),
            message: format!("cannot read the stream configuration: {e}"),
        })?;
        Self::from_toml(&text, Some(path))
    }

    /// Parses TOML text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: Option<&Path>) -> Result<Self, StreamError> {
        let mut config: StreamConfig = toml::from_str(text).map_err(|e| StreamError::Config {
            origin: origin.map(Path::to_path_buf),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.origin = origin.map(Path::to_path_buf);
        config.check()?;
        Ok(config)
    }

    /// Environment variables over the file: `CONTRACTS_STREAM_BACKEND`,
    /// `CONTRACTS_STREAM_SOURCE`, `CONTRACTS_LOCAL_STREAM_PATH`, `CONTRACTS_LOCAL_STREAM_SHARDS`,
    /// `CONTRACTS_LOCAL_STREAM_RETENTION_HOURS`, `CONTRACTS_KINESIS_STREAM_NAME`,
    /// `CONTRACTS_KINESIS_STREAM_ARN`, `CONTRACTS_KINESIS_REGION`,
    /// `CONTRACTS_KINESIS_ENDPOINT_URL`, `CONTRACTS_CHECKPOINTS_PATH`.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), StreamError> {
        let bad = |name: &str, value: &str, expected: &str| StreamError::Config {
            origin: None,
            message: format!("environment variable {name}=`{value}`: expected {expected}"),
        };
        if let Some(value) = env("CONTRACTS_STREAM_BACKEND") {
            self.backend = match value.as_str() {
                "local" => BackendKind::Local,
                "kinesis" => BackendKind::Kinesis,
                _ => {
                    return Err(bad(
                        "CONTRACTS_STREAM_BACKEND",
                        &value,
                        "`local` or `kinesis`",
                    ))
                }
            };
        }
        if let Some(value) = env("CONTRACTS_STREAM_SOURCE") {
            self.source = Some(value);
        }
        if let Some(value) = env("CONTRACTS_LOCAL_STREAM_PATH") {
            self.local.path = value.into();
        }
        if let Some(value) = env("CONTRACTS_LOCAL_STREAM_SHARDS") {
            self.local.shards = value
                .parse()
                .map_err(|_| bad("CONTRACTS_LOCAL_STREAM_SHARDS", &value, "a whole number"))?;
        }
        if let Some(value) = env("CONTRACTS_LOCAL_STREAM_RETENTION_HOURS") {
            self.local.retention_hours = value.parse().map_err(|_| {
                bad(
                    "CONTRACTS_LOCAL_STREAM_RETENTION_HOURS",
                    &value,
                    "a whole number",
                )
            })?;
        }
        let kinesis = [
            (
                "CONTRACTS_KINESIS_STREAM_NAME",
                &mut self.kinesis.stream_name,
            ),
            ("CONTRACTS_KINESIS_STREAM_ARN", &mut self.kinesis.stream_arn),
            ("CONTRACTS_KINESIS_REGION", &mut self.kinesis.region),
            (
                "CONTRACTS_KINESIS_ENDPOINT_URL",
                &mut self.kinesis.endpoint_url,
            ),
        ];
        for (name, slot) in kinesis {
            if let Some(value) = env(name) {
                *slot = Some(value);
            }
        }
        if let Some(value) = env("CONTRACTS_CHECKPOINTS_PATH") {
            self.checkpoints.path = Some(value.into());
        }
        if let Some(value) = env("CONTRACTS_CHECKPOINTS_BACKEND") {
            self.checkpoints.backend = match value.as_str() {
                "sqlite" => CheckpointBackend::Sqlite,
                "dynamodb" => CheckpointBackend::Dynamodb,
                _ => {
                    return Err(bad(
                        "CONTRACTS_CHECKPOINTS_BACKEND",
                        &value,
                        "`sqlite` or `dynamodb`",
                    ))
                }
            };
        }
        for (name, slot) in [
            ("CONTRACTS_CHECKPOINTS_TABLE", &mut self.checkpoints.table),
            ("CONTRACTS_CHECKPOINTS_REGION", &mut self.checkpoints.region),
            (
                "CONTRACTS_CHECKPOINTS_ENDPOINT_URL",
                &mut self.checkpoints.endpoint_url,
            ),
        ] {
            if let Some(value) = env(name) {
                *slot = Some(value);
            }
        }
        self.check()
    }

    fn check(&self) -> Result<(), StreamError> {
        let fail = |message: String| {
            Err(StreamError::Config {
                origin: self.origin.clone(),
                message,
            })
        };
        if self.local.shards == 0 {
            return fail("local.shards: must be at least 1".into());
        }
        if self.local.retention_hours == 0 {
            return fail("local.retention_hours: must be at least 1".into());
        }
        if self.backend == BackendKind::Kinesis
            && self.kinesis.stream_name.is_none()
            && self.kinesis.stream_arn.is_none()
        {
            return fail(
                "backend = \"kinesis\" needs kinesis.stream_name or kinesis.stream_arn \
                 (or CONTRACTS_KINESIS_STREAM_NAME)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The local stream's options.
    pub fn local_options(&self) -> LocalOptions {
        LocalOptions {
            shards: self.local.shards,
            retention: Duration::from_secs(self.local.retention_hours.saturating_mul(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_the_local_stream() {
        let config = StreamConfig::load_with(|_| None).unwrap();
        assert_eq!(config.backend, BackendKind::Local);
        assert_eq!(config.local.path, PathBuf::from(".contracts/stream.db"));
        assert_eq!(
            config.local_options().retention,
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let mut config = StreamConfig::from_toml(
            "backend = \"kinesis\"\n[kinesis]\nstream_name = \"events\"\nregion = \"eu-west-1\"\n",
            Some(Path::new("bus.toml")),
        )
        .unwrap();
        config
            .apply_env(|name| {
                (name == "CONTRACTS_KINESIS_ENDPOINT_URL").then(|| "http://127.0.0.1:1".to_owned())
            })
            .unwrap();
        assert_eq!(config.kinesis.stream_name.as_deref(), Some("events"));
        assert_eq!(
            config.kinesis.endpoint_url.as_deref(),
            Some("http://127.0.0.1:1")
        );
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        let err = StreamConfig::from_toml("[local]\nshard = 2\n", Some(Path::new("bus.toml")))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bus.toml: "), "{err}");
        assert!(err.contains("shard") && err.contains("line 2"), "{err}");
        let err = StreamConfig::from_toml("backend = \"kinesis\"\n", Some(Path::new("bus.toml")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("kinesis.stream_name"), "{err}");
        let err = StreamConfig::from_toml("backend = \"kafka\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("kafka"), "{err}");
        let err = StreamConfig::load_with(|name| {
            (name == "CONTRACTS_LOCAL_STREAM_SHARDS").then(|| "many".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("CONTRACTS_LOCAL_STREAM_SHARDS=`many`"),
            "{err}"
        );
    }
}
