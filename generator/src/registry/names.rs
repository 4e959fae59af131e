//! Rust names derived from schema names.

/// `order_placed` → `OrderPlaced`, `e-mail` → `EMail`, `camelCase` → `CamelCase`.
pub(crate) fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper_next = true;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            upper_next = true;
            continue;
        }
        if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Def");
    }
    if out == "Self" {
        out.push_str("Def");
    }
    out
}

/// `OrderPlacedV1` for `order_placed` version 1.
pub(crate) fn event_type_name(event: &str, version: u32) -> String {
    format!("{}V{version}", pascal_case(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_pascal_case() {
        assert_eq!(pascal_case("order_placed"), "OrderPlaced");
        assert_eq!(pascal_case("e-mail"), "EMail");
        assert_eq!(pascal_case("camelCase"), "CamelCase");
        assert_eq!(pascal_case("2fa"), "Def2fa");
        assert_eq!(pascal_case("$$"), "Def");
        assert_eq!(pascal_case("self"), "SelfDef");
        assert_eq!(event_type_name("user_deleted", 3), "UserDeletedV3");
    }
}
