//! `date-time` values keep the offset they were written with: typify types them as
//! `chrono::DateTime<Utc>`, which would re-encode `09:00:00+02:00` as `07:00:00Z`. Every such
//! type becomes `chrono::DateTime<FixedOffset>` (the instant and the producer's offset; `.to_utc()`
//! is the conversion to UTC).

use syn::visit_mut::VisitMut;

/// Replaces `::chrono::DateTime<::chrono::offset::Utc>` by `::chrono::DateTime<::chrono::FixedOffset>`
/// everywhere in `file`; returns how many were replaced.
pub(crate) fn keep_offsets(file: &mut syn::File) -> usize {
    let mut visitor = KeepOffsets { replaced: 0 };
    visitor.visit_file_mut(file);
    visitor.replaced
}

struct KeepOffsets {
    replaced: usize,
}

fn names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

impl VisitMut for KeepOffsets {
    fn visit_type_path_mut(&mut self, node: &mut syn::TypePath) {
        syn::visit_mut::visit_type_path_mut(self, node);
        if node.qself.is_some() || names(&node.path) != ["chrono", "DateTime"] {
            return;
        }
        let Some(last) = node.path.segments.last_mut() else {
            return;
        };
        let syn::PathArguments::AngleBracketed(arguments) = &mut last.arguments else {
            return;
        };
        for argument in arguments.args.iter_mut() {
            if let syn::GenericArgument::Type(syn::Type::Path(zone)) = argument {
                if names(&zone.path) == ["chrono", "offset", "Utc"] {
                    *zone = syn::parse_quote!(::chrono::FixedOffset);
                    self.replaced += 1;
                }
            }
        }
    }
}
