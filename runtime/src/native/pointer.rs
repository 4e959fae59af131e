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
    fn finds_nested_strings_only() {
        let bytes = br#"{"a":{"b":[1,{"c~d":"x"}]},"k":"key","n":3}"#;
        assert_eq!(string_at(bytes, "/k").as_deref(), Some("key"));
        assert_eq!(string_at(bytes, "/a/b/1/c~0d").as_deref(), Some("x"));
        assert_eq!(string_at(bytes, "/n"), None);
        assert_eq!(string_at(bytes, "/missing"), None);
        assert_eq!(string_at(b"{\"k\":", "/k"), None);
    }
}
