//! Payload validation with the jsonschema crate, formats enforced.

use serde_json::Value;

/// One reason a payload is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer into the payload.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// A compiled validator for one bundled event schema.
pub struct Validator(jsonschema::Validator);

impl Validator {
    /// Compiles a self-contained schema (from [`crate::EventSchema::schema`]).
    pub fn new(schema: &Value) -> Result<Self, String> {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .map(Validator)
            .map_err(|e| format!("schema does not compile: {e}"))
    }

    /// Every violation, in the order the validator reports them.
    pub fn violations(&self, payload: &Value) -> Vec<Violation> {
        self.0
            .iter_errors(payload)
            .map(|e| Violation {
                pointer: e.instance_path().as_str().to_owned(),
                message: e.to_string(),
            })
            .collect()
    }
}

impl Validator {
    /// True when `payload` is valid.
    pub fn is_valid(&self, payload: &Value) -> bool {
        self.0.is_valid(payload)
    }
}
