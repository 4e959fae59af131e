//! Metrics a person and Prometheus can read: per subscription, the events delivered, the
//! attempts retried, the events dead-lettered and the records skipped (types not subscribed),
//! and per shard how far behind the newest record the subscription reads. Served as
//! Prometheus text on a loopback address when `[metrics] address` is set.

use std::net::SocketAddr;
use std::sync::Arc;

use contracts_stream::StopSignal;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Counters of one subscription.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Events the endpoint acknowledged (2xx).
    pub delivered: Counter,
    /// Attempts that will be tried again.
    pub retried: Counter,
    /// Events written to the dead-letter file.
    pub dead_lettered: Counter,
    /// Records of types the subscription does not want.
    pub skipped: Counter,
    /// Per shard (label `shard`): milliseconds between the last record read and the newest
    /// record of the shard, as of the last read.
    pub lag: Family<Vec<(String, String)>, Gauge>,
}

impl Metrics {
    /// `(delivered, retried, dead_lettered, skipped)` now.
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.delivered.get(),
            self.retried.get(),
            self.dead_lettered.get(),
            self.skipped.get(),
        )
    }

    /// Records how far behind a shard's newest record a read was.
    pub fn behind(&self, shard_id: &str, millis: i64) {
        self.lag
            .get_or_create(&vec![("shard".to_owned(), shard_id.to_owned())])
            .set(millis);
    }

    /// Adds these metrics to `registry`, labelled with the subscription's name.
    pub fn register(&self, registry: &mut Registry, subscription: &str) {
        let sub = registry
            .sub_registry_with_label(("subscription".into(), subscription.to_owned().into()));
        sub.register(
            "forwarder_events_delivered",
            "Events the endpoint acknowledged",
            self.delivered.clone(),
        );
        sub.register(
            "forwarder_attempts_retried",
            "Delivery attempts that will be tried again (5xx, 408, 429, timeouts, connection errors)",
            self.retried.clone(),
        );
        sub.register(
            "forwarder_events_dead_lettered",
            "Events written to the dead-letter destination",
            self.dead_lettered.clone(),
        );
        sub.register(
            "forwarder_records_skipped",
            "Records of event types the subscription does not want",
            self.skipped.clone(),
        );
        sub.register(
            "forwarder_shard_lag_milliseconds",
            "How far behind the newest record of the shard the last read was",
            self.lag.clone(),
        );
    }
}

/// The registry as Prometheus text (exposition format 0.0.4).
pub fn render(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, registry);
    text
}

/// Serves `GET /metrics` on `address` (a loopback address) until `stop` fires.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    registry: Arc<Registry>,
    mut stop: StopSignal,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let registry = registry.clone();
            async move {
                (
                    [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
                    render(&registry),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.stopped().await })
        .await
}

/// Whether `address` may serve metrics: loopback only.
pub(crate) fn check_address(address: &SocketAddr) -> Result<(), String> {
    if address.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "metrics address {address} is not a loopback address (127.0.0.1 or ::1)"
        ))
    }
}
