//! A real Kinesis-API emulator for tests: kinesalite (npm), started by Node on 127.0.0.1 on a
//! free port and stopped when dropped. `npm ci` runs first when its packages are missing.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_kinesis::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesis::types::StreamStatus;
use aws_sdk_kinesis::Client;

use crate::kinesis::KinesisStream;

/// A running kinesalite.
#[derive(Debug)]
pub struct Kinesalite {
    child: Child,
    endpoint: String,
}

static INSTALL: Mutex<()> = Mutex::new(());

fn emulator_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("emulator")
}

/// Installs the emulator's npm packages from the committed lock file, once.
pub fn install() -> std::io::Result<()> {
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = emulator_dir();
    let installed = ["kinesalite", "dynalite"].iter().all(|name| {
        dir.join(format!("node_modules/{name}/package.json"))
            .is_file()
    });
    if installed {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "npm ci in {} failed: {status}",
            dir.display()
        )))
    }
}

/// Starts `emulator/<name>.js` with Node on a free loopback port; returns the process (it ends
/// when its stdin closes, that is with the returned `Child`) and `http://127.0.0.1:<port>`.
fn start_node(name: &str) -> std::io::Result<(Child, String)> {
    install()?;
    let mut child = Command::new("node")
        .arg(format!("{name}.js"))
        .arg("0")
        .current_dir(emulator_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other(format!("{name} did not start: `{line}`")))?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

impl Kinesalite {
    /// Installs (if needed) and starts kinesalite on 127.0.0.1, on a free port.
    pub fn start() -> std::io::Result<Self> {
        let (child, endpoint) = start_node("kinesalite")?;
        Ok(Kinesalite { child, endpoint })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK client for the emulator (static test credentials, region us-east-1).
    pub fn client(&self) -> Client {
        let config = aws_sdk_kinesis::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "emulator"))
            .endpoint_url(&self.endpoint)
            .build();
        Client::from_conf(config)
    }

    /// Creates a stream with `shards` shards, waits until it is active and returns it.
    pub async fn create_stream(&self, name: &str, shards: i32) -> Result<KinesisStream, String> {
        let client = self.client();
        client
            .create_stream()
            .stream_name(name)
            .shard_count(shards)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "CreateStream: {}",
                    aws_sdk_kinesis::error::DisplayErrorContext(e)
                )
            })?;
        for _ in 0..200 {
            let summary = client
                .describe_stream_summary()
                .stream_name(name)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "DescribeStreamSummary: {}",
                        aws_sdk_kinesis::error::DisplayErrorContext(e)
                    )
                })?;
            if summary
                .stream_description_summary()
                .map(|s| s.stream_status())
                == Some(&StreamStatus::Active)
            {
                return Ok(KinesisStream::from_client(
                    client,
                    Some(name.to_owned()),
                    None,
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(format!("stream {name} never became active"))
    }
}

impl Drop for Kinesalite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running dynalite (a DynamoDB emulator, in memory), on 127.0.0.1 on a free port.
#[derive(Debug)]
pub struct Dynalite {
    child: Child,
    endpoint: String,
}

impl Dynalite {
    /// Installs (if needed) and starts dynalite.
    pub fn start() -> std::io::Result<Self> {
        let (child, endpoint) = start_node("dynalite")?;
        Ok(Dynalite { child, endpoint })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A checkpoint store on `table` (created if missing), static test credentials.
    pub async fn checkpoints(
        &self,
        table: &str,
    ) -> Result<crate::DynamoCheckpoints, crate::StreamError> {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "emulator",
            ))
            .endpoint_url(&self.endpoint)
            .build();
        let store =
            crate::DynamoCheckpoints::new(aws_sdk_dynamodb::Client::from_conf(config), table);
        store.create_table().await?;
        Ok(store)
    }
}

impl Drop for Dynalite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
