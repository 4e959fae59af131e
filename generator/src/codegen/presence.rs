//! Members a keyword tests for presence keep it (see `registry::presence`): typify writes an
//! optional member that is `null`, `[]` or `{}` by leaving it out. The fields `typify_input`
//! marked with a doc sentence become
//! - `Option<Option<T>>` where the member may be `null` (absent, `null`, a value), read with
//!   `contracts_runtime::__private::present`;
//! - `Option<Vec<T>>` (or a map) where typify would leave out an empty one.

use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

use crate::codegen::typify_input::{KEEPS_EMPTY, KEEPS_NULL};

/// Rewrites the marked fields of `file`; returns how many were rewritten.
pub(crate) fn keep_presence(file: &mut syn::File) -> usize {
    let mut visitor = KeepPresence { rewritten: 0 };
    visitor.visit_file_mut(file);
    visitor.rewritten
}

struct KeepPresence {
    rewritten: usize,
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(line),
                    ..
                }),
            ..
        }) = &attr.meta
        {
            text.push_str(&line.value());
            text.push(' ');
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The serde keys of `field` other than `default` and `skip_serializing_if`, and the path
/// `skip_serializing_if` names.
fn serde_keys(field: &syn::Field) -> Option<(Vec<syn::Meta>, Option<String>)> {
    let mut kept = Vec::new();
    let mut skip = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let metas = attr
            .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            .ok()?;
        for meta in metas {
            if meta.path().is_ident("skip_serializing_if") {
                if let syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(path),
                            ..
                        }),
                    ..
                }) = &meta
                {
                    skip = Some(path.value().replace(' ', ""));
                }
            } else if !meta.path().is_ident("default") {
                kept.push(meta);
            }
        }
    }
    Some((kept, skip))
}

impl VisitMut for KeepPresence {
    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        syn::visit_mut::visit_field_mut(self, field);
        let doc = doc_text(&field.attrs);
        let keeps_null = doc.contains(KEEPS_NULL);
        if !keeps_null && !doc.contains(KEEPS_EMPTY) {
            return;
        }
        let Some((mut keys, Some(skip))) = serde_keys(field) else {
            return;
        };
        let ty = &field.ty;
        match skip.as_str() {
            "::std::option::Option::is_none" if keeps_null => keys.push(syn::parse_quote!(
                deserialize_with = "::contracts_runtime::__private::present"
            )),
            "::std::option::Option::is_none" => return,
            path if path.ends_with("::is_empty") => {}
            _ => return,
        }
        field.ty = syn::parse_quote!(::std::option::Option<#ty>);
        keys.push(syn::parse_quote!(default));
        keys.push(syn::parse_quote!(
            skip_serializing_if = "::std::option::Option::is_none"
        ));
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        field.attrs.push(syn::parse_quote!(#[serde(#(#keys),*)]));
        self.rewritten += 1;
    }
}
