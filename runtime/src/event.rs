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

    /// JSON Pointers into [`Event::SCHEMA`] of the subschemas [`Event::native_check`] reads;
    /// their nodes are looked up once, when the validators are compiled.
    #[doc(hidden)]
    const NATIVE_POINTERS: &'static [&'static str] = &[];

    #[doc(hidden)]
    fn validators() -> &'static Validators;

    /// The generated check of this value against [`Event::SCHEMA`]: `nodes[i]` is the node of
    /// `NATIVE_POINTERS[i]` in `plan`. `None` when the generator emitted no check.
    #[doc(hidden)]
    fn native_check(&self, plan: &Plan, nodes: &[u32]) -> Option<bool> {
        let _ = (plan, nodes);
        None
    }

    /// Every way this value breaks [`Event::SCHEMA`], each with its JSON Pointer. Checked
    /// natively on the typed value; the full validator only runs to list the violations.
    fn validate(&self) -> Result<(), Violations> {
        let validators = Self::validators();
        if let Some(plan) = &validators.writer_plan {
            let valid = match validators.writer_check(self, plan) {
                Some(valid) => valid,
                None => native::is_valid(plan, self),
            };
            if valid {
                return Ok(());
            }
        }
        crate::finite::non_finite(self)?;
        validators.writer.check(&to_value(self)?)
    }

    /// Validates against [`Event::SCHEMA`] and serializes: the generated check on the typed
    /// value, then plain serde_json (or, without a generated check, one pass that checks as
    /// it writes).
    fn encode(&self) -> Result<Vec<u8>, Violations> {
        let validators = Self::validators();
        if let Some(plan) = &validators.writer_plan {
            match validators.writer_check(self, plan) {
                Some(true) => return serde_json::to_vec(self).map_err(|e| serialize_failure(&e)),
                Some(false) => {}
                None => {
                    if let Ok(bytes) = native::encode(plan, self) {
                        return Ok(bytes);
                    }
                }
            }
        }
        // The error path, or a shape the native path does not encode: the full validator
        // decides and names every violation (a NaN or an infinity first: serde_json would
        // write `null` for it).
        crate::finite::non_finite(self)?;
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
        // Valid: read it as the native path reads bytes (an integer written `3598.0` is an
        // integer), so that a payload the native path gave up on (a repeated key, say)
        // decodes to the same value it would have.
        if let (Some(plan), Ok(bytes)) =
            (&Self::validators().reader_plan, serde_json::to_vec(payload))
        {
            if let Ok(event) = native::decode(plan, &bytes) {
                return Ok(event);
            }
        }
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
    /// [`Event::encode`] of the event inside.
    fn encode(&self) -> Result<Vec<u8>, Violations>;
}

/// Something done once per event type of a registry, with the type as a parameter: the
/// generated `visit_events` calls [`EventVisitor::visit`] for every event, in `EVENTS` order.
pub trait EventVisitor {
    /// Called with one event type.
    fn visit<E: Event>(&mut self);
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
    /// The writer plan's nodes of [`Event::NATIVE_POINTERS`]; `None` when one is missing
    /// (the generated check is then not used).
    pub writer_nodes: Option<Vec<u32>>,
}

#[doc(hidden)]
pub struct Compiled(jsonschema::Validator);

impl Validators {
    /// Compiles both schemas and finds the nodes of `native_pointers` (see
    /// [`Event::NATIVE_POINTERS`]). The schemas were checked by the generator, so failing here
    /// is a bug.
    pub fn compile(writer: &str, reader: &str, native_pointers: &[&str]) -> Self {
        let plan = |schema: &str| {
            serde_json::from_str(schema)
                .ok()
                .and_then(|schema| Plan::compile(&schema).ok())
        };
        let writer_plan = plan(writer);
        let writer_nodes = writer_plan.as_ref().and_then(|plan| {
            native_pointers
                .iter()
                .map(|pointer| plan.node_at(pointer))
                .collect()
        });
        Validators {
            writer: Compiled::new(writer),
            reader: Compiled::new(reader),
            writer_plan,
            reader_plan: plan(reader),
            writer_nodes,
        }
    }

    /// The generated check's verdict on `value`, when there is a generated check and every
    /// node it reads was found.
    fn writer_check<E: Event>(&self, value: &E, plan: &Plan) -> Option<bool> {
        value.native_check(plan, self.writer_nodes.as_deref()?)
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
