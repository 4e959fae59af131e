//! `event-forwarder --config forwarder.toml`: runs until SIGTERM or Ctrl-C, then finishes the
//! deliveries in flight, writes checkpoints and exits. With `--lambda`, or inside AWS Lambda
//! (`AWS_LAMBDA_RUNTIME_API` set), it is the function of a Kinesis event source mapping instead.

// The delivery core's futures nest deeply (reader, batch, key groups, attempts, dead letters).
#![recursion_limit = "256"]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// Polls the stream and delivers each subscribed event over HTTPS, signed.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The configuration file.
    #[arg(long, default_value = "forwarder.toml")]
    config: PathBuf,
    /// Seconds between two progress lines in the log.
    #[arg(long, default_value_t = 10)]
    progress_every: u64,
    /// Run as the AWS Lambda function of a Kinesis event source mapping (the default when
    /// `AWS_LAMBDA_RUNTIME_API` is set, as it is inside Lambda).
    #[arg(long)]
    lambda: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = contracts_forwarder::ForwarderConfig::from_file(&args.config)?;
    if args.lambda || std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let forwarder = contracts_forwarder::lambda::LambdaForwarder::new(&config, |name| {
            std::env::var(name).ok()
        })?;
        return Box::pin(contracts_forwarder::lambda::serve(forwarder))
            .await
            .context("the Lambda runtime stopped");
    }
    let (stopper, stop) = contracts_stream::stop_signal();
    tokio::spawn(async move {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler");
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("stopping: finishing deliveries in flight");
        stopper.stop();
    });
    // Boxed: the forwarder's future is deep, and main's would be deeper still.
    Box::pin(contracts_forwarder::run(
        config,
        |name| std::env::var(name).ok(),
        stop,
        Duration::from_secs(args.progress_every.max(1)),
    ))
    .await
    .context("the forwarder stopped")
}
