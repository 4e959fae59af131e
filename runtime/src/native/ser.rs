//! Encoding with checks on the way: [`CheckedValue`] serializes a typed value through a
//! serializer wrapper that checks each piece against its schema node as serde_json writes it.
//! Shapes serde_json writes as nested objects with a tag (tuple and struct variants) are
//! reported as unsupported; the caller then takes the slow path.

use serde::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeTuple,
    SerializeTupleStruct, Serializer,
};
use serde_json::Value;

use super::de;
use super::number::Num;
use super::plan::{ty, Checks, Combined, Node, NodeId, Plan, ANY};
use super::scalar::{self, Failure};
use super::state::{ArrayState, ObjectState};
use super::tag_probe::{self, Probe};

pub(crate) const UNSUPPORTED: &str = "the native path does not encode this shape";

pub(crate) struct CheckedValue<'a, 'p, T: ?Sized> {
    pub(crate) value: &'a T,
    pub(crate) plan: &'p Plan,
    pub(crate) node: NodeId,
}

fn fail<E: ser::Error>(failure: Failure) -> E {
    E::custom(failure)
}

impl<T: Serialize + ?Sized> Serialize for CheckedValue<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.plan.node(self.node) {
            Node::Any => self.value.serialize(serializer),
            Node::Never => Err(fail(scalar::NEVER)),
            Node::Delegated(validator) => {
                let value = serde_json::to_value(self.value).map_err(ser::Error::custom)?;
                if !validator.is_valid(&value) {
                    return Err(<S::Error as ser::Error>::custom(
                        "the value breaks a subschema checked by jsonschema",
                    ));
                }
                value.serialize(serializer)
            }
            Node::Combined(combined) if combined.streaming_tag().is_some() => {
                // A tagged union of objects: the tag, written first, names the one branch the
                // value is checked against as it is written.
                let (tag, branches) = combined.streaming_tag().expect("checked");
                match tag_probe::probe(self.value, &tag.name) {
                    Probe::Tag(value) => {
                        let Some(branch) = tag.branch_named(branches, &value) else {
                            return Err(fail(scalar::APPLICATOR));
                        };
                        CheckedValue {
                            value: self.value,
                            plan: self.plan,
                            node: branch,
                        }
                        .serialize(serializer)
                    }
                    Probe::NoBranch => Err(fail(scalar::APPLICATOR)),
                    Probe::Unknown => self.through_raw(combined, serializer),
                }
            }
            Node::Combined(combined) => self.through_raw(combined, serializer),
            Node::Checks(checks) => self.value.serialize(CheckedSerializer {
                ser: serializer,
                plan: self.plan,
                node: self.node,
                checks,
            }),
        }
    }
}

impl<T: Serialize + ?Sized> CheckedValue<'_, '_, T> {
    /// Writes the value once as plain JSON, checks the applicators on it, then copies it out.
    fn through_raw<S: Serializer>(
        &self,
        combined: &Combined,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let json = serde_json::value::to_raw_value(self.value).map_err(ser::Error::custom)?;
        let node = de::combined_target(self.plan, combined, json.get()).map_err(fail)?;
        if !de::raw_valid(self.plan, node, json.get()) {
            return Err(fail(scalar::APPLICATOR));
        }
        json.serialize(serializer)
    }
}

/// Up to 64 bytes of text without a heap allocation; writing more fails.
pub(crate) struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so the bytes are UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

struct CheckedSerializer<'p, S> {
    ser: S,
    plan: &'p Plan,
    node: NodeId,
    checks: &'p Checks,
}

impl<'p, S: Serializer> CheckedSerializer<'p, S> {
    fn number(self, n: Num) -> Result<S, S::Error> {
        scalar::check_number(self.checks, n).map_err(fail)?;
        Ok(self.ser)
    }

    fn float(self, f: f64) -> Result<S, S::Error> {
        // NaN and infinities are not JSON numbers (serde_json would write them as null).
        if f.is_finite() {
            self.number(Num::F(f))
        } else {
            Err(fail(scalar::NON_FINITE))
        }
    }

    fn wrap<'a, T: ?Sized>(&self, value: &'a T) -> CheckedValue<'a, 'p, T> {
        CheckedValue {
            value,
            plan: self.plan,
            node: self.node,
        }
    }
}

impl<'p, S: Serializer> Serializer for CheckedSerializer<'p, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = CheckedSeq<'p, S::SerializeSeq>;
    type SerializeTuple = CheckedSeq<'p, S::SerializeTuple>;
    type SerializeTupleStruct = CheckedSeq<'p, S::SerializeTupleStruct>;
    type SerializeTupleVariant = ser::Impossible<S::Ok, S::Error>;
    type SerializeMap = CheckedMap<'p, S::SerializeMap>;
    type SerializeStruct = CheckedStruct<'p, S::SerializeStruct>;
    type SerializeStructVariant = ser::Impossible<S::Ok, S::Error>;

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        scalar::check_bool(self.checks, v).map_err(fail)?;
        self.ser.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.number(Num::I(v.into()))?.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.number(Num::I(v.into()))?.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.number(Num::I(v.into()))?.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.number(Num::I(v))?.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        let n = i64::try_from(v)
            .map(Num::I)
            .or_else(|_| u64::try_from(v).map(Num::U))
            .map_err(|_| <S::Error as ser::Error>::custom(UNSUPPORTED))?;
        self.number(n)?.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.number(Num::U(v.into()))?.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.number(Num::U(v.into()))?.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.number(Num::U(v.into()))?.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.number(Num::U(v))?.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        let n = u64::try_from(v).map_err(|_| <S::Error as ser::Error>::custom(UNSUPPORTED))?;
        self.number(Num::U(n))?.serialize_u128(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.float(f64::from(v))?.serialize_f32(v)
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.float(v)?.serialize_f64(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        scalar::check_str(self.checks, v.encode_utf8(&mut [0; 4])).map_err(fail)?;
        self.ser.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        scalar::check_str(self.checks, v).map_err(fail)?;
        self.ser.serialize_str(v)
    }
    /// Displayed values (dates, uuids) are formatted on the stack when they fit, then checked
    /// and written as one string; serde's default would allocate a `String` for each.
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        use std::fmt::Write;
        let mut buffer = StackText::default();
        if write!(buffer, "{value}").is_ok() {
            return self.serialize_str(buffer.as_str());
        }
        self.serialize_str(&value.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<S::Ok, S::Error> {
        Err(<S::Error as ser::Error>::custom(UNSUPPORTED))
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        scalar::check_null(self.checks).map_err(fail)?;
        self.ser.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        let wrapped = self.wrap(value);
        self.ser.serialize_some(&wrapped)
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        scalar::check_null(self.checks).map_err(fail)?;
        self.ser.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        scalar::check_null(self.checks).map_err(fail)?;
        self.ser.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        scalar::check_str(self.checks, variant).map_err(fail)?;
        self.ser.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let wrapped = self.wrap(value);
        self.ser.serialize_newtype_struct(name, &wrapped)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        // Written as `{"variant": value}`.
        scalar::check_container(self.checks, ty::OBJECT).map_err(fail)?;
        let mut state = ObjectState::default();
        let child = de::object_key(&mut state, self.plan, self.checks, variant).map_err(fail)?;
        state.finish(self.checks).map_err(fail)?;
        let wrapped = CheckedValue {
            value,
            plan: self.plan,
            node: child,
        };
        self.ser
            .serialize_newtype_variant(name, index, variant, &wrapped)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        scalar::check_container(self.checks, ty::ARRAY).map_err(fail)?;
        Ok(CheckedSeq {
            inner: self.ser.serialize_seq(len)?,
            plan: self.plan,
            checks: self.checks,
            state: ArrayState::default(),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        scalar::check_container(self.checks, ty::ARRAY).map_err(fail)?;
        Ok(CheckedSeq {
            inner: self.ser.serialize_tuple(len)?,
            plan: self.plan,
            checks: self.checks,
            state: ArrayState::default(),
        })
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        scalar::check_container(self.checks, ty::ARRAY).map_err(fail)?;
        Ok(CheckedSeq {
            inner: self.ser.serialize_tuple_struct(name, len)?,
            plan: self.plan,
            checks: self.checks,
            state: ArrayState::default(),
        })
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(<S::Error as ser::Error>::custom(UNSUPPORTED))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        scalar::check_container(self.checks, ty::OBJECT).map_err(fail)?;
        Ok(CheckedMap {
            inner: self.ser.serialize_map(len)?,
            plan: self.plan,
            checks: self.checks,
            state: ObjectState::default(),
            child: ANY,
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        scalar::check_container(self.checks, ty::OBJECT).map_err(fail)?;
        Ok(CheckedStruct {
            inner: self.ser.serialize_struct(name, len)?,
            plan: self.plan,
            checks: self.checks,
            state: ObjectState::default(),
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(<S::Error as ser::Error>::custom(UNSUPPORTED))
    }
}

pub(crate) struct CheckedSeq<'p, I> {
    inner: I,
    plan: &'p Plan,
    checks: &'p Checks,
    state: ArrayState,
}

impl<I> CheckedSeq<'_, I> {
    fn child(&mut self) -> Result<NodeId, Failure> {
        self.state.item(self.checks)
    }
}

macro_rules! seq_impl {
    ($trait:ident, $method:ident) => {
        impl<I: $trait> $trait for CheckedSeq<'_, I> {
            type Ok = I::Ok;
            type Error = I::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), I::Error> {
                let node = self.child().map_err(fail)?;
                self.inner.$method(&CheckedValue {
                    value,
                    plan: self.plan,
                    node,
                })
            }

            fn end(self) -> Result<I::Ok, I::Error> {
                self.state.finish(self.checks).map_err(fail)?;
                self.inner.end()
            }
        }
    };
}

seq_impl!(SerializeSeq, serialize_element);
seq_impl!(SerializeTuple, serialize_element);
seq_impl!(SerializeTupleStruct, serialize_field);

pub(crate) struct CheckedStruct<'p, I> {
    inner: I,
    plan: &'p Plan,
    checks: &'p Checks,
    state: ObjectState,
}

impl<I: SerializeStruct> SerializeStruct for CheckedStruct<'_, I> {
    type Ok = I::Ok;
    type Error = I::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), I::Error> {
        let node = de::object_key(&mut self.state, self.plan, self.checks, key).map_err(fail)?;
        self.inner.serialize_field(
            key,
            &CheckedValue {
                value,
                plan: self.plan,
                node,
            },
        )
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), I::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<I::Ok, I::Error> {
        self.state.finish(self.checks).map_err(fail)?;
        self.inner.end()
    }
}

pub(crate) struct CheckedMap<'p, I> {
    inner: I,
    plan: &'p Plan,
    checks: &'p Checks,
    state: ObjectState,
    child: NodeId,
}

impl<I: SerializeMap> SerializeMap for CheckedMap<'_, I> {
    type Ok = I::Ok;
    type Error = I::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), I::Error> {
        // serde_json writes string, number and bool keys as strings.
        let name = match serde_json::to_value(key).map_err(ser::Error::custom)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(ser::Error::custom(UNSUPPORTED)),
        };
        self.child =
            de::object_key(&mut self.state, self.plan, self.checks, &name).map_err(fail)?;
        self.inner.serialize_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), I::Error> {
        self.inner.serialize_value(&CheckedValue {
            value,
            plan: self.plan,
            node: self.child,
        })
    }

    fn end(self) -> Result<I::Ok, I::Error> {
        self.state.finish(self.checks).map_err(fail)?;
        self.inner.end()
    }
}
