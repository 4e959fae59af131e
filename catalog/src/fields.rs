//! The fields table of an event: every member of its bundled schema, walked through nested
//! objects, arrays, `$ref`s into shared definitions and `oneOf`/`anyOf` branches, each with its
//! type, whether it is required, and its constraints in words.

use serde_json::Value;

/// One row of the fields table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Where it is, as a reader writes it: `lines[].unit_price.amount_minor`.
    pub path: String,
    /// Its type in words: `string`, `integer`, `array of object`, `Money`, …
    pub kind: String,
    /// Whether the payload must carry it (where its parent is present).
    pub required: bool,
    /// Its constraints in words.
    pub constraints: String,
    /// Its `description`, or the `title` of what it refers to.
    pub description: String,
    /// The shared definition it comes from, when it is a `$ref` to one.
    pub definition: Option<String>,
}

/// Deeper than this the walk stops (the registry refuses nesting past 127 levels).
const MAX_DEPTH: usize = 32;

/// Every field of a bundled schema, in the order the schema declares them.
pub fn fields(schema: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    let mut walk = Walk {
        root: schema,
        out: &mut out,
        visiting: Vec::new(),
    };
    walk.members(schema, "", 0);
    out
}

struct Walk<'a, 'o> {
    root: &'a Value,
    out: &'o mut Vec<Field>,
    /// Definitions being walked: a recursive one is named, not walked again.
    visiting: Vec<String>,
}

impl<'a> Walk<'a, '_> {
    /// The definition a `$ref` names, with its name.
    fn definition(&self, node: &'a Value) -> Option<(String, &'a Value)> {
        let name = node.get("$ref")?.as_str()?.strip_prefix("#/$defs/")?;
        let target = self.root.get("$defs")?.get(name)?;
        Some((name.to_owned(), target))
    }

    /// The members of an object schema (and of the branches of its combinators).
    fn members(&mut self, node: &'a Value, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(map) = node.as_object() else {
            return;
        };
        if let Some((name, target)) = self.definition(node) {
            if self.visiting.contains(&name) {
                return;
            }
            self.visiting.push(name);
            self.members(target, path, depth + 1);
            self.visiting.pop();
        }
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = map.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                self.field(property, &child, required.contains(&name.as_str()), depth);
            }
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            for (i, branch) in map
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let label = match keyword {
                    "allOf" => path.to_owned(),
                    _ => format!("{path} ({} {})", branch_word(keyword), i + 1),
                };
                self.members(branch, label.trim(), depth + 1);
            }
        }
    }

    fn field(&mut self, node: &'a Value, path: &str, required: bool, depth: usize) {
        let definition = self.definition(node);
        let described = definition.as_ref().map_or(node, |(_, target)| *target);
        let description = text(node, "description")
            .or_else(|| text(described, "description"))
            .or_else(|| text(described, "title"))
            .unwrap_or_default();
        self.out.push(Field {
            path: path.to_owned(),
            kind: kind(self.root, node),
            required,
            constraints: constraints(described),
            description,
            definition: definition.as_ref().map(|(name, _)| name.clone()),
        });
        self.members(node, path, depth + 1);
        // Items of arrays: their members under `path[]`.
        let items = described.get("items").or_else(|| node.get("items"));
        if let Some(items) = items {
            let item_kind = kind(self.root, items);
            if item_kind.contains("object") || items.get("$ref").is_some() {
                self.members(items, &format!("{path}[]"), depth + 1);
            }
        }
    }
}

fn branch_word(keyword: &str) -> &'static str {
    if keyword == "oneOf" {
        "variant"
    } else {
        "option"
    }
}

fn text(node: &Value, key: &str) -> Option<String> {
    node.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The type of a schema in words.
pub fn kind(root: &Value, node: &Value) -> String {
    let Some(map) = node.as_object() else {
        return match node {
            Value::Bool(false) => "nothing".into(),
            _ => "any".into(),
        };
    };
    if let Some(name) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        let target = root.get("$defs").and_then(|d| d.get(name));
        let inner = target.map(|t| kind(root, t)).unwrap_or_default();
        return if inner.is_empty() || inner == "any" {
            name.to_owned()
        } else {
            format!("{name} ({inner})")
        };
    }
    if map.contains_key("const") {
        return "constant".into();
    }
    let mut types: Vec<String> = match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        if map.contains_key("properties") {
            types.push("object".into());
        } else if map.contains_key("items") {
            types.push("array".into());
        } else if map.contains_key("enum") {
            types.push("enum".into());
        }
    }
    for t in &mut types {
        if t == "array" {
            if let Some(items) = map.get("items") {
                *t = format!("array of {}", kind(root, items));
            }
        }
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(keyword).and_then(Value::as_array) {
            let kinds: Vec<String> = branches.iter().map(|b| kind(root, b)).collect();
            types.push(format!(
                "{} of: {}",
                branch_word(keyword),
                kinds.join(" | ")
            ));
        }
    }
    if types.is_empty() {
        "any".into()
    } else {
        types.join(" or ")
    }
}

fn literal(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A schema's constraints in words.
pub fn constraints(node: &Value) -> String {
    let Some(map) = node.as_object() else {
        return String::new();
    };
    let mut out: Vec<String> = Vec::new();
    let number = |key: &str| map.get(key).filter(|v| v.is_number()).map(Value::to_string);
    if let Some(constant) = map.get("const") {
        out.push(format!("always {}", literal(constant)));
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(literal).collect();
        out.push(format!("one of {}", values.join(", ")));
    }
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        out.push(format!("format {format}"));
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
        out.push(format!("matches {pattern}"));
    }
    match (number("minLength"), number("maxLength")) {
        (Some(a), Some(b)) => out.push(format!("{a} to {b} characters")),
        (Some(a), None) => out.push(format!("at least {a} characters")),
        (None, Some(b)) => out.push(format!("at most {b} characters")),
        _ => {}
    }
    let lower = number("minimum")
        .map(|m| format!("≥ {m}"))
        .or_else(|| number("exclusiveMinimum").map(|m| format!("> {m}")));
    let upper = number("maximum")
        .map(|m| format!("≤ {m}"))
        .or_else(|| number("exclusiveMaximum").map(|m| format!("< {m}")));
    match (lower, upper) {
        (Some(a), Some(b)) => out.push(format!("{a} and {b}")),
        (Some(a), None) | (None, Some(a)) => out.push(a),
        _ => {}
    }
    if let Some(step) = number("multipleOf") {
        out.push(format!("a multiple of {step}"));
    }
    match (number("minItems"), number("maxItems")) {
        (Some(a), Some(b)) => out.push(format!("{a} to {b} items")),
        (Some(a), None) => out.push(format!("at least {a} items")),
        (None, Some(b)) => out.push(format!("at most {b} items")),
        _ => {}
    }
    if map.get("uniqueItems") == Some(&Value::Bool(true)) {
        out.push("items unique".into());
    }
    if map.get("additionalProperties") == Some(&Value::Bool(false))
        || map.get("unevaluatedProperties") == Some(&Value::Bool(false))
    {
        out.push("no other members".into());
    }
    if let Some(default) = map.get("default") {
        out.push(format!("default {}", literal(default)));
    }
    if map.get("deprecated") == Some(&Value::Bool(true)) {
        out.push("deprecated".into());
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_objects_arrays_references_and_branches() {
        let schema = json!({
            "type": "object",
            "required": ["id", "lines"],
            "properties": {
                "id": { "type": "string", "format": "uuid", "description": "The order." },
                "lines": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/Line" } },
                "delivery": { "oneOf": [
                    { "type": "object", "properties": { "method": { "const": "pickup" } } },
                    { "type": "object", "properties": { "address": { "$ref": "#/$defs/Line" } } }
                ] }
            },
            "$defs": { "Line": {
                "type": "object", "title": "A line", "required": ["sku"], "additionalProperties": false,
                "properties": { "sku": { "type": "string", "maxLength": 20 } }
            } }
        });
        let rows: Vec<(String, String, bool, String)> = fields(&schema)
            .into_iter()
            .map(|f| (f.path, f.kind, f.required, f.constraints))
            .collect();
        let expected = [
            ("id", "string", true, "format uuid"),
            ("lines", "array of Line (object)", true, "at least 1 items"),
            ("lines[].sku", "string", true, "at most 20 characters"),
            ("delivery", "variant of: object | object", false, ""),
            (
                "delivery (variant 1).method",
                "constant",
                false,
                "always \"pickup\"",
            ),
            (
                "delivery (variant 2).address",
                "Line (object)",
                false,
                "no other members",
            ),
            (
                "delivery (variant 2).address.sku",
                "string",
                true,
                "at most 20 characters",
            ),
        ];
        let expected: Vec<(String, String, bool, String)> = expected
            .iter()
            .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, d.to_string()))
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_recursive_definition_is_walked_once() {
        let schema = json!({
            "type": "object",
            "properties": { "tree": { "$ref": "#/$defs/Node" } },
            "$defs": { "Node": { "type": "object", "properties": {
                "children": { "type": "array", "items": { "$ref": "#/$defs/Node" } }
            } } }
        });
        let paths: Vec<String> = fields(&schema).into_iter().map(|f| f.path).collect();
        assert_eq!(paths, ["tree", "tree.children"]);
    }
}
