//! The rule catalogue: which changes can break which readers, with a one-sentence purpose
//! each. Shared vocabulary: the compatibility engine judges by these rules, and the registry's
//! `[[ignore]]` entries name them.

/// What a change does to the set of payloads a schema accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The new schema accepts less: old payloads may be rejected by new readers (backward).
    Narrows,
    /// The new schema accepts more: new payloads may be rejected by old readers (forward).
    Widens,
    /// Either, depending on the values: both directions are searched for a witness.
    Either,
}

/// A compatibility rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable identifier used in reports and in ignores.
    pub id: &'static str,
    /// What the rule catches, in one sentence.
    pub doc: &'static str,
    /// Which direction the change can break.
    pub effect: Effect,
}

/// A rule. Whatever the rule, a change without a witness is proven compatible or reported
/// undecided: nothing is dropped.
const fn rule(id: &'static str, effect: Effect, doc: &'static str) -> Rule {
    Rule { id, doc, effect }
}

/// Every rule, in documentation order.
pub const RULES: &[Rule] = &[
    rule("TYPE_NARROWED", Effect::Narrows, "A JSON type the old schema allowed is no longer allowed."),
    rule("TYPE_WIDENED", Effect::Widens, "The new schema allows a JSON type the old one did not."),
    rule("PROPERTY_ADDED", Effect::Either, "A property is declared that was not; an open old object may already carry that key with another value."),
    rule("PROPERTY_REMOVED", Effect::Either, "A declared property is gone; a closed reader rejects it, an open one ignores it."),
    rule("REQUIRED_ADDED", Effect::Narrows, "A property became required, so payloads without it are rejected."),
    rule("REQUIRED_REMOVED", Effect::Widens, "A property is no longer required, so old readers may miss it."),
    rule("ENUM_NARROWED", Effect::Narrows, "An allowed value (enum or const) was removed."),
    rule("ENUM_WIDENED", Effect::Widens, "A value (enum or const) was added that old readers do not accept."),
    rule("BOUND_TIGHTENED", Effect::Narrows, "A minimum, maximum, length, item or property count bound became stricter."),
    rule("BOUND_LOOSENED", Effect::Widens, "A minimum, maximum, length, item or property count bound became looser."),
    rule("UNIQUE_ITEMS_ADDED", Effect::Narrows, "Array items must now be unique."),
    rule("UNIQUE_ITEMS_REMOVED", Effect::Widens, "Array items may now repeat."),
    rule("BRANCH_REMOVED", Effect::Narrows, "An anyOf or oneOf branch was removed."),
    rule("BRANCH_ADDED", Effect::Either, "An anyOf or oneOf branch was added; with oneOf an overlapping branch can reject old payloads."),
    rule("SCHEMA_REPLACED", Effect::Either, "A subschema was replaced by `true` or `false` or the other way round."),
    rule("PATTERN_CHANGED", Effect::Either, "A string pattern was added, removed or changed (regular expression inclusion is not decided)."),
    rule("FORMAT_CHANGED", Effect::Either, "A string format was added, removed or changed."),
    rule("MULTIPLE_OF_CHANGED", Effect::Either, "multipleOf was added, removed or changed."),
    rule("CONTAINS_CHANGED", Effect::Either, "The contains subschema changed."),
    rule("NOT_CHANGED", Effect::Either, "A not subschema changed."),
    rule("PATTERN_PROPERTIES_CHANGED", Effect::Either, "patternProperties changed."),
    rule("PROPERTY_NAMES_CHANGED", Effect::Either, "propertyNames changed."),
    rule("DEPENDENT_REQUIRED_CHANGED", Effect::Either, "dependentRequired (or draft-07 dependencies) changed."),
    rule("ALL_OF_CHANGED", Effect::Either, "allOf gained or lost a part."),
    rule("CONDITIONAL_CHANGED", Effect::Either, "if, then, else or dependentSchemas changed."),
    rule("INSTANCE_REJECTED", Effect::Either, "A payload valid on one side is rejected on the other, with no single keyword change to blame."),
    rule("NOT_PROVEN", Effect::Either, "No break was found, but the reader is not proven to accept every payload the writer accepts."),
    rule("EVENT_REMOVED", Effect::Narrows, "An event type or major version disappeared without being deprecated first."),
    rule("PARTITION_KEY_CHANGED", Effect::Either, "The partition key moved, which reorders events of one entity across shards."),
];

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
