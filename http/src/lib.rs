//! The `/events/` endpoint: events delivered over HTTP (by the event forwarder) to a module's
//! typed handlers, in a few lines of the module's code.
//!
//! ```no_run
//! # async fn run(router: contracts_runtime::Router) -> Result<(), Box<dyn std::error::Error>> {
//! let secrets = contracts_http::secrets_from_env("EVENTS_SIGNING_SECRETS")?;
//! let app = contracts_http::Endpoint::new(router, &secrets)?.into_router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Before anything is parsed: a body limit (1 MiB, Kinesis's record limit: 413 above it), a
//! limit on requests in flight (429 with `Retry-After`), and the Standard Webhooks signature
//! over the raw body (`webhook-id`, `webhook-timestamp`, `webhook-signature`; several
//! signatures and several secrets accepted, so a secret rotates without downtime; a timestamp
//! more than five minutes off refused: 401). Then CloudEvents over HTTP in structured mode
//! (`application/cloudevents+json`), batched mode (`application/cloudevents-batch+json`) or
//! binary mode (`ce-*` headers), duplicates dropped by event id within a bounded window, every
//! payload validated before any handler of the request runs (422 with every violation), and
//! the handlers (500 when one fails, so the sender retries). No handler runs for a request
//! refused for any reason.
#![deny(missing_docs)]

mod binary;
mod dedup;
mod problem;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use contracts_runtime::{DecodeError, DispatchError, Envelope, Prepared, Router};
use standardwebhooks::Webhook;
use tokio::sync::Semaphore;

use crate::dedup::Dedup;
use crate::problem::{Problem, ProblemViolation};

/// The media type of one structured-mode CloudEvent.
pub const STRUCTURED: &str = "application/cloudevents+json";
/// The media type of a batch of CloudEvents.
pub const BATCH: &str = "application/cloudevents-batch+json";

/// Why an endpoint could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// No signing secret was given: the endpoint would accept forged events.
    #[error("no signing secret: an endpoint verifies every request ({0})")]
    NoSecret(String),
    /// A secret is not `whsec_` followed by base64.
    #[error("signing secret {index} is not `whsec_<base64>`: {reason}")]
    BadSecret {
        /// Its position in the list, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Limits of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointOptions {
    /// The largest body taken, in bytes (413 above it).
    pub body_limit: usize,
    /// Requests handled at once; one more is answered 429.
    pub max_in_flight: usize,
    /// `Retry-After` of a 429, in seconds.
    pub retry_after_seconds: u32,
    /// How many handled event ids are remembered to drop duplicates.
    pub dedup_window: usize,
}

impl Default for EndpointOptions {
    fn default() -> Self {
        EndpointOptions {
            body_limit: 1024 * 1024,
            max_in_flight: 64,
            retry_after_seconds: 1,
            dedup_window: 100_000,
        }
    }
}

/// The signing secrets in an environment variable, separated by spaces (the current one and,
/// while rotating, the previous one). Secrets come only from the environment, never a file.
pub fn secrets_from_env(variable: &str) -> Result<Vec<String>, EndpointError> {
    let value = std::env::var(variable).map_err(|_| {
        EndpointError::NoSecret(format!("environment variable {variable} is not set"))
    })?;
    Ok(value.split_whitespace().map(str::to_owned).collect())
}

/// `POST /events/` in front of a [`Router`].
pub struct Endpoint {
    router: Router,
    secrets: Vec<Webhook>,
    options: EndpointOptions,
    seen: Dedup,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("router", &self.router)
            .field("secrets", &self.secrets.len())
            .field("options", &self.options)
            .finish()
    }
}

impl Endpoint {
    /// An endpoint calling `router`'s handlers for requests signed with any of `secrets`.
    pub fn new(router: Router, secrets: &[impl AsRef<str>]) -> Result<Self, EndpointError> {
        if secrets.is_empty() {
            return Err(EndpointError::NoSecret("the list is empty".into()));
        }
        let secrets = secrets
            .iter()
            .enumerate()
            .map(|(index, secret)| {
                let secret = secret.as_ref();
                if !secret.starts_with("whsec_") {
                    return Err(EndpointError::BadSecret {
                        index,
                        reason: "no `whsec_` prefix".into(),
                    });
                }
                Webhook::new(secret).map_err(|e| EndpointError::BadSecret {
                    index,
                    reason: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        let options = EndpointOptions::default();
        Ok(Endpoint {
            router,
            secrets,
            seen: Dedup::new(options.dedup_window),
            options,
        })
    }

    /// Other limits.
    pub fn options(mut self, options: EndpointOptions) -> Self {
        self.seen = Dedup::new(options.dedup_window);
        self.options = options;
        self
    }

    /// The axum router serving `POST /events/` (and `/events`).
    pub fn into_router(self) -> axum::Router {
        let room = Arc::new(Semaphore::new(self.options.max_in_flight.max(1)));
        let retry_after = self.options.retry_after_seconds;
        let body_limit = self.options.body_limit;
        let endpoint = Arc::new(self);
        axum::Router::new()
            .route("/events/", post(receive))
            .route("/events", post(receive))
            .with_state(endpoint)
            .layer(DefaultBodyLimit::max(body_limit))
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    let room = room.clone();
                    async move {
                        match room.try_acquire_owned() {
                            Ok(_permit) => next.run(request).await,
                            Err(_) => too_many(retry_after),
                        }
                    }
                },
            ))
    }

    fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), String> {
        let mut reason = String::new();
        for secret in &self.secrets {
            match secret.verify(body, headers) {
                Ok(()) => return Ok(()),
                Err(error) => reason = error.to_string(),
            }
        }
        Err(reason)
    }
}

fn too_many(retry_after: u32) -> Response {
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests in flight",
        "retry after the time in Retry-After",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The media type of a request, without parameters, lower case.
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn parse_events(headers: &HeaderMap, body: &[u8]) -> Result<Vec<Envelope>, Problem> {
    let malformed = |detail: String| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed CloudEvents request",
            detail,
        )
    };
    match media_type(headers).as_str() {
        STRUCTURED => serde_json::from_slice::<Envelope>(body)
            .map(|e| vec![e])
            .map_err(|e| malformed(e.to_string())),
        BATCH => serde_json::from_slice::<Vec<Envelope>>(body).map_err(|e| malformed(e.to_string())),
        _ if headers.contains_key("ce-specversion") => binary::envelope(headers, body).map(|e| vec![e]).map_err(malformed),
        other => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not a CloudEvents request",
            format!(
                "content type `{other}`: send {STRUCTURED}, {BATCH}, or binary mode with ce-* headers"
            ),
        )),
    }
}

/// Refuses a request whose payloads do not decode: every violation of every event.
fn refusal(failures: Vec<(String, DispatchError)>) -> Problem {
    let mut violations = Vec::new();
    let mut details = Vec::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    for (event_id, error) in failures {
        match error {
            DispatchError::Decode(DecodeError::Invalid { violations: v, .. }) => {
                violations.extend(v.0.into_iter().map(|v| ProblemViolation {
                    event_id: event_id.clone(),
                    pointer: v.pointer,
                    message: v.message,
                }));
            }
            DispatchError::Decode(DecodeError::Json { .. }) => {
                status = StatusCode::BAD_REQUEST;
                details.push(format!("event {event_id}: {error}"));
            }
            other => details.push(format!("event {event_id}: {other}")),
        }
    }
    let title = if status == StatusCode::BAD_REQUEST {
        "malformed payload"
    } else {
        "invalid payload: do not retry"
    };
    let mut problem = Problem::new(status, title, details.join("; "));
    problem.violations = violations;
    problem
}

async fn receive(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(reason) = endpoint.verify(&body, &headers) {
        tracing::warn!(%reason, "refused an unsigned or badly signed request");
        return Problem::new(StatusCode::UNAUTHORIZED, "bad or missing signature", reason)
            .into_response();
    }
    let events = match parse_events(&headers, &body) {
        Ok(events) => events,
        Err(problem) => return problem.into_response(),
    };
    // Every payload is checked before any handler runs.
    let mut prepared: Vec<(Envelope, Prepared)> = Vec::with_capacity(events.len());
    let mut failures = Vec::new();
    let mut duplicates = 0;
    for envelope in events {
        if endpoint.seen.contains(&envelope.id) || prepared.iter().any(|(e, _)| e.id == envelope.id)
        {
            duplicates += 1;
            continue;
        }
        match endpoint.router.prepare(&envelope) {
            Ok(ready) => prepared.push((envelope, ready)),
            Err(error) => failures.push((envelope.id.clone(), error)),
        }
    }
    if !failures.is_empty() {
        return refusal(failures).into_response();
    }
    // Handlers are plain functions that may block: they run on the blocking pool, so a slow
    // handler never stalls the server's other requests.
    let runner = endpoint.clone();
    let outcome = tokio::task::spawn_blocking(move || run_handlers(&runner, prepared)).await;
    let (handled, unsubscribed) = match outcome {
        Ok(Ok(counts)) => counts,
        Ok(Err(problem)) => return problem.into_response(),
        Err(panicked) => {
            tracing::error!(error = %panicked, "a handler panicked");
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "handler failed: retry",
                "a handler panicked",
            )
            .into_response();
        }
    };
    let summary = serde_json::json!({
        "handled": handled,
        "not_subscribed": unsubscribed,
        "duplicates": duplicates,
    });
    (StatusCode::OK, axum::Json(summary)).into_response()
}

/// Runs the prepared events' handlers in order; the first failure stops the request.
fn run_handlers(
    endpoint: &Endpoint,
    prepared: Vec<(Envelope, Prepared)>,
) -> Result<(usize, usize), Problem> {
    let (mut handled, mut unsubscribed) = (0, 0);
    for (envelope, ready) in prepared {
        let subscribed = ready.is_subscribed();
        match ready.run(&envelope) {
            Ok(_) => {
                endpoint.seen.insert(envelope.id.clone());
                if subscribed {
                    handled += 1;
                } else {
                    unsubscribed += 1;
                }
            }
            Err(error) => {
                tracing::error!(event_id = %envelope.id, %error, "handler failed");
                return Err(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "handler failed: retry",
                    format!("event {}: {error}", envelope.id),
                ));
            }
        }
    }
    Ok((handled, unsubscribed))
}
