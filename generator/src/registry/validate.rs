//! Payload validation with the jsonschema crate, formats enforced.

use serde_json::Value;

/// One reason a payload is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer into the payload.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// What is wrong, without the payload's values.
    pub masked: String,
}

/// A compiled validator for one bundled event schema.
pub struct Validator(jsonschema::Validator);

impl Validator {
    /// Compiles a self-contained schema (from [`crate::registry::model::EventSchema::schema`]).
    /// A schema without `$schema` is read as draft 2020-12, or as draft-07 when only that
    /// reading compiles (array-form `items`, say).
    pub fn new(schema: &Value) -> Result<Self, String> {
        let built = jsonschema::options()
            .should_validate_formats(true)
            .build(schema);
        match built {
            Ok(validator) => Ok(Validator(validator)),
            Err(_) if schema.get("$schema").is_none() => jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(schema)
                .map(Validator),
            Err(e) => Err(e),
        }
        .map_err(|e| format!("schema does not compile: {e}"))
    }

    /// Every violation, in the order the validator reports them.
    pub fn violations(&self, payload: &Value) -> Vec<Violation> {
        self.each_violation(payload, |e| Violation {
            pointer: e.instance_path().as_str().to_owned(),
            message: e.to_string(),
            masked: e.masked().to_string(),
        })
    }

    /// Every violation as its pointer and its masked message (no payload values): what the
    /// checker compares, without rendering the payload into each message.
    pub fn masked_violations(&self, payload: &Value) -> Vec<(String, String)> {
        self.each_violation(payload, |e| {
            (
                e.instance_path().as_str().to_owned(),
                e.masked().to_string(),
            )
        })
    }

    /// The payload pointer of every violation.
    pub fn violation_pointers(&self, payload: &Value) -> Vec<String> {
        self.each_violation(payload, |e| e.instance_path().as_str().to_owned())
    }

    /// `read` of every violation, in the order the validator reports them.
    fn each_violation<T>(
        &self,
        payload: &Value,
        read: impl Fn(&jsonschema::ValidationError) -> T,
    ) -> Vec<T> {
        self.0.iter_errors(payload).map(|e| read(&e)).collect()
    }
}

impl Validator {
    /// True when `payload` is valid.
    pub fn is_valid(&self, payload: &Value) -> bool {
        self.0.is_valid(payload)
    }
}
