//! The group mailer, the example module of this repository: a single-threaded-style consumer
//! that exposes `POST /events/`, receives `mailer.group_email_requested` from the event
//! forwarder, emails every member of the group and produces `mailer.group_email_sent`.
//!
//! Emailing is simulated ([`deliver`]): the members of a group are derived from its id, and
//! every seventeenth address bounces, so the outcome is deterministic and testable.
//!
//! A request is acknowledged only once its `group_email_sent` event is on the stream: when
//! producing fails the handler fails, the endpoint answers 500 and the forwarder delivers the
//! request again (at least once; `request_id` lets a reader drop a repeated outcome).

use std::sync::Arc;

use contracts::mailer::{GroupEmailRequestedV1, GroupEmailSentV1};
use contracts::types::GroupEmailSentV1GroupId;
use contracts::{Envelope, Router};
use contracts_http::Endpoint;
use contracts_stream::Producer;

/// Members a group has before `max_recipients` caps them.
fn members(group_id: &str) -> u64 {
    let spread: u64 = group_id.bytes().map(u64::from).sum();
    2 + spread % 40
}

/// The address of member `index` of a group.
pub fn member_address(group_id: &str, index: u64) -> String {
    format!("member{index}@{group_id}.example.com")
}

/// Emails a group (simulated) and reports the outcome as the event the mailer produces.
pub fn deliver(request: &GroupEmailRequestedV1) -> GroupEmailSentV1 {
    let group = request.group_id.as_str();
    let cap = request.max_recipients.map_or(u64::MAX, |m| m.get());
    let recipients = members(group).min(cap);
    let failed_recipients: Vec<String> = (0..recipients)
        .filter(|i| i % 17 == 16)
        .map(|i| member_address(group, i))
        .collect();
    GroupEmailSentV1 {
        completed_at: chrono::Utc::now().fixed_offset(),
        sent_count: recipients - failed_recipients.len() as u64,
        failed_recipients,
        group_id: GroupEmailSentV1GroupId::try_from(group)
            .expect("a requested group id (1 to 64 characters) is a valid sent group id"),
        request_id: request.request_id.to_string(),
    }
}

/// The mailer's `/events/` endpoint: requests signed with one of `secrets` are delivered and
/// their outcome produced with `producer`. Serve it on a multi-threaded tokio runtime (the
/// handler waits for the stream's acknowledgement in place).
pub fn app(producer: Arc<Producer>, secrets: &[String]) -> anyhow::Result<axum::Router> {
    let router = Router::new().on(
        move |request: GroupEmailRequestedV1, envelope: &Envelope| -> Result<(), String> {
            let outcome = deliver(&request);
            let sent = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(producer.send(&outcome))
            })
            .map_err(|e| format!("the outcome of {} is not on the stream: {e}", envelope.id))?;
            tracing::info!(
                request = %request.request_id,
                group = %request.group_id.as_str(),
                sent = outcome.sent_count,
                failed = outcome.failed_recipients.len(),
                event = %sent.envelope.id,
                "group emailed"
            );
            Ok(())
        },
    );
    Ok(Endpoint::new(router, secrets)?.into_router())
}
