//! Which JSON Schema draft a document follows: what the plan and the formats both ask.

/// Which JSON Schema draft a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Draft {
    Draft7,
    Draft2020,
}
