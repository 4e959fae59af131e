//! TypeScript declarations for bundled JSON Schemas: the writer's view of a payload, so that a
//! JavaScript producer builds only what the schema allows and a consumer reads only what it
//! names. What TypeScript cannot say (bounds, patterns, formats, `not`, `if`) is left to the
//! validators compiled beside the declarations.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value};

use crate::registry::position::{percent_decode, pointer_tokens};

/// Declarations collected over every event: each shared definition is declared once.
#[derive(Default)]
pub(crate) struct Declarations {
    /// Type name → its declaration, in name order.
    declared: BTreeMap<String, String>,
}

impl Declarations {
    /// Declares the payload type `name` of a bundled schema and every definition it bundles.
    pub(crate) fn add_event(&mut self, name: &str, description: &str, schema: &Value) {
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names = Names::new(name, defs.keys());
        for (def_name, def) in &defs {
            let type_name = &names.defs[def_name];
            if !self.declared.contains_key(type_name) {
                let declaration = declaration(type_name, doc_of(def), &names.type_of(def, 0));
                self.declared.insert(type_name.clone(), declaration);
            }
        }
        let description = if description.is_empty() {
            doc_of(schema)
        } else {
            Some(description)
        };
        self.declared.insert(
            name.to_owned(),
            declaration(name, description, &names.type_of(schema, 0)),
        );
    }

    /// Every declaration, one after the other.
    pub(crate) fn render(&self) -> String {
        self.declared
            .values()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn declaration(name: &str, doc: Option<&str>, ty: &str) -> String {
    format!("{}export type {name} = {ty};\n", jsdoc(doc, ""))
}

fn doc_of(schema: &Value) -> Option<&str> {
    schema
        .get("description")
        .or_else(|| schema.get("title"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A JSDoc comment (`*/` in the text cannot end it early).
pub(crate) fn jsdoc(doc: Option<&str>, indent: &str) -> String {
    let Some(doc) = doc else {
        return String::new();
    };
    let mut out = format!("{indent}/**\n");
    for line in doc.replace("*/", "*\\/").lines() {
        let _ = writeln!(out, "{indent} * {}", line.trim_end());
    }
    let _ = writeln!(out, "{indent} */");
    out
}

/// How references are named inside one bundled schema.
struct Names<'a> {
    root: &'a str,
    /// Each `$defs` name → its TypeScript type name.
    defs: BTreeMap<String, String>,
}

/// Words a type alias cannot be named: TypeScript's own type names and JavaScript's reserved
/// words.
const RESERVED: [&str; 49] = [
    "any",
    "unknown",
    "never",
    "string",
    "number",
    "boolean",
    "symbol",
    "object",
    "bigint",
    "undefined",
    "null",
    "void",
    "true",
    "false",
    "this",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "return",
    "super",
    "switch",
    "throw",
    "try",
    "typeof",
    "var",
    "while",
    "with",
    "implements",
    "interface",
    "let",
];

impl<'a> Names<'a> {
    /// Type names for `defs`: the name itself where it is a usable identifier, else the name
    /// with every other character replaced by `_` (and `_` in front where it would start with a
    /// digit or be a reserved word), numbered where two would clash or meet the root's name.
    fn new<'n>(root: &'a str, defs: impl Iterator<Item = &'n String>) -> Self {
        let mut taken: Vec<String> = vec![root.to_owned()];
        let mut names = BTreeMap::new();
        for def in defs {
            let mut base: String = def
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if base.is_empty()
                || base.starts_with(|c: char| c.is_ascii_digit())
                || RESERVED.contains(&base.as_str())
            {
                base.insert(0, '_');
            }
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.push(name.clone());
            names.insert(def.clone(), name);
        }
        Names { root, defs: names }
    }
}

/// Deeper than this, a schema is typed `unknown` (the validator still checks it). The registry
/// refuses schemas nested deeper than 127 levels, so recursion stays bounded anyway.
const MAX_DEPTH: usize = 64;

impl Names<'_> {
    fn type_of(&self, schema: &Value, depth: usize) -> String {
        let map = match schema {
            Value::Bool(true) => return "unknown".into(),
            Value::Bool(false) => return "never".into(),
            Value::Object(map) => map,
            _ => return "unknown".into(),
        };
        if depth > MAX_DEPTH {
            return "unknown".into();
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            parts.push(self.reference(reference));
        }
        if let Some(constant) = map.get("const") {
            parts.push(literal(constant));
        } else if let Some(Value::Array(values)) = map.get("enum") {
            parts.push(union(values.iter().map(literal).collect()));
        } else if let Some(own) = self.by_type(map, depth) {
            parts.push(own);
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(keyword) {
                let types = branches.iter().map(|b| self.type_of(b, depth)).collect();
                parts.push(union(types));
            }
        }
        if let Some(Value::Array(all)) = map.get("allOf") {
            parts.extend(all.iter().map(|b| self.type_of(b, depth)));
        }
        parts.retain(|p| p != "unknown");
        match parts.len() {
            0 => "unknown".into(),
            1 => parts.remove(0),
            _ => parts
                .iter()
                .map(|p| parenthesized(p))
                .collect::<Vec<_>>()
                .join(" & "),
        }
    }

    fn reference(&self, reference: &str) -> String {
        if reference == "#" {
            return self.root.to_owned();
        }
        let tokens = reference
            .strip_prefix('#')
            .and_then(percent_decode)
            .map(|pointer| pointer_tokens(&pointer));
        match tokens.as_deref() {
            Some([defs, name]) if defs == "$defs" => match self.defs.get(name) {
                Some(type_name) => type_name.clone(),
                None => "unknown".into(),
            },
            _ => "unknown".into(),
        }
    }

    /// The type the `type` keyword (or, without it, the shape keywords) says.
    fn by_type(&self, map: &Map<String, Value>, depth: usize) -> Option<String> {
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => {
                let object = [
                    "properties",
                    "required",
                    "additionalProperties",
                    "patternProperties",
                ]
                .iter()
                .any(|k| map.contains_key(*k));
                let array = ["items", "prefixItems"]
                    .iter()
                    .any(|k| map.contains_key(*k));
                match (object, array) {
                    (true, false) => vec!["object"],
                    (false, true) => vec!["array"],
                    _ => return None,
                }
            }
        };
        let mut out = Vec::new();
        for ty in types {
            let rendered = match ty {
                "string" => "string".to_owned(),
                "number" | "integer" => "number".to_owned(),
                "boolean" => "boolean".to_owned(),
                "null" => "null".to_owned(),
                "array" => self.array(map, depth),
                "object" => self.object(map, depth),
                _ => "unknown".to_owned(),
            };
            if !out.contains(&rendered) {
                out.push(rendered);
            }
        }
        Some(union(out))
    }

    fn array(&self, map: &Map<String, Value>, depth: usize) -> String {
        let rest = match map.get("items") {
            None | Some(Value::Bool(true)) => Some("unknown".to_owned()),
            Some(Value::Bool(false)) => None,
            Some(items) => Some(self.type_of(items, depth + 1)),
        };
        let Some(Value::Array(prefix)) = map.get("prefixItems") else {
            return format!(
                "{}[]",
                parenthesized(&rest.unwrap_or_else(|| "never".into()))
            );
        };
        let required = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut elements: Vec<String> = prefix
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let ty = self.type_of(item, depth + 1);
                if i < required {
                    ty
                } else {
                    format!("{}?", parenthesized(&ty))
                }
            })
            .collect();
        if let Some(rest) = rest {
            elements.push(format!("...{}[]", parenthesized(&rest)));
        }
        format!("[{}]", elements.join(", "))
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> String {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = map.get("properties").and_then(Value::as_object);
        let indent = "  ".repeat(depth + 1);
        let mut members = String::new();
        for (name, property) in properties.into_iter().flatten() {
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            let _ = writeln!(
                members,
                "{}{indent}{}{optional}: {};",
                jsdoc(doc_of(property), &indent),
                property_name(name),
                self.type_of(property, depth + 1)
            );
        }
        // Required members the schema does not describe are still there.
        for name in &required {
            if !properties.is_some_and(|p| p.contains_key(*name)) {
                let _ = writeln!(members, "{indent}{}: unknown;", property_name(name));
            }
        }
        // A map: keys the schema does not name, each value of the given schema. Objects with
        // named properties get no index signature, so that reading an undeclared member does
        // not compile.
        if properties.is_none_or(|p| p.is_empty()) {
            let mut values: Vec<String> = map
                .get("patternProperties")
                .and_then(Value::as_object)
                .map(|p| p.values().map(|v| self.type_of(v, depth + 1)).collect())
                .unwrap_or_default();
            match map.get("additionalProperties") {
                Some(Value::Bool(false)) => {}
                None | Some(Value::Bool(true)) => values.push("unknown".into()),
                Some(schema) => values.push(self.type_of(schema, depth + 1)),
            }
            if !values.is_empty() {
                let _ = writeln!(members, "{indent}[key: string]: {};", union(values));
            }
        }
        if members.is_empty() {
            return "Record<string, never>".into();
        }
        format!("{{\n{members}{}}}", "  ".repeat(depth))
    }
}

/// A JSON value as a TypeScript literal type (JSON is valid TypeScript type syntax).
fn literal(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "unknown".into())
}

fn union(mut types: Vec<String>) -> String {
    if types.iter().any(|t| t == "unknown") {
        return "unknown".into();
    }
    types.dedup();
    match types.len() {
        0 => "never".into(),
        1 => types.remove(0),
        _ => types
            .iter()
            .map(|t| parenthesized(t))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// Wraps a union or intersection so that it can stand inside another type expression.
fn parenthesized(ty: &str) -> String {
    let top_level_operator = {
        let mut depth = 0i32;
        let mut in_string = false;
        let mut escaped = false;
        let mut found = false;
        for c in ty.chars() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' | '(' | '<' => depth += 1,
                '}' | ']' | ')' | '>' => depth -= 1,
                '|' | '&' if depth == 0 => found = true,
                _ => {}
            }
        }
        found
    };
    if top_level_operator {
        format!("({ty})")
    } else {
        ty.to_owned()
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn property_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        literal(&Value::from(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(schema: Value) -> String {
        Names::new("Root", [String::from("Money")].iter()).type_of(&schema, 0)
    }

    #[test]
    fn scalars_literals_and_unions() {
        assert_eq!(ty(json!({"type": "string"})), "string");
        assert_eq!(ty(json!({"type": ["integer", "null"]})), "number | null");
        assert_eq!(ty(json!({"enum": ["a", "b\"c"]})), r#""a" | "b\"c""#);
        assert_eq!(ty(json!({"const": 3})), "3");
        assert_eq!(
            ty(json!({"oneOf": [{"type": "string"}, {"$ref": "#/$defs/Money"}]})),
            "string | Money"
        );
        assert_eq!(ty(json!({"$ref": "#"})), "Root");
        assert_eq!(ty(json!(false)), "never");
        assert_eq!(ty(json!({"not": {"type": "string"}})), "unknown");
    }

    #[test]
    fn objects_arrays_and_tuples() {
        let object = ty(json!({
            "type": "object",
            "properties": { "id": {"type": "string"}, "first-name": {"type": "string"} },
            "required": ["id"]
        }));
        assert_eq!(object, "{\n  id: string;\n  \"first-name\"?: string;\n}");
        assert_eq!(
            ty(json!({"type": "object", "additionalProperties": {"type": "number"}})),
            "{\n  [key: string]: number;\n}"
        );
        assert_eq!(
            ty(json!({"type": "array", "items": {"type": ["string", "null"]}})),
            "(string | null)[]"
        );
        assert_eq!(
            ty(
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "minItems": 1, "items": false})
            ),
            "[string, number?]"
        );
    }

    #[test]
    fn definition_names_become_type_names() {
        let defs: Vec<String> = ["Money", "foo\"bar", "true", "1st", "a-b", "a_b", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let names = Names::new("Root", defs.iter());
        let typed: Vec<&str> = defs.iter().map(|d| names.defs[d].as_str()).collect();
        assert_eq!(
            typed,
            ["Money", "foo_bar", "_true", "_1st", "a_b", "a_b_2", "_"]
        );
        assert_eq!(names.reference("#/$defs/a-b"), "a_b");
        assert_eq!(names.reference("#/$defs/foo%22bar"), "foo_bar");
        assert_eq!(names.reference("#/$defs/Money/properties/x"), "unknown");
        assert_eq!(names.reference("other.json#/$defs/Money"), "unknown");
    }

    #[test]
    fn parentheses_only_around_top_level_operators() {
        assert_eq!(
            parenthesized("{ a: string | null; }"),
            "{ a: string | null; }"
        );
        assert_eq!(parenthesized(r#""a|b""#), r#""a|b""#);
        assert_eq!(parenthesized("A | B"), "(A | B)");
    }
}
