//! Emits the native check of an event's typed value: Rust that walks the value field by field
//! against the schema, with every subschema's place known at generation time.
//!
//! The emitter reads the schema and the generated types (after typify and the field renames)
//! side by side and models exactly what serde writes for each Rust type. What the type already
//! guarantees is not checked again (a `Uuid` under `format: uuid`, an enum whose variants are
//! the schema's strings, `required` for a field that is not an `Option`); scalars are checked
//! by `contracts_runtime::native::typed` against the node of their subschema; anything the
//! emitter does not model (applicators it cannot decide from the type, maps, untagged enums,
//! `flatten`, ...) is checked by the runtime's serializer wrapper from that node on. So the
//! emitted check never decides less than the plan does; it only decides faster.

use std::collections::{BTreeMap, BTreeSet};

use contracts_runtime::native::Plan;

use crate::codegen::enforcement::GeneratedCheck;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

/// The emitted check of one event.
pub(crate) struct TypedCheck {
    /// Functions to place in a module that sees the types (`use super::*`).
    pub functions: TokenStream,
    /// The function to call with the root value.
    pub entry: syn::Ident,
    /// JSON Pointers whose nodes the functions read, in the order of the `nodes` argument.
    pub pointers: Vec<String>,
    /// What the check leaves to the type and to the runtime, for the report.
    pub report: GeneratedCheck,
}

/// Emits the check of `root_type` against `schema` (the document `plan` was compiled from).
/// Function names start with `prefix`. `items` are the generated types.
pub(crate) fn emit(
    items: &[syn::Item],
    schema: &Value,
    plan: &Plan,
    root_type: &str,
    prefix: &str,
) -> Option<TypedCheck> {
    let mut emitter = Emitter {
        items: items
            .iter()
            .filter_map(|item| Some((item_name(item)?, item)))
            .collect(),
        document: schema,
        draft7: schema
            .get("$schema")
            .and_then(Value::as_str)
            .is_some_and(|s| s.contains("draft-07")),
        plan,
        prefix: prefix.to_owned(),
        pointers: Vec::new(),
        pointer_index: BTreeMap::new(),
        functions: Vec::new(),
        named: BTreeMap::new(),
        bindings: 0,
        by_type: BTreeSet::new(),
        through_plan: BTreeSet::new(),
        from_str_patterns: items
            .iter()
            .filter_map(from_str_pattern)
            .filter(|(name, _)| built_only_by_from_str(items, name))
            .collect(),
    };
    let root: syn::Type = syn::parse_str(root_type).ok()?;
    let entry = emitter.named_check(&root, "")?;
    let functions = emitter.functions;
    Some(TypedCheck {
        functions: quote!(#(#functions)*),
        entry,
        pointers: emitter.pointers,
        report: GeneratedCheck {
            by_type: emitter.by_type.into_iter().collect(),
            through_plan: emitter.through_plan.into_iter().collect(),
        },
    })
}

fn item_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

struct Emitter<'a> {
    items: BTreeMap<String, &'a syn::Item>,
    document: &'a Value,
    draft7: bool,
    plan: &'a Plan,
    prefix: String,
    pointers: Vec<String>,
    pointer_index: BTreeMap<String, usize>,
    functions: Vec<TokenStream>,
    /// Functions already emitted (or being emitted), by Rust type and schema pointer.
    named: BTreeMap<(String, String), syn::Ident>,
    bindings: usize,
    by_type: BTreeSet<String>,
    through_plan: BTreeSet<String>,
    /// The pattern each type's `FromStr` checks, by type name.
    from_str_patterns: BTreeMap<String, String>,
}

/// For typify's `impl FromStr for X` that refuses strings a `Regex::new("..")` does not find:
/// `X` and the pattern.
fn from_str_pattern(item: &syn::Item) -> Option<(String, String)> {
    let syn::Item::Impl(item) = item else {
        return None;
    };
    let (_, trait_path, _) = item.trait_.as_ref()?;
    if trait_path.segments.last()?.ident != "FromStr" {
        return None;
    }
    let (name, _) = last_segment(&item.self_ty)?;
    let body = quote!(#item).to_string();
    // The shape typify writes: one pattern, checked with `find(..).is_none()` before `Ok`.
    if !body.contains("if PATTERN . find (value) . is_none () { return Err") {
        return None;
    }
    let tokens: Vec<proc_macro2::TokenTree> = quote!(#item).into_iter().flat_map(flatten).collect();
    let mut patterns = tokens.windows(5).filter_map(|w| match w {
        [proc_macro2::TokenTree::Ident(regex), proc_macro2::TokenTree::Punct(_), proc_macro2::TokenTree::Punct(_), proc_macro2::TokenTree::Ident(new), proc_macro2::TokenTree::Group(args)]
            if regex == "Regex" && new == "new" =>
        {
            syn::parse2::<syn::LitStr>(args.stream()).ok().map(|lit| lit.value())
        }
        _ => None,
    });
    let pattern = patterns.next()?;
    patterns.next().is_none().then_some((name, pattern))
}

/// Whether no generated item but `impl FromStr for <name>` builds a `name` from its field
/// (`name(..)` or `Self(..)`): other impls convert through `parse`, and no module (typify's
/// `defaults`, say) mentions the type.
fn built_only_by_from_str(items: &[syn::Item], name: &str) -> bool {
    let builds = |tokens: TokenStream, this: &str| {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().flat_map(flatten).collect();
        tokens.windows(2).any(|w| match w {
            [proc_macro2::TokenTree::Ident(ident), proc_macro2::TokenTree::Group(group)] => {
                (ident == this || ident == "Self")
                    && group.delimiter() == proc_macro2::Delimiter::Parenthesis
            }
            _ => false,
        })
    };
    items.iter().all(|item| match item {
        syn::Item::Impl(item) if last_segment(&item.self_ty).is_some_and(|(n, _)| n == name) => {
            let from_str = item
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .is_some_and(|segment| segment.ident == "FromStr");
            from_str || !builds(quote!(#item), name)
        }
        syn::Item::Impl(item) => {
            !builds(quote!(#item), name) || {
                // Other types' impls may build themselves (`Self(..)`), never this one.
                let tokens: Vec<proc_macro2::TokenTree> =
                    quote!(#item).into_iter().flat_map(flatten).collect();
                !tokens
                    .iter()
                    .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == name))
            }
        }
        syn::Item::Mod(module) => {
            let tokens: Vec<proc_macro2::TokenTree> =
                quote!(#module).into_iter().flat_map(flatten).collect();
            !tokens
                .iter()
                .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == name))
        }
        syn::Item::Struct(item) if item.ident == name => !item
            .attrs
            .iter()
            .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Default")),
        _ => true,
    })
}

/// Every token of `tree`, groups opened (the groups themselves kept too).
fn flatten(tree: proc_macro2::TokenTree) -> Vec<proc_macro2::TokenTree> {
    let mut out = vec![tree.clone()];
    if let proc_macro2::TokenTree::Group(group) = tree {
        out.extend(group.stream().into_iter().flat_map(flatten));
    }
    out
}

/// Keywords that never decide validity.
fn is_annotation(keyword: &str) -> bool {
    matches!(
        keyword,
        "title"
            | "description"
            | "default"
            | "examples"
            | "$comment"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$schema"
            | "$defs"
            | "definitions"
    ) || keyword.starts_with("x-")
}

/// The keywords of `map` that may decide validity.
fn assertions(map: &Map<String, Value>) -> BTreeMap<&str, &Value> {
    map.iter()
        .filter(|(k, _)| !is_annotation(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

/// Whether the `type` keyword, if any, admits JSON type `name` (`integer` admits `number`
/// values that are whole, so callers pass what the Rust type always writes).
fn type_admits(keywords: &BTreeMap<&str, &Value>, names: &[&str]) -> Option<bool> {
    match keywords.get("type") {
        None => Some(true),
        Some(Value::String(t)) => Some(names.contains(&t.as_str())),
        Some(Value::Array(list)) => {
            let mut admits = false;
            for t in list {
                admits |= names.contains(&t.as_str()?);
            }
            Some(admits)
        }
        Some(_) => None,
    }
}

/// Only these keywords (besides annotations) are present.
fn only(keywords: &BTreeMap<&str, &Value>, allowed: &[&str]) -> bool {
    keywords.keys().all(|k| allowed.contains(k))
}

/// `value` in parentheses, unless it is a plain name.
fn grouped(value: &TokenStream) -> TokenStream {
    if syn::parse2::<syn::Ident>(value.clone()).is_ok() {
        value.clone()
    } else {
        quote!((#value))
    }
}

/// `parts` joined by `&&`, each in parentheses; parts that are just `true` are left out.
fn conjunction(parts: Vec<TokenStream>) -> TokenStream {
    let parts: Vec<TokenStream> = parts
        .into_iter()
        .filter(|part| part.to_string() != "true")
        .map(|part| grouped(&part))
        .collect();
    if parts.is_empty() {
        quote!(true)
    } else {
        quote!(#(#parts)&&*)
    }
}

/// `#` for the root, the pointer otherwise.
fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "#".to_owned()
    } else {
        pointer.to_owned()
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A type path's last segment and its generic arguments.
fn last_segment(ty: &syn::Type) -> Option<(String, Vec<&syn::Type>)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    let arguments = match &segment.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        syn::PathArguments::Parenthesized(_) => return None,
    };
    Some((segment.ident.to_string(), arguments))
}

/// The full path of a type, without spaces (`::std::string::String`).
fn path_text(ty: &syn::Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

/// How serde writes one field.
enum Written {
    Always,
    /// `Option` with `skip_serializing_if = "Option::is_none"`.
    WhenSome,
    /// `Vec` with `skip_serializing_if = "Vec::is_empty"`.
    WhenNotEmpty,
    Never,
}

struct Field<'t> {
    json_name: String,
    /// Expression of type `&T`.
    access: TokenStream,
    ty: &'t syn::Type,
    written: Written,
}

/// The serde attributes of a field, or `None` for one the emitter does not model.
fn field_serde(field: &syn::Field) -> Option<(String, Written)> {
    let mut name = field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_owned())?;
    let mut written = Written::Always;
    each_serde_key(&field.attrs, |meta| {
        if meta.path.is_ident("rename") {
            name = meta.value()?.parse::<syn::LitStr>()?.value();
        } else if meta.path.is_ident("skip_serializing_if") {
            let path = meta.value()?.parse::<syn::LitStr>()?.value();
            match path.replace(' ', "").as_str() {
                "::std::option::Option::is_none" => written = Written::WhenSome,
                "::std::vec::Vec::is_empty" => written = Written::WhenNotEmpty,
                _ => return Ok(false),
            }
        } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
            written = Written::Never;
        } else if meta.path.is_ident("default") || meta.path.is_ident("deserialize_with") {
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::LitStr>()?;
            }
        } else {
            return Ok(false);
        }
        Ok(true)
    })?;
    let expected = match written {
        Written::WhenSome => "Option",
        Written::WhenNotEmpty => "Vec",
        _ => "",
    };
    if !expected.is_empty() && last_segment(&field.ty)?.0 != expected {
        return None;
    }
    Some((name, written))
}

/// The container attributes of a type deriving `Serialize`; `None` for anything else that
/// changes what serde writes.
fn container_serde(attrs: &[syn::Attribute]) -> Option<Container> {
    if !derives(attrs, "Serialize") {
        return None;
    }
    let mut container = Container::default();
    each_serde_key(attrs, |meta| {
        if meta.path.is_ident("tag") {
            container.tag = Some(meta.value()?.parse::<syn::LitStr>()?.value());
        } else if meta.path.is_ident("transparent") {
            container.transparent = true;
        } else if meta.path.is_ident("try_from") || meta.path.is_ident("from") {
            meta.value()?.parse::<syn::LitStr>()?;
        } else {
            return Ok(meta.path.is_ident("deny_unknown_fields"));
        }
        Ok(true)
    })?;
    Some(container)
}

/// The container attributes the emitter models.
#[derive(Default)]
struct Container {
    /// `tag = ".."`: an internally tagged enum.
    tag: Option<String>,
    /// `transparent`: written as the one field.
    transparent: bool,
}

/// Whether `attrs` derive the trait named `name` (`Serialize`, `::serde::Serialize`).
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
                Ok(())
            });
            found
        })
}

/// Calls `each` on every key of the `#[serde(..)]` attributes in `attrs`; `each` reads the
/// key's value and says whether the emitter models it. `None` when one is not modelled (or
/// does not parse).
fn each_serde_key(
    attrs: &[syn::Attribute],
    mut each: impl FnMut(&syn::meta::ParseNestedMeta) -> syn::Result<bool>,
) -> Option<()> {
    let mut modelled = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if !each(&meta)? {
                modelled = false;
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
            Ok(())
        })
        .ok()?;
    }
    modelled.then_some(())
}

/// The JSON name serde writes for a variant.
fn variant_name(variant: &syn::Variant) -> Option<String> {
    let mut name = variant.ident.to_string();
    each_serde_key(&variant.attrs, |meta| {
        if !meta.path.is_ident("rename") {
            return Ok(false);
        }
        name = meta.value()?.parse::<syn::LitStr>()?.value();
        Ok(true)
    })?;
    Some(name)
}

/// The check of an integer (`integer`, an expression of a primitive integer type) against
/// keywords that are only `type` and bounds given as JSON integers, compared exactly in
/// `i128`; `None` for anything else (the runtime's number check decides then).
fn integer_bounds(keywords: &BTreeMap<&str, &Value>, integer: &TokenStream) -> Option<TokenStream> {
    let bounds = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
    if !keywords.keys().all(|k| *k == "type" || bounds.contains(k))
        || type_admits(keywords, &["integer", "number"]) != Some(true)
    {
        return None;
    }
    let mut parts = Vec::new();
    for (keyword, compare) in bounds
        .iter()
        .zip([quote!(>=), quote!(<=), quote!(>), quote!(<)])
    {
        if let Some(bound) = keywords.get(keyword) {
            let bound = bound
                .as_i64()
                .map(i128::from)
                .or_else(|| bound.as_u64().map(i128::from))?;
            parts.push(quote!(::core::primitive::i128::from(#integer) #compare #bound));
        }
    }
    Some(conjunction(parts))
}

/// Whether the keywords say no more than "a string", optionally "in format `format`".
fn only_string_format(keywords: &BTreeMap<&str, &Value>, format: &str) -> bool {
    only(keywords, &["type", "format"])
        && type_admits(keywords, &["string"]) == Some(true)
        && keywords.get("format").is_none_or(|f| *f == format)
}

/// Whether every string of `values` satisfies these keywords (`type`, `enum`, `const`
/// only; anything else is not decided here).
fn strings_guaranteed(keywords: &BTreeMap<&str, &Value>, values: &[String]) -> bool {
    if !only(keywords, &["type", "enum", "const"])
        || type_admits(keywords, &["string"]) != Some(true)
    {
        return false;
    }
    // The enum's strings as a set: a 100,000-value enum checked against itself is n log n,
    // not n².
    let allowed: Option<Option<std::collections::BTreeSet<&str>>> =
        keywords.get("enum").map(|list| {
            list.as_array()
                .map(|items| items.iter().filter_map(Value::as_str).collect())
        });
    values.iter().all(|value| {
        let in_enum = match &allowed {
            None => true,
            Some(None) => false,
            Some(Some(set)) => set.contains(value.as_str()),
        };
        in_enum
            && keywords
                .get("const")
                .is_none_or(|c| c.as_str() == Some(value.as_str()))
    })
}

impl<'a> Emitter<'a> {
    /// Follows pure `$ref`s from `pointer`; returns where it ends and the schema there.
    fn resolve(&self, pointer: &str) -> Option<(String, &'a Value)> {
        let mut pointer = pointer.to_owned();
        for _ in 0..64 {
            let schema = self.document.pointer(&pointer)?;
            let Value::Object(map) = schema else {
                return Some((pointer, schema));
            };
            let Some(Value::String(reference)) = map.get("$ref") else {
                return Some((pointer, schema));
            };
            let pure = self.draft7 || map.keys().all(|k| k == "$ref" || is_annotation(k));
            // Only pointers within this document are followed; the plan knows the rest.
            let Some(fragment) = reference.strip_prefix('#') else {
                return Some((pointer, schema));
            };
            if !pure
                || fragment.contains('%')
                || !(fragment.is_empty() || fragment.starts_with('/'))
            {
                return Some((pointer, schema));
            }
            pointer = fragment.to_owned();
        }
        None
    }

    /// `nodes[i]` for the node at `pointer`, if the plan compiled one there.
    fn node(&mut self, pointer: &str) -> Option<TokenStream> {
        self.plan.node_at(pointer)?;
        let next = self.pointers.len();
        let index = *self.pointer_index.entry(pointer.to_owned()).or_insert(next);
        if index == next {
            self.pointers.push(pointer.to_owned());
        }
        Some(quote!(nodes[#index]))
    }

    /// The runtime's check of `value` (an expression of type `&T`) from the node at `pointer`.
    fn whole(&mut self, value: &TokenStream, pointer: &str) -> Option<TokenStream> {
        let node = self.node(pointer)?;
        self.through_plan.insert(display_pointer(pointer));
        Some(quote!(::contracts_runtime::native::typed::value_ok(plan, #node, #value)))
    }

    /// `true`, noting that the type guarantees the subschema at `pointer`.
    fn guaranteed(&mut self, pointer: &str, ty: &str) -> TokenStream {
        self.by_type
            .insert(format!("{} ({ty})", display_pointer(pointer)));
        quote!(true)
    }

    fn binding(&mut self) -> syn::Ident {
        self.bindings += 1;
        format_ident!("v{}", self.bindings)
    }

    /// A `bool` expression: whether what serde writes for `value` (an expression of type
    /// `&ty`) satisfies the subschema at `pointer`. `None` when that cannot be said here (no
    /// node at `pointer`); the caller then checks a larger part through the runtime.
    fn check(&mut self, value: &TokenStream, ty: &syn::Type, pointer: &str) -> Option<TokenStream> {
        let value = &grouped(value);
        let (pointer, schema) = self.resolve(pointer)?;
        let pointer = pointer.as_str();
        let map = match schema {
            Value::Bool(true) => return Some(quote!(true)),
            Value::Bool(false) => return Some(quote!(false)),
            Value::Object(map) => map,
            _ => return None,
        };
        let keywords = assertions(map);
        if keywords.is_empty() {
            return Some(quote!(true));
        }
        if let syn::Type::Reference(reference) = ty {
            return self.check(&quote!(*#value), &reference.elem, pointer);
        }
        let Some((name, arguments)) = last_segment(ty) else {
            return self.whole(value, pointer);
        };
        let full = path_text(ty);
        let typed = quote!(::contracts_runtime::native::typed);
        match (name.as_str(), arguments.as_slice()) {
            ("Option", [inner]) => {
                let x = self.binding();
                let some = self.check(&quote!(#x), inner, pointer)?;
                let node = self.node(pointer)?;
                Some(quote! {
                    match #value {
                        ::core::option::Option::Some(#x) => #some,
                        ::core::option::Option::None => #typed::null_ok(plan, #node),
                    }
                })
            }
            ("Box", [inner]) => self.check(&quote!(&**#value), inner, pointer),
            ("Vec", [inner]) => self.array(value, inner, pointer, &keywords),
            ("String", []) if full == "::std::string::String" || full == "String" => {
                if only(&keywords, &["type"]) && type_admits(&keywords, &["string"]) == Some(true) {
                    return Some(quote!(true));
                }
                let node = self.node(pointer)?;
                Some(quote!(#typed::str_ok(plan, #node, #value.as_str())))
            }
            ("bool", []) => {
                if only(&keywords, &["type"]) && type_admits(&keywords, &["boolean"]) == Some(true)
                {
                    return Some(quote!(true));
                }
                let node = self.node(pointer)?;
                Some(quote!(#typed::bool_ok(plan, #node, *#value)))
            }
            ("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64", []) => {
                if let Some(bounds) = integer_bounds(&keywords, &quote!(*#value)) {
                    return Some(bounds);
                }
                let node = self.node(pointer)?;
                if name.starts_with('i') {
                    Some(quote!(#typed::i64_ok(plan, #node, ::core::convert::From::from(*#value))))
                } else {
                    Some(quote!(#typed::u64_ok(plan, #node, ::core::convert::From::from(*#value))))
                }
            }
            ("NonZeroU8" | "NonZeroU16" | "NonZeroU32" | "NonZeroU64", [])
                if full.starts_with("::std::num::") =>
            {
                if let Some(bounds) = integer_bounds(&keywords, &quote!(#value.get())) {
                    return Some(bounds);
                }
                let node = self.node(pointer)?;
                Some(quote!(#typed::u64_ok(plan, #node, ::core::convert::From::from(#value.get()))))
            }
            ("f32" | "f64", []) => {
                if only(&keywords, &["type"]) && type_admits(&keywords, &["number"]) == Some(true) {
                    return Some(quote!(#value.is_finite()));
                }
                let node = self.node(pointer)?;
                Some(quote!(#typed::f64_ok(plan, #node, ::core::convert::From::from(*#value))))
            }
            ("Uuid", []) if full == "::uuid::Uuid" => {
                if only_string_format(&keywords, "uuid") {
                    return Some(self.guaranteed(pointer, "uuid::Uuid"));
                }
                let node = self.node(pointer)?;
                Some(quote!(#typed::display_ok(plan, #node, #value)))
            }
            ("DateTime", [_]) if full == "::chrono::DateTime<::chrono::FixedOffset>" => {
                if only_string_format(&keywords, "date-time") {
                    // Written as RFC 3339 with a four-digit year: valid unless the year has
                    // more or fewer digits, or the time is a leap second (those rare values
                    // go to the runtime, which checks the text serde writes).
                    let node = self.node(pointer)?;
                    self.guaranteed(pointer, "chrono::DateTime<FixedOffset> in years 1 to 9999");
                    return Some(quote! {
                        ((1..=9999).contains(&::chrono::Datelike::year(#value))
                            && ::chrono::Timelike::nanosecond(#value) < 1_000_000_000)
                            || #typed::value_ok(plan, #node, #value)
                    });
                }
                self.whole(value, pointer)
            }
            ("NaiveDate", []) if full == "::chrono::NaiveDate" => {
                if only_string_format(&keywords, "date") {
                    let node = self.node(pointer)?;
                    self.guaranteed(pointer, "chrono::NaiveDate in years 1 to 9999");
                    return Some(quote! {
                        (1..=9999).contains(&::chrono::Datelike::year(#value))
                            || #typed::value_ok(plan, #node, #value)
                    });
                }
                self.whole(value, pointer)
            }
            (local, []) if self.items.contains_key(local) => {
                let function = self.named_check(ty, pointer)?;
                Some(quote!(#function(#value, plan, nodes)))
            }
            _ => self.whole(value, pointer),
        }
    }

    fn array(
        &mut self,
        value: &TokenStream,
        item: &syn::Type,
        pointer: &str,
        keywords: &BTreeMap<&str, &Value>,
    ) -> Option<TokenStream> {
        let value = &grouped(value);
        let items_is_schema = keywords
            .get("items")
            .is_none_or(|items| items.is_object() || items.is_boolean());
        if !only(keywords, &["type", "items", "minItems", "maxItems"]) || !items_is_schema {
            return self.whole(value, pointer);
        }
        if !type_admits(keywords, &["array"])? {
            return Some(quote!(false));
        }
        let mut parts = Vec::new();
        for (keyword, compare) in [("minItems", quote!(>=)), ("maxItems", quote!(<=))] {
            if let Some(limit) = keywords.get(keyword) {
                let Some(limit) = limit.as_u64().and_then(|l| usize::try_from(l).ok()) else {
                    return self.whole(value, pointer);
                };
                parts.push(quote!(#value.len() #compare #limit));
            }
        }
        if keywords.contains_key("items") {
            let x = self.binding();
            let Some(inner) = self.check(&quote!(#x), item, &format!("{pointer}/items")) else {
                return self.whole(value, pointer);
            };
            parts.push(quote!(#value.iter().all(|#x| #inner)));
        }
        Some(conjunction(parts))
    }

    /// A function that checks a generated type (or the root) at `pointer`; emitted once per
    /// type and pointer, so recursive types give recursive functions.
    fn named_check(&mut self, ty: &syn::Type, pointer: &str) -> Option<syn::Ident> {
        let (pointer, _) = self.resolve(pointer)?;
        let key = (path_text(ty), pointer.clone());
        if let Some(function) = self.named.get(&key) {
            return Some(function.clone());
        }
        let function = format_ident!("{}{}", self.prefix, self.named.len());
        self.named.insert(key, function.clone());
        let value = quote!(value);
        let body = match self.body(&value, ty, &pointer) {
            Some(body) => body,
            None => self.whole(&value, &pointer)?,
        };
        self.functions.push(quote! {
            #[allow(unused_parens, unused_variables, clippy::all)]
            pub fn #function(
                value: &#ty,
                plan: &::contracts_runtime::native::Plan,
                nodes: &[u32],
            ) -> bool {
                #body
            }
        });
        Some(function)
    }

    /// The check of a generated type's value against the subschema at `pointer`.
    fn body(&mut self, value: &TokenStream, ty: &syn::Type, pointer: &str) -> Option<TokenStream> {
        let value = &grouped(value);
        let (name, _) = last_segment(ty)?;
        let item = *self.items.get(&name)?;
        let schema = self.document.pointer(pointer)?;
        let Value::Object(map) = schema else {
            return self.check(value, ty, pointer);
        };
        let keywords = assertions(map);
        match item {
            syn::Item::Type(alias) => self.check(value, &alias.ty, pointer),
            syn::Item::Struct(item) => {
                let container = container_serde(&item.attrs)?;
                if container.tag.is_some() {
                    return None;
                }
                match &item.fields {
                    syn::Fields::Named(named) if !container.transparent => {
                        let mut fields = Vec::new();
                        for field in &named.named {
                            let (json_name, written) = field_serde(field)?;
                            let ident = field.ident.as_ref()?;
                            fields.push(Field {
                                json_name,
                                access: quote!(&#value.#ident),
                                ty: &field.ty,
                                written,
                            });
                        }
                        self.object(&fields, None, pointer, &keywords)
                    }
                    syn::Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                        let inner = &unnamed.unnamed[0];
                        if !inner.attrs.is_empty() {
                            return None;
                        }
                        if self.pattern_newtype(item, &keywords) {
                            return Some(self.guaranteed(pointer, &format!("pattern, {name}")));
                        }
                        self.check(&quote!(&#value.0), &inner.ty, pointer)
                    }
                    _ => None,
                }
            }
            syn::Item::Enum(item) => match container_serde(&item.attrs)? {
                Container {
                    tag: None,
                    transparent: false,
                } => self.string_enum(value, item, pointer, &keywords),
                Container {
                    tag: Some(tag),
                    transparent: false,
                } => self.tagged_enum(value, item, &tag, pointer, &keywords),
                Container {
                    transparent: true, ..
                } => None,
            },
            _ => None,
        }
    }

    /// Whether `item` is one of typify's pattern newtypes for exactly these keywords (a
    /// string with a `pattern` of class runs): its field is private, it is built only
    /// through `FromStr` (its `Deserialize` too), which refuses a string the pattern does not
    /// find, so every value of it matches.
    fn pattern_newtype(&self, item: &syn::ItemStruct, keywords: &BTreeMap<&str, &Value>) -> bool {
        let Some(Value::String(pattern)) = keywords.get("pattern") else {
            return false;
        };
        let derives_deserialize = derives(&item.attrs, "Deserialize");
        let syn::Fields::Unnamed(fields) = &item.fields else {
            return false;
        };
        only(keywords, &["type", "pattern"])
            && type_admits(keywords, &["string"]) == Some(true)
            && contracts_runtime::native::typed::is_class_run_pattern(pattern)
            && matches!(fields.unnamed[0].vis, syn::Visibility::Inherited)
            && path_text(&fields.unnamed[0].ty) == "::std::string::String"
            && !derives_deserialize
            && self.from_str_patterns.get(&item.ident.to_string()) == Some(pattern)
    }

    /// An enum of unit variants, written as the variants' names.
    fn string_enum(
        &mut self,
        value: &TokenStream,
        item: &syn::ItemEnum,
        pointer: &str,
        keywords: &BTreeMap<&str, &Value>,
    ) -> Option<TokenStream> {
        let ident = &item.ident;
        let mut names = Vec::new();
        let mut arms = Vec::new();
        for variant in &item.variants {
            if !matches!(variant.fields, syn::Fields::Unit) {
                return None;
            }
            let name = variant_name(variant)?;
            let variant_ident = &variant.ident;
            arms.push(quote!(#ident::#variant_ident => #name));
            names.push(name);
        }
        if strings_guaranteed(keywords, &names) {
            return Some(self.guaranteed(pointer, &format!("enum {ident}")));
        }
        let node = self.node(pointer)?;
        Some(quote! {
            ::contracts_runtime::native::typed::str_ok(plan, #node, match #value { #(#arms,)* })
        })
    }

    /// An internally tagged enum (`#[serde(tag = ..)]`) against a `oneOf`/`anyOf` whose
    /// branches each require the tag with a distinct constant: the variant names the one
    /// branch that can match, so only that branch is checked.
    fn tagged_enum(
        &mut self,
        value: &TokenStream,
        item: &syn::ItemEnum,
        tag: &str,
        pointer: &str,
        keywords: &BTreeMap<&str, &Value>,
    ) -> Option<TokenStream> {
        let list = match (keywords.get("oneOf"), keywords.get("anyOf")) {
            (Some(list), None) => ("oneOf", list),
            (None, Some(list)) => ("anyOf", list),
            _ => return None,
        };
        if !only(keywords, &[list.0, "type"]) || type_admits(keywords, &["object"]) != Some(true) {
            return None;
        }
        let mut branches: BTreeMap<String, String> = BTreeMap::new();
        for index in 0..list.1.as_array()?.len() {
            let (branch, schema) = self.resolve(&format!("{pointer}/{}/{index}", list.0))?;
            let map = schema.as_object()?;
            let required = map.get("required")?.as_array()?;
            if !required.iter().any(|r| r == tag) {
                return None;
            }
            let (_, tag_schema) = self.resolve(&format!("{branch}/properties/{}", escape(tag)))?;
            let tag_keywords = assertions(tag_schema.as_object()?);
            let constant = match (tag_keywords.get("const"), tag_keywords.get("enum")) {
                (Some(Value::String(c)), None) => c.clone(),
                (None, Some(Value::Array(values))) if values.len() == 1 => {
                    values[0].as_str()?.to_owned()
                }
                _ => return None,
            };
            if !only(&tag_keywords, &["type", "const", "enum"])
                || branches.insert(constant, branch).is_some()
            {
                return None;
            }
        }
        let ident = &item.ident;
        let mut arms = Vec::new();
        for variant in &item.variants {
            let name = variant_name(variant)?;
            let variant_ident = &variant.ident;
            let Some(branch) = branches.get(&name).cloned() else {
                arms.push(quote!(#ident::#variant_ident { .. } => false));
                continue;
            };
            let branch_keywords = assertions(self.document.pointer(&branch)?.as_object()?);
            let (pattern, fields) = match &variant.fields {
                syn::Fields::Unit => (quote!(#ident::#variant_ident), Vec::new()),
                syn::Fields::Named(named) => {
                    let mut bindings = Vec::new();
                    let mut fields = Vec::new();
                    for field in &named.named {
                        let (json_name, written) = field_serde(field)?;
                        let field_ident = field.ident.as_ref()?;
                        let x = self.binding();
                        bindings.push(quote!(#field_ident: #x));
                        fields.push(Field {
                            json_name,
                            access: quote!(#x),
                            ty: &field.ty,
                            written,
                        });
                    }
                    (quote!(#ident::#variant_ident { #(#bindings),* }), fields)
                }
                syn::Fields::Unnamed(_) => return None,
            };
            let check = self.object(&fields, Some((tag, &name)), &branch, &branch_keywords)?;
            arms.push(quote!(#pattern => #check));
        }
        Some(quote!(match #value { #(#arms,)* }))
    }

    /// An object written with `fields` (and the tag, for a variant of a tagged enum) against
    /// the subschema at `pointer`.
    fn object(
        &mut self,
        fields: &[Field<'_>],
        tag: Option<(&str, &str)>,
        pointer: &str,
        keywords: &BTreeMap<&str, &Value>,
    ) -> Option<TokenStream> {
        if !only(
            keywords,
            &["type", "properties", "required", "additionalProperties"],
        ) {
            return None;
        }
        if !type_admits(keywords, &["object"])? {
            return Some(quote!(false));
        }
        let properties = match keywords.get("properties") {
            Some(Value::Object(properties)) => Some(properties),
            None => None,
            Some(_) => return None,
        };
        let child = |name: &str| -> Option<String> {
            if properties.is_some_and(|p| p.contains_key(name)) {
                Some(format!("{pointer}/properties/{}", escape(name)))
            } else if keywords.contains_key("additionalProperties") {
                Some(format!("{pointer}/additionalProperties"))
            } else {
                None
            }
        };
        let mut parts = Vec::new();
        if let Some(Value::Array(required)) = keywords.get("required") {
            for name in required {
                let name = name.as_str()?;
                if tag.is_some_and(|(tag, _)| tag == name) {
                    continue;
                }
                match fields.iter().find(|f| f.json_name == name) {
                    Some(Field {
                        written: Written::Always,
                        ..
                    }) => {}
                    Some(Field {
                        written: Written::WhenSome,
                        access,
                        ..
                    }) => parts.push(quote!((#access).is_some())),
                    Some(Field {
                        written: Written::WhenNotEmpty,
                        access,
                        ..
                    }) => parts.push(quote!(!(#access).is_empty())),
                    _ => return Some(quote!(false)),
                }
            }
        } else if keywords.contains_key("required") {
            return None;
        }
        if let Some((tag, value)) = tag {
            if fields.iter().any(|f| f.json_name == tag) {
                return None;
            }
            if let Some(pointer) = child(tag) {
                let (resolved, schema) = self.resolve(&pointer)?;
                let guaranteed = schema.as_bool() == Some(true)
                    || schema.as_object().is_some_and(|map| {
                        strings_guaranteed(&assertions(map), &[value.to_owned()])
                    });
                if !guaranteed {
                    let node = self.node(&resolved)?;
                    parts.push(
                        quote!(::contracts_runtime::native::typed::str_ok(plan, #node, #value)),
                    );
                }
            }
        }
        for field in fields {
            let Some(pointer) = child(&field.json_name) else {
                continue;
            };
            let access = &field.access;
            match field.written {
                Written::Never => {}
                Written::Always => parts.push(self.check(access, field.ty, &pointer)?),
                Written::WhenNotEmpty => {
                    let check = self.check(access, field.ty, &pointer)?;
                    parts.push(quote!((#access).is_empty() || #check));
                }
                Written::WhenSome => {
                    let (_, arguments) = last_segment(field.ty)?;
                    let inner = arguments.first()?;
                    let x = self.binding();
                    let some = self.check(&quote!(#x), inner, &pointer)?;
                    parts.push(quote! {
                        match #access {
                            ::core::option::Option::Some(#x) => #some,
                            ::core::option::Option::None => true,
                        }
                    });
                }
            }
        }
        Some(conjunction(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NEWTYPE: &str = r#"
        #[derive(::serde::Deserialize, ::serde::Serialize)]
        pub struct Root { pub code: Code }
        #[derive(::serde::Serialize)]
        #[serde(transparent)]
        pub struct Code(::std::string::String);
        impl ::std::str::FromStr for Code {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                    ::std::sync::LazyLock::new(|| { ::regress::Regex::new("THE_PATTERN").unwrap() });
                if PATTERN.find(value).is_none() {
                    return Err("doesn't match".into());
                }
                Ok(Self(value.to_string()))
            }
        }
        impl ::std::convert::TryFrom<&str> for Code {
            type Error = self::error::ConversionError;
            fn try_from(value: &str) -> ::std::result::Result<Self, Self::Error> { value.parse() }
        }
    "#;

    /// What the emitted check of `Root` leaves to the type, for a `code` with `pattern`.
    fn by_type(pattern: &str, extra: &str) -> Vec<String> {
        let source = NEWTYPE.replace("THE_PATTERN", &pattern.replace('\\', "\\\\")) + extra;
        let file: syn::File = syn::parse_str(&source).unwrap();
        let schema = json!({
            "type": "object",
            "properties": { "code": { "type": "string", "pattern": pattern } },
            "required": ["code"]
        });
        let plan = Plan::compile(&schema).unwrap();
        emit(&file.items, &schema, &plan, "Root", "check_")
            .expect("a check")
            .report
            .by_type
    }

    /// What the emitted check of `Root { inner: Inner }` hands to the checking serializer.
    fn through_plan(inner: &str) -> Vec<String> {
        let source =
            format!("#[derive(::serde::Serialize)] pub struct Root {{ pub inner: Inner }} {inner}");
        let file: syn::File = syn::parse_str(&source).unwrap();
        let schema = json!({
            "type": "object",
            "properties": {
                "inner": { "type": "object", "properties": { "a": { "type": "integer" } } }
            }
        });
        let plan = Plan::compile(&schema).unwrap();
        emit(&file.items, &schema, &plan, "Root", "check_")
            .expect("a check")
            .report
            .through_plan
    }

    #[test]
    fn only_derived_serialization_is_modelled() {
        let derived = "#[derive(::serde::Serialize)] pub struct Inner { pub a: i64 }";
        assert!(through_plan(derived).is_empty());
        // Written as the one field, not as an object.
        let transparent =
            "#[derive(::serde::Serialize)] #[serde(transparent)] pub struct Inner { pub a: i64 }";
        assert_eq!(through_plan(transparent), ["/properties/inner"]);
        // `Deserialize` is not `Serialize`: a hand-written `Serialize` may write anything.
        let by_hand = "#[derive(::serde::Deserialize)] pub struct Inner { pub a: i64 }";
        assert_eq!(through_plan(by_hand), ["/properties/inner"]);
        let renamed_all =
            "#[derive(::serde::Serialize)] #[serde(rename_all = \"UPPERCASE\")] pub struct Inner { pub a: i64 }";
        assert_eq!(through_plan(renamed_all), ["/properties/inner"]);
    }

    #[test]
    fn a_pattern_newtype_built_only_through_from_str_is_trusted() {
        assert_eq!(
            by_type("^[A-Z0-9]{4,16}$", ""),
            ["/properties/code (pattern, Code)"]
        );
    }

    #[test]
    fn a_pattern_newtype_built_elsewhere_or_with_another_dialect_is_checked() {
        let default = "impl Default for Code { fn default() -> Self { Code(String::new()) } }";
        assert!(by_type("^[A-Z0-9]{4,16}$", default).is_empty());
        let module = "pub mod defaults { pub(super) fn code() -> super::Code { super::Code(String::new()) } }";
        assert!(by_type("^[A-Z0-9]{4,16}$", module).is_empty());
        // `\w` is not a class run: its meaning differs between regex dialects.
        assert!(by_type("^\\w+$", "").is_empty());
    }
}
