//! JSON has no NaN and no infinity, and serde_json writes them as `null`. [`non_finite`] finds
//! every such float in a value about to be encoded, with its JSON Pointer, so that `encode` and
//! `validate` refuse it instead of sending a `null` nobody wrote.

use serde::ser::{self, Serialize};

use crate::error::{Violation, Violations};

/// Every NaN or infinite float in `value`, as violations at their JSON Pointers.
pub(crate) fn non_finite<T: Serialize + ?Sized>(value: &T) -> Result<(), Violations> {
    let mut finder = Finder::default();
    // A serializer error means a shape serde_json cannot write either; encoding reports it.
    let _ = value.serialize(&mut finder);
    if finder.found.is_empty() {
        Ok(())
    } else {
        Err(Violations(
            finder
                .found
                .into_iter()
                .map(|(pointer, value)| Violation {
                    pointer,
                    message: format!("{value} is not a JSON number (JSON has no NaN or infinity)"),
                })
                .collect(),
        ))
    }
}

#[derive(Default)]
struct Finder {
    path: Vec<String>,
    found: Vec<(String, f64)>,
}

impl Finder {
    fn float(&mut self, value: f64) {
        if !value.is_finite() {
            let pointer = self
                .path
                .iter()
                .map(|token| format!("/{}", token.replace('~', "~0").replace('/', "~1")))
                .collect();
            self.found.push((pointer, value));
        }
    }

    fn at<T: Serialize + ?Sized>(&mut self, token: String, value: &T) -> Result<(), Error> {
        self.path.push(token);
        let result = value.serialize(&mut *self);
        self.path.pop();
        result
    }
}

#[derive(Debug)]
struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not serializable")
    }
}
impl std::error::Error for Error {}
impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

/// A container being walked: the index of the next element, or the key of the next value.
struct Compound<'a> {
    finder: &'a mut Finder,
    index: usize,
    key: String,
}

impl<'a> Compound<'a> {
    fn new(finder: &'a mut Finder) -> Self {
        Compound {
            finder,
            index: 0,
            key: String::new(),
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let index = self.index;
        self.index += 1;
        self.finder.at(index.to_string(), value)
    }
}

macro_rules! scalars {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, _: $ty) -> Result<(), Error> { Ok(()) })*
    };
}

impl<'a> ser::Serializer for &'a mut Finder {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    scalars!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str);

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(f64::from(v));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.at(variant.to_owned(), value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.path.push(variant.to_owned());
        Ok(Compound::new(self))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::new(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::new(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.path.push(variant.to_owned());
        Ok(Compound::new(self))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finder.path.pop();
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // The key as serde_json writes it (an integer key as its digits, say).
        self.key = match serde_json::to_value(key).map_err(|_| Error)? {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = std::mem::take(&mut self.key);
        self.finder.at(key, value)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.finder.at(name.to_owned(), value)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.finder.at(name.to_owned(), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finder.path.pop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::non_finite;

    #[derive(Serialize)]
    struct Reading {
        value: f64,
        optional: Option<f64>,
        series: Vec<f32>,
        by_sensor: BTreeMap<String, f64>,
        nested: Vec<Inner>,
    }

    #[derive(Serialize)]
    enum Inner {
        Point { x: f64 },
        Pair(f64, f64),
    }

    #[test]
    fn every_non_finite_float_is_named_by_its_pointer() {
        let reading = Reading {
            value: f64::NAN,
            optional: Some(f64::INFINITY),
            series: vec![1.0, f32::NEG_INFINITY],
            by_sensor: BTreeMap::from([("a/b".to_owned(), f64::NAN), ("c".to_owned(), 2.0)]),
            nested: vec![Inner::Point { x: 1.0 }, Inner::Pair(0.5, f64::NAN)],
        };
        let violations = non_finite(&reading).expect_err("four non-finite floats");
        let pointers: Vec<&str> = violations.0.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/value",
                "/optional",
                "/series/1",
                "/by_sensor/a~1b",
                "/nested/1/Pair/1"
            ]
        );
        assert!(
            violations.0[0].message.contains("NaN"),
            "{}",
            violations.0[0].message
        );
    }

    #[test]
    fn finite_values_pass() {
        let reading = Reading {
            value: 1.5,
            optional: None,
            series: vec![f32::MAX],
            by_sensor: BTreeMap::new(),
            nested: vec![],
        };
        assert!(non_finite(&reading).is_ok());
    }
}
