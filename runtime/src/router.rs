use std::collections::BTreeMap;

use crate::envelope::Envelope;
use crate::error::{DecodeError, DispatchError};
use crate::event::Event;

/// A handler called with its already decoded event.
type Call = Box<dyn FnOnce(&Envelope) -> Result<(), DispatchError> + Send>;
/// Decodes an envelope's payload for its handler.
type Handler = Box<dyn Fn(&Envelope) -> Result<Call, DecodeError> + Send + Sync>;

/// What a router did with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// The payload was valid and its handler returned `Ok`.
    Handled {
        /// The event type.
        event_type: String,
        /// Its major version.
        version: u32,
    },
    /// No handler is registered for this event type and version: the record is skipped.
    Unsubscribed {
        /// The event type.
        event_type: String,
        /// Its major version.
        version: u32,
    },
}

/// Consumer side: one typed handler per event type and version. Payloads are validated
/// against the reader schema before the handler sees them.
#[derive(Default)]
pub struct Router {
    handlers: BTreeMap<(String, u32), Handler>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("subscriptions", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Router {
    /// A router with no handlers.
    pub fn new() -> Self {
        Router::default()
    }

    /// Registers the handler of `E`, replacing any earlier one.
    pub fn on<E, F, Err>(mut self, handler: F) -> Self
    where
        E: Event,
        F: Fn(E, &Envelope) -> Result<(), Err> + Send + Sync + 'static,
        Err: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let handler = std::sync::Arc::new(handler);
        let typed = move |envelope: &Envelope| -> Result<Call, DecodeError> {
            let event = E::decode(envelope.data.get().as_bytes())?;
            let handler = handler.clone();
            Ok(Box::new(move |envelope: &Envelope| {
                handler(event, envelope).map_err(|e| DispatchError::Handler {
                    event_type: envelope.event_type.clone(),
                    version: envelope.version,
                    source: e.into(),
                })
            }))
        };
        self.handlers.insert(
            (E::EVENT_TYPE.to_owned(), E::MAJOR_VERSION),
            Box::new(typed),
        );
        self
    }

    /// The event types and versions this router handles.
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, u32)> {
        self.handlers.keys().map(|(t, v)| (t.as_str(), *v))
    }

    /// Decodes one record (a serialized [`Envelope`]) and calls its handler.
    pub fn dispatch(&self, record: &[u8]) -> Result<Dispatch, DispatchError> {
        let envelope: Envelope = serde_json::from_slice(record).map_err(DispatchError::Envelope)?;
        self.dispatch_envelope(&envelope)
    }

    /// Calls the handler of an already decoded envelope.
    pub fn dispatch_envelope(&self, envelope: &Envelope) -> Result<Dispatch, DispatchError> {
        self.prepare(envelope)?.run(envelope)
    }

    /// Decodes and validates the payload for its handler without running it, so that a
    /// request carrying several events can be refused whole before any handler runs.
    pub fn prepare(&self, envelope: &Envelope) -> Result<Prepared, DispatchError> {
        let key = (envelope.event_type.clone(), envelope.version);
        let call = match self.handlers.get(&key) {
            Some(handler) => Some(handler(envelope)?),
            None => None,
        };
        Ok(Prepared {
            event_type: key.0,
            version: key.1,
            call,
        })
    }
}

/// An event decoded for its handler, not yet handled ([`Router::prepare`]).
pub struct Prepared {
    event_type: String,
    version: u32,
    call: Option<Call>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("event_type", &self.event_type)
            .field("version", &self.version)
            .field("subscribed", &self.call.is_some())
            .finish()
    }
}

impl Prepared {
    /// Whether a handler is registered for the event.
    pub fn is_subscribed(&self) -> bool {
        self.call.is_some()
    }

    /// Calls the handler (with the envelope it was prepared from).
    pub fn run(self, envelope: &Envelope) -> Result<Dispatch, DispatchError> {
        let (event_type, version) = (self.event_type, self.version);
        match self.call {
            Some(call) => {
                call(envelope)?;
                Ok(Dispatch::Handled {
                    event_type,
                    version,
                })
            }
            None => Ok(Dispatch::Unsubscribed {
                event_type,
                version,
            }),
        }
    }
}
