//! Reads the string at a JSON Pointer straight from JSON bytes, skipping everything else
//! without building a `Value` (the partition key of an encoded event).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The string at `pointer` in `bytes`, if `bytes` is JSON and a string is there.
pub fn string_at(bytes: &[u8], pointer: &str) -> Option<String> {
    let segments: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let found = Seek(&segments).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    found
}

/// What an object holds under one name, read from its JSON text.
pub(crate) enum Member<'a> {
    NotObject,
    Absent,
    /// The name appears more than once; readers disagree on which value counts.
    Repeated,
    NotString,
    String(std::borrow::Cow<'a, str>),
}

/// The member `name` of the JSON value `raw`, skipping everything else.
pub(crate) fn member<'a>(raw: &'a str, name: &str) -> Member<'a> {
    if let Some(value) = leading_member(raw, name) {
        return Member::String(value.into());
    }
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    (&mut deserializer)
        .deserialize_any(FindMember(name))
        .unwrap_or(Member::NotObject)
}

/// The fast case of [`member`]: the object's first member is `name` holding a string, both
/// without escapes (how serde writes a tag). A later repeat of the name is not looked for:
/// callers check every member they read against the branch this value picks, so a repeat
/// with another value fails there.
fn leading_member<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    if name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return None;
    }
    let rest = raw.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix('"')?
        .strip_prefix(name)?
        .strip_prefix('"')?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}

struct FindMember<'n>(&'n str);

impl<'de> Visitor<'de> for FindMember<'_> {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Member<'de>, E> {
        Ok(Member::NotObject)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Member<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Member::NotObject)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Member<'de>, A::Error> {
        let mut found = Member::Absent;
        while let Some(is_name) = map.next_key_seed(IsName(self.0))? {
            if !is_name {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if !matches!(found, Member::Absent) {
                map.next_value::<IgnoredAny>()?;
                found = Member::Repeated;
                continue;
            }
            found = match map.next_value::<MaybeString<'de>>()?.0 {
                Some(value) => Member::String(value),
                None => Member::NotString,
            };
        }
        Ok(found)
    }
}

/// Reads a key and tells whether it is the name sought, without copying it.
struct IsName<'n>(&'n str);

impl<'de> DeserializeSeed<'de> for IsName<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsName<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// A string, or any other value skipped.
pub(crate) struct MaybeString<'de>(pub(crate) Option<std::borrow::Cow<'de, str>>);

impl<'de> de::Deserialize<'de> for MaybeString<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringOrSkip)
    }
}

struct StringOrSkip;

impl<'de> Visitor<'de> for StringOrSkip {
    type Value = MaybeString<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(Some(v.into())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(Some(v.to_owned().into())))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<MaybeString<'de>, E> {
        Ok(MaybeString(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeString<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(MaybeString(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeString<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(MaybeString(None))
    }
}

struct Seek<'a>(&'a [String]);

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok(self.0.is_empty().then(|| v.to_owned()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            match self.0.split_first() {
                Some((first, rest)) if found.is_none() && *first == key => {
                    found = map.next_value_seed(Seek(rest))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        let wanted = self.0.split_first().and_then(|(first, rest)| {
            let index: usize = first.parse().ok()?;
            Some((index, rest))
        });
        let mut found = None;
        let mut index = 0;
        loop {
            let next = match wanted {
                Some((i, rest)) if i == index => seq.next_element_seed(Seek(rest))?.map(|f| {
                    found = f;
                }),
                _ => seq.next_element::<IgnoredAny>()?.map(|_| ()),
            };
            if next.is_none() {
                return Ok(found);
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::string_at;

    #[test]
    fn reads_one_member_fast_or_slow() {
        use super::{member, Member};
        let found = |raw, name| match member(raw, name) {
            Member::String(s) => format!("string {s}"),
            Member::NotObject => "not an object".into(),
            Member::Absent => "absent".into(),
            Member::Repeated => "repeated".into(),
            Member::NotString => "not a string".into(),
        };
        assert_eq!(found(r#"{"m":"a","x":1}"#, "m"), "string a");
        assert_eq!(found(r#" { "m" : "a" } "#, "m"), "string a");
        assert_eq!(found(r#"{"x":[1,{"m":"b"}],"m":"a"}"#, "m"), "string a");
        assert_eq!(found(r#"{"m":"a\u0062"}"#, "m"), "string ab");
        assert_eq!(found(r#"{"\u006d":"a"}"#, "m"), "string a");
        assert_eq!(found(r#"{"x":1,"m":"a","m":"a"}"#, "m"), "repeated");
        assert_eq!(found(r#"{"x":1}"#, "m"), "absent");
        assert_eq!(found(r#"{"m":1}"#, "m"), "not a string");
        assert_eq!(found(r#"["m"]"#, "m"), "not an object");
        // A name that JSON would escape never takes the fast path.
        assert_eq!(found(r#"{"a":1,"b":"v"}"#, r#"a":1,"b"#), "absent");
    }

    #[test]
    fn finds_nested_strings_only() {
        let bytes = br#"{"a":{"b":[1,{"c~d":"x"}]},"k":"key","n":3}"#;
        assert_eq!(string_at(bytes, "/k").as_deref(), Some("key"));
        assert_eq!(string_at(bytes, "/a/b/1/c~0d").as_deref(), Some("x"));
        assert_eq!(string_at(bytes, "/n"), None);
        assert_eq!(string_at(bytes, "/missing"), None);
        assert_eq!(string_at(b"{\"k\":", "/k"), None);
    }
}
