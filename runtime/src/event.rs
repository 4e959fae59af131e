use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{DecodeError, Violation, Violations};

/// A typed event payload. The generator implements it for every event of the registry.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// `<domain>.<event>`, for example `orders.order_placed`.
    const EVENT_TYPE: &'static str;
    /// The major version.
    const MAJOR_VERSION: u32;
    /// The bundled JSON Schema of the payload: what producers may emit.
    const SCHEMA: &'static str;
    /// What consumers accept: [`Event::SCHEMA`] with every object opened, since consumers
    /// ignore keys they do not know.
    const READER_SCHEMA: &'static str;
    /// JSON Pointer to the payload string that is the partition key.
    const PARTITION_KEY: &'static str;

    #[doc(hidden)]
    fn validators() -> &'static Validators;

    /// Every way this value breaks [`Event::SCHEMA`], each with its JSON Pointer.
    fn validate(&self) -> Result<(), Violations> {
        let value = serde_json::to_value(self).map_err(|e| {
            Violations(vec![Violation {
                pointer: String::new(),
                message: format!("cannot serialize: {e}"),
            }])
        })?;
        Self::validators().writer.check(&value)
    }

    /// The partition key of this event, read at [`Event::PARTITION_KEY`].
    fn partition_key(&self) -> Option<String> {
        let value = serde_json::to_value(self).ok()?;
        value
            .pointer(Self::PARTITION_KEY)?
            .as_str()
            .map(str::to_owned)
    }

    /// Validates a received payload against [`Event::READER_SCHEMA`] and decodes it.
    fn decode(payload: &Value) -> Result<Self, DecodeError> {
        Self::validators()
            .reader
            .check(payload)
            .map_err(|violations| DecodeError::Invalid {
                event_type: Self::EVENT_TYPE,
                version: Self::MAJOR_VERSION,
                violations,
            })?;
        Self::deserialize(payload).map_err(|source| DecodeError::Type {
            event_type: Self::EVENT_TYPE,
            version: Self::MAJOR_VERSION,
            source,
        })
    }
}

/// Every event of a registry as one enum (the generated `AnyEvent`).
pub trait EventSet: Sized {
    /// Decodes a payload of the given type and version; `None` for an event not in the set.
    fn decode(event_type: &str, version: u32, payload: &Value)
        -> Result<Option<Self>, DecodeError>;
    /// The event type of this value.
    fn event_type(&self) -> &'static str;
    /// The major version of this value.
    fn version(&self) -> u32;
}

/// What the registry declares about one event (the generated `EVENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// `<domain>.<event>`.
    pub event_type: &'static str,
    /// Major version.
    pub version: u32,
    /// Name of the generated Rust type.
    pub type_name: &'static str,
    /// Owning team.
    pub owner: &'static str,
    /// JSON Pointer of the partition key.
    pub partition_key: &'static str,
    /// Compatibility mode in force.
    pub compatibility: &'static str,
    /// Whether the event is deprecated.
    pub deprecated: bool,
    /// Modules that emit it.
    pub producers: &'static [&'static str],
    /// Modules that consume it.
    pub consumers: &'static [&'static str],
}

/// Compiled validators of one event, built once on first use.
#[doc(hidden)]
pub struct Validators {
    pub writer: Compiled,
    pub reader: Compiled,
}

#[doc(hidden)]
pub struct Compiled(jsonschema::Validator);

impl Validators {
    /// Compiles both schemas. They were checked by the generator, so failing here is a bug.
    pub fn compile(writer: &str, reader: &str) -> Self {
        Validators {
            writer: Compiled::new(writer),
            reader: Compiled::new(reader),
        }
    }
}

impl Compiled {
    fn new(schema: &str) -> Self {
        let schema: Value = serde_json::from_str(schema).expect("generated schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("generated schema compiles");
        Compiled(validator)
    }

    /// Every violation of `value`, or `Ok` when there is none.
    pub fn check(&self, value: &Value) -> Result<(), Violations> {
        let violations: Vec<Violation> = self
            .0
            .iter_errors(value)
            .map(|e| Violation {
                pointer: e.instance_path().as_str().to_owned(),
                message: e.masked().to_string(),
            })
            .collect();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Violations(violations))
        }
    }
}
