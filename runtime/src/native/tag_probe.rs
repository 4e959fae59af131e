//! Finds the tag of a tagged union on the serializer side without writing anything: the value
//! is serialized into a probe that stops at the first field. serde writes an internally tagged
//! enum's tag first, so the encoder can then check the value against the one branch the tag
//! names while it writes it.

use serde::ser::{self, Impossible, Serialize, Serializer};

/// What the first field of a value says about a tag named `name`.
#[derive(Debug, PartialEq)]
pub(crate) enum Probe {
    /// The first field is the tag, holding this string.
    Tag(String),
    /// Not an object, an object without fields, or a tag that is not a string: no branch of a
    /// union of objects that all require the tag can pass.
    NoBranch,
    /// The first field is another one, or a shape the probe does not follow.
    Unknown,
}

/// The tag of `value`, read from its first field.
pub(crate) fn probe<T: Serialize + ?Sized>(value: &T, name: &str) -> Probe {
    match value.serialize(Prober { name }) {
        Err(Stop(probe)) => probe,
        Ok(()) => Probe::Unknown,
    }
}

/// How the probe stops: always, with its finding.
#[derive(Debug)]
struct Stop(Probe);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop(Probe::Unknown)
    }
}

fn stop<T>(probe: Probe) -> Result<T, Stop> {
    Err(Stop(probe))
}

/// Serializes the whole value: scalars and arrays are no object.
struct Prober<'n> {
    name: &'n str,
}

/// Serializes the tag's value: only a string counts.
struct TagValue;

/// The first field of a struct or map.
struct FirstField<'n> {
    name: &'n str,
}

macro_rules! scalars_stop {
    ($probe:expr; $($method:ident($($ty:ty),*);)*) => {$(
        fn $method(self, $(_: $ty),*) -> Result<(), Stop> {
            stop($probe)
        }
    )*};
}

/// The methods both probes share: wrappers are looked through, arrays are no object, and
/// variants written as one-key objects give `$variant`.
macro_rules! shared_methods {
    ($variant:expr) => {
        fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
            value.serialize(self)
        }

        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            value: &T,
        ) -> Result<(), Stop> {
            value.serialize(self)
        }

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Stop> {
            stop($variant)
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
            stop(Probe::NoBranch)
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
            stop(Probe::NoBranch)
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Stop> {
            stop(Probe::NoBranch)
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Stop> {
            stop($variant)
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Stop> {
            stop($variant)
        }
    };
}

impl<'n> Serializer for Prober<'n> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = FirstField<'n>;
    type SerializeStruct = FirstField<'n>;
    type SerializeStructVariant = Impossible<(), Stop>;

    scalars_stop! { Probe::NoBranch;
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_i128(i128); serialize_u8(u8); serialize_u16(u16);
        serialize_u32(u32); serialize_u64(u64); serialize_u128(u128); serialize_f32(f32);
        serialize_f64(f64); serialize_char(char); serialize_str(&str); serialize_bytes(&[u8]);
        serialize_none(); serialize_unit(); serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    shared_methods!(Probe::Unknown);

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Ok(FirstField { name: self.name })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Ok(FirstField { name: self.name })
    }
}

impl FirstField<'_> {
    fn field<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Stop> {
        if key != self.name {
            return stop(Probe::Unknown);
        }
        match value.serialize(TagValue) {
            Err(Stop(probe)) => Err(Stop(probe)),
            Ok(()) => stop(Probe::Unknown),
        }
    }
}

impl ser::SerializeStruct for FirstField<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Stop> {
        stop(Probe::NoBranch)
    }
}

impl ser::SerializeMap for FirstField<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Stop> {
        // A key alone says nothing yet; `serialize_entry` is what serde's derives call.
        stop(Probe::Unknown)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Stop> {
        stop(Probe::Unknown)
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Stop> {
        match key.serialize(TagValue) {
            Err(Stop(Probe::Tag(key))) => self.field(&key, value),
            _ => stop(Probe::Unknown),
        }
    }

    fn end(self) -> Result<(), Stop> {
        stop(Probe::NoBranch)
    }
}

impl Serializer for TagValue {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Impossible<(), Stop>;
    type SerializeStructVariant = Impossible<(), Stop>;

    scalars_stop! { Probe::NoBranch;
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_i128(i128); serialize_u8(u8); serialize_u16(u16);
        serialize_u32(u32); serialize_u64(u64); serialize_u128(u128); serialize_f32(f32);
        serialize_f64(f64); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_char(self, v: char) -> Result<(), Stop> {
        stop(Probe::Tag(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        stop(Probe::Tag(v.to_owned()))
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Stop> {
        stop(Probe::Tag(v.to_owned()))
    }

    shared_methods!(Probe::NoBranch);

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        stop(Probe::NoBranch)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        stop(Probe::NoBranch)
    }
}

#[cfg(test)]
mod tests {
    use super::{probe, Probe};
    use serde::Serialize;
    use serde_json::json;

    #[derive(Serialize)]
    #[serde(tag = "method")]
    enum Delivery {
        #[serde(rename = "shipping")]
        Shipping { address: String },
        #[serde(rename = "pickup")]
        Pickup,
    }

    #[derive(Serialize)]
    struct TagLast {
        address: String,
        method: String,
    }

    #[test]
    fn reads_a_leading_tag_and_nothing_else() {
        let shipping = Delivery::Shipping {
            address: "x".into(),
        };
        assert_eq!(probe(&shipping, "method"), Probe::Tag("shipping".into()));
        assert_eq!(
            probe(&Delivery::Pickup, "method"),
            Probe::Tag("pickup".into())
        );
        assert_eq!(probe(&shipping, "kind"), Probe::Unknown);
        let last = TagLast {
            address: "x".into(),
            method: "pickup".into(),
        };
        assert_eq!(probe(&last, "method"), Probe::Unknown);
        assert_eq!(
            probe(&json!({"method": "pickup", "x": 1}), "method"),
            Probe::Tag("pickup".into())
        );
        assert_eq!(
            probe(&json!({"x": 1, "method": "pickup"}), "method"),
            Probe::Unknown
        );
        assert_eq!(probe(&json!({"method": 1}), "method"), Probe::NoBranch);
        assert_eq!(probe(&json!({}), "method"), Probe::NoBranch);
        assert_eq!(probe(&json!([1]), "method"), Probe::NoBranch);
        assert_eq!(probe(&json!("pickup"), "method"), Probe::NoBranch);
        assert_eq!(
            probe(&Some(json!({"method": "a"})), "method"),
            Probe::Tag("a".into())
        );
    }
}
