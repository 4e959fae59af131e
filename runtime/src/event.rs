use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{DecodeError, Violation, Violations};
use crate::native::{self, Plan};

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

    /// Every way this value breaks [`Event::SCHEMA`], each with its JSON Pointer. Checked
    /// natively on the typed value; the full validator only runs to list the violations.
    fn validate(&self) -> Result<(), Violations> {
        let validators = Self::validators();
        if let Some(plan) = &validators.writer_plan {
            if native::is_valid(plan, self) {
                return Ok(());
            }
        }
        validators.writer.check(&to_value(self)?)
    }

    /// Validates against [`Event::SCHEMA`] and serializes, in one pass over the typed value.
    fn encode(&self) -> Result<Vec<u8>, Violations> {
        let validators = Self::validators();
        if let Some(plan) = &validators.writer_plan {
            if let Ok(bytes) = native::encode(plan, self) {
                return Ok(bytes);
            }
        }
        // The error path, or a shape the native path does not encode: the full validator
        // decides and names every violation.
        let value = to_value(self)?;
        validators.writer.check(&value)?;
        serde_json::to_vec(&value).map_err(|e| serialize_failure(&e))
    }

    /// The partition key of this event, read at [`Event::PARTITION_KEY`].
    fn partition_key(&self) -> Option<String> {
        let value = serde_json::to_value(self).ok()?;
        value
            .pointer(Self::PARTITION_KEY)?
            .as_str()
            .map(str::to_owned)
    }

    /// Decodes a received payload, checking [`Event::READER_SCHEMA`] on the way (the native
    /// path: no intermediate `Value`). On failure the full validator lists every violation.
    fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        let validators = Self::validators();
        if let Some(plan) = &validators.reader_plan {
            if let Ok(event) = native::decode(plan, payload) {
                return Ok(event);
            }
        }
        let value: Value = serde_json::from_slice(payload).map_err(|source| DecodeError::Json {
            event_type: Self::EVENT_TYPE,
            version: Self::MAJOR_VERSION,
            source,
        })?;
        Self::decode_checked_value(&value)
    }

    /// [`Event::decode`] for a payload already parsed.
    fn decode_value(payload: &Value) -> Result<Self, DecodeError> {
        match serde_json::to_vec(payload) {
            Ok(bytes) => Self::decode(&bytes),
            Err(_) => Self::decode_checked_value(payload),
        }
    }

    /// The slow path: the full validator on a `Value`, then `from_value`.
    #[doc(hidden)]
    fn decode_checked_value(payload: &Value) -> Result<Self, DecodeError> {
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

fn serialize_failure(e: &serde_json::Error) -> Violations {
    Violations(vec![Violation {
        pointer: String::new(),
        message: format!("cannot serialize: {e}"),
    }])
}

fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, Violations> {
    serde_json::to_value(value).map_err(|e| serialize_failure(&e))
}

/// Every event of a registry as one enum (the generated `AnyEvent`).
pub trait EventSet: Sized {
    /// Decodes a payload of the given type and version; `None` for an event not in the set.
    fn decode(event_type: &str, version: u32, payload: &[u8]) -> Result<Option<Self>, DecodeError>;
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
    /// The native paths; `None` only for a schema the plan compiler refuses (the generator
    /// reports that), and then the full validator does the work.
    pub writer_plan: Option<Plan>,
    pub reader_plan: Option<Plan>,
}

#[doc(hidden)]
pub struct Compiled(jsonschema::Validator);

impl Validators {
    /// Compiles both schemas. They were checked by the generator, so failing here is a bug.
    pub fn compile(writer: &str, reader: &str) -> Self {
        let plan = |schema: &str| {
            serde_json::from_str(schema)
                .ok()
                .and_then(|schema| Plan::compile(&schema).ok())
        };
        Validators {
            writer: Compiled::new(writer),
            reader: Compiled::new(reader),
            writer_plan: plan(writer),
            reader_plan: plan(reader),
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
