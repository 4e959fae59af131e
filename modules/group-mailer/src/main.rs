//! The group mailer as a module deploys it: `POST /events/` on `MAILER_ADDR` (127.0.0.1:8787
//! by default; the address bound is printed on the first line of standard output), requests verified with the secrets in `MAILER_WEBHOOK_SECRET` (space
//! separated, `whsec_…`), outcomes produced on the stream the configuration names
//! (`contracts-stream.toml` or `CONTRACTS_STREAM_*`; the local stream by default).

use std::sync::Arc;

use contracts_stream::{Producer, ProducerOptions, StreamConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let address = std::env::var("MAILER_ADDR").unwrap_or_else(|_| "127.0.0.1:8787".into());
    let secrets = contracts_http::secrets_from_env("MAILER_WEBHOOK_SECRET")?;
    let config = StreamConfig::load()?;
    let stream = config.connect().await?;
    let source = config
        .source
        .clone()
        .unwrap_or_else(|| contracts::SOURCE.to_owned());
    let producer = Arc::new(Producer::new(stream, source, ProducerOptions::default()));
    let app = group_mailer::app(producer, &secrets)?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    // The bound address (a port of 0 picks a free one), for people and for scripts.
    println!("listening on http://{}/events/", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped())
        .await?;
    Ok(())
}

/// SIGINT or SIGTERM: requests in flight finish (their outcomes are on the stream), then exit.
async fn stopped() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler can be installed");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
