//! Distinct Rust field names for properties whose names collide after conversion
//! (`fooBar` and `foo_bar` both become `foo_bar` in typify's output).

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

/// Renames the second and later fields of a colliding name to `<name>_2`, `<name>_3`, ... and
/// gives them a serde rename to the JSON name they had, so the wire format is unchanged.
pub(crate) fn make_distinct(file: &mut syn::File) -> usize {
    let mut visitor = Distinct { renamed: 0 };
    visitor.visit_file_mut(file);
    visitor.renamed
}

struct Distinct {
    renamed: usize,
}

impl VisitMut for Distinct {
    fn visit_fields_named_mut(&mut self, fields: &mut syn::FieldsNamed) {
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let all: BTreeSet<String> = fields
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
            .collect();
        for field in fields.named.iter_mut() {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            let name = ident.to_string();
            if taken.insert(name.clone()) {
                continue;
            }
            let json_name =
                serde_rename(field).unwrap_or_else(|| name.trim_start_matches("r#").to_owned());
            let mut n = 2;
            let mut candidate = format!("{name}_{n}");
            while all.contains(&candidate) || taken.contains(&candidate) {
                n += 1;
                candidate = format!("{name}_{n}");
            }
            taken.insert(candidate.clone());
            if serde_rename(field).is_none() {
                field
                    .attrs
                    .push(syn::parse_quote!(#[serde(rename = #json_name)]));
            }
            field.ident = Some(syn::Ident::new(&candidate, ident.span()));
            self.renamed += 1;
        }
        syn::visit_mut::visit_fields_named_mut(self, fields);
    }
}

/// The `rename = "..."` of a field's `#[serde(...)]` attributes.
fn serde_rename(field: &syn::Field) -> Option<String> {
    let mut found = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                found = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}
