//! Decoding with checks on the way: [`Checked`] wraps serde_json's deserializer and sees every
//! token the typed `Deserialize` impl asks for (and the ones it skips), so the constraints are
//! checked on the bytes themselves, not on a typed value that may have dropped them.

use serde::de::value::{
    BorrowedStrDeserializer, MapAccessDeserializer, StrDeserializer, StringDeserializer,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::Value;

use super::number::Num;
use super::plan::{ty, Checks, Combined, Discriminator, Node, NodeId, Plan, ANY};
use super::pointer::MaybeString;
use super::scalar::{self, Failure};
use super::state::{ArrayState, ObjectState};

pub(crate) struct Checked<'p, D> {
    pub(crate) de: D,
    pub(crate) plan: &'p Plan,
    pub(crate) node: NodeId,
}

fn fail<E: de::Error>(failure: Failure) -> E {
    E::custom(failure)
}

fn delegated<E: de::Error>(validator: &jsonschema::Validator, value: &Value) -> Result<(), E> {
    if validator.is_valid(value) {
        Ok(())
    } else {
        Err(E::custom(
            "the value breaks a subschema checked by jsonschema",
        ))
    }
}

/// Notes a property name in `state`: `maxProperties`, then `propertyNames`, which may need a
/// streaming pass of its own; returns the node the value is checked against.
#[inline(always)]
pub(crate) fn object_key(
    state: &mut ObjectState,
    plan: &Plan,
    checks: &Checks,
    key: &str,
) -> Result<NodeId, Failure> {
    let node = state.key(checks, key)?;
    if let Some(names) = checks.property_names {
        check_key(plan, names, key)?;
    }
    Ok(node)
}

/// A property name against `propertyNames`.
fn check_key(plan: &Plan, node: NodeId, key: &str) -> Result<(), Failure> {
    if node == ANY {
        return Ok(());
    }
    match plan.node(node) {
        Node::Any => Ok(()),
        Node::Never => Err("no property name is allowed"),
        Node::Checks(checks) => scalar::check_str(checks, key),
        Node::Combined(_) => {
            let raw = Value::String(key.to_owned()).to_string();
            if raw_valid(plan, node, &raw) {
                Ok(())
            } else {
                Err("the property name breaks propertyNames")
            }
        }
        Node::Delegated(validator) => {
            if validator.is_valid(&Value::String(key.to_owned())) {
                Ok(())
            } else {
                Err("the property name breaks propertyNames")
            }
        }
    }
}

/// Whether `raw` (one JSON value) satisfies `node`: a streaming pass that builds nothing.
pub(crate) fn raw_valid(plan: &Plan, node: NodeId, raw: &str) -> bool {
    if node == ANY {
        return true;
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    IgnoredAny::deserialize(Checked {
        de: &mut de,
        plan,
        node,
    })
    .is_ok()
}

/// Whether `raw` satisfies every applicator of `combined` (not its base).
pub(crate) fn combined_valid(plan: &Plan, combined: &Combined, raw: &str) -> bool {
    let valid = |node: &NodeId| raw_valid(plan, *node, raw);
    let tagged = |tag: &Option<Discriminator>, branches: &[NodeId]| {
        tag.as_ref().and_then(|tag| tag.branch(branches, raw))
    };
    combined.all_of.iter().all(valid)
        && (combined.any_of.is_empty()
            || match tagged(&combined.any_of_tag, &combined.any_of) {
                Some(branch) => branch.as_ref().is_some_and(valid),
                None => combined.any_of.iter().any(valid),
            })
        && (combined.one_of.is_empty()
            || match tagged(&combined.one_of_tag, &combined.one_of) {
                Some(branch) => branch.as_ref().is_some_and(valid),
                None => combined.one_of.iter().filter(|n| valid(n)).take(2).count() == 1,
            })
        && combined.not.is_none_or(|n| !valid(&n))
        && combined
            .condition
            .is_none_or(|(condition, then, otherwise)| {
                if valid(&condition) {
                    valid(&then)
                } else {
                    valid(&otherwise)
                }
            })
}

/// Checks the applicators of `combined` on `raw` and names the node the value must still
/// pass as it is read: the base, or for a tagged `oneOf` the one branch that can match.
pub(crate) fn combined_target(
    plan: &Plan,
    combined: &Combined,
    raw: &str,
) -> Result<NodeId, Failure> {
    match combined.tagged_branch(raw) {
        Some(Some(branch)) => Ok(branch),
        Some(None) => Err(scalar::APPLICATOR),
        None if combined_valid(plan, combined, raw) => Ok(combined.base),
        None => Err(scalar::APPLICATOR),
    }
}

/// Reads one value as raw JSON, checks the applicators of `combined` on it and returns it
/// with the node it must still pass.
fn combined_raw<'de, D: Deserializer<'de>>(
    de: D,
    plan: &Plan,
    combined: &Combined,
) -> Result<(&'de RawValue, NodeId), D::Error> {
    let raw = <&RawValue>::deserialize(de)?;
    let node = combined_target(plan, combined, raw.get()).map_err(fail)?;
    Ok((raw, node))
}

/// Calls `$callback!` with every `Deserializer` method but `deserialize_enum` and
/// `deserialize_ignored_any`, which the wrappers treat specially.
macro_rules! every_deserialize_method {
    ($callback:ident) => {
        $callback! {
            deserialize_any();
            deserialize_bool();
            deserialize_i8();
            deserialize_i16();
            deserialize_i32();
            deserialize_i64();
            deserialize_i128();
            deserialize_u8();
            deserialize_u16();
            deserialize_u32();
            deserialize_u64();
            deserialize_u128();
            deserialize_f32();
            deserialize_f64();
            deserialize_char();
            deserialize_str();
            deserialize_string();
            deserialize_bytes();
            deserialize_byte_buf();
            deserialize_option();
            deserialize_unit();
            deserialize_unit_struct(name: &'static str);
            deserialize_newtype_struct(name: &'static str);
            deserialize_seq();
            deserialize_tuple(len: usize);
            deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_map();
            deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_identifier();
        }
    };
}

macro_rules! checked_methods {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            match self.plan.node(self.node) {
                Node::Any => self.de.$method($($arg,)* visitor),
                Node::Never => Err(fail(scalar::NEVER)),
                Node::Delegated(validator) => {
                    let value = Value::deserialize(self.de)?;
                    delegated(validator, &value)?;
                    value.$method($($arg,)* visitor).map_err(de::Error::custom)
                }
                Node::Combined(combined) if combined.streaming_tag().is_some() => {
                    let (tag, branches) = combined.streaming_tag().expect("checked");
                    self.de.$method($($arg,)* TaggedVisitor {
                        inner: visitor,
                        plan: self.plan,
                        node: self.node,
                        tag,
                        branches,
                    })
                }
                Node::Combined(combined) => {
                    let (raw, node) = combined_raw(self.de, self.plan, combined)?;
                    let mut de = serde_json::Deserializer::from_str(raw.get());
                    Checked { de: &mut de, plan: self.plan, node }
                        .$method($($arg,)* visitor)
                        .map_err(de::Error::custom)
                }
                Node::Checks(checks) => self.de.$method($($arg,)* CheckedVisitor {
                    inner: visitor,
                    plan: self.plan,
                    node: self.node,
                    checks,
                }),
            }
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Checked<'_, D> {
    type Error = D::Error;

    every_deserialize_method!(checked_methods);

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        match self.plan.node(self.node) {
            Node::Any => self.de.deserialize_enum(name, variants, visitor),
            Node::Never => Err(fail(scalar::NEVER)),
            Node::Delegated(validator) => {
                let value = Value::deserialize(self.de)?;
                delegated(validator, &value)?;
                value
                    .deserialize_enum(name, variants, visitor)
                    .map_err(de::Error::custom)
            }
            Node::Combined(combined) => {
                let (raw, node) = combined_raw(self.de, self.plan, combined)?;
                let mut de = serde_json::Deserializer::from_str(raw.get());
                Checked {
                    de: &mut de,
                    plan: self.plan,
                    node,
                }
                .deserialize_enum(name, variants, visitor)
                .map_err(de::Error::custom)
            }
            // Through `deserialize_any`, so the check sees whether it was a string or an object.
            Node::Checks(checks) => self.de.deserialize_any(CheckedVisitor {
                inner: EnumBridge(visitor),
                plan: self.plan,
                node: self.node,
                checks,
            }),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.plan.node(self.node) {
            // Unconstrained: read as serde_json reads a value into `Value` (escapes decoded,
            // numbers in range, nesting within its limit), so that the native path refuses
            // exactly the bytes the full validator's parse refuses; nothing is built.
            Node::Any => {
                self.de.deserialize_any(Strict)?;
                visitor.visit_unit()
            }
            // A value the type ignores is still checked.
            _ => self.deserialize_any(visitor),
        }
    }
}

struct CheckedVisitor<'p, V> {
    inner: V,
    plan: &'p Plan,
    node: NodeId,
    checks: &'p Checks,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CheckedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        scalar::check_bool(self.checks, v).map_err(fail)?;
        self.inner.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        scalar::check_number(self.checks, Num::I(v)).map_err(fail)?;
        self.inner.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        scalar::check_number(self.checks, Num::U(v)).map_err(fail)?;
        self.inner.visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        scalar::check_number(self.checks, Num::F(v)).map_err(fail)?;
        // `1.0` is an integer to JSON Schema: hand it to an integer type as one.
        if self.checks.types & ty::NUMBER == 0 && v.fract() == 0.0 {
            const TWO_63: f64 = 9_223_372_036_854_775_808.0;
            if (-TWO_63..TWO_63).contains(&v) {
                return self.inner.visit_i64(v as i64);
            }
            if (0.0..2.0 * TWO_63).contains(&v) {
                return self.inner.visit_u64(v as u64);
            }
        }
        self.inner.visit_f64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        scalar::check_str(self.checks, v).map_err(fail)?;
        self.inner.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        scalar::check_str(self.checks, v).map_err(fail)?;
        self.inner.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        scalar::check_str(self.checks, &v).map_err(fail)?;
        self.inner.visit_string(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        scalar::check_null(self.checks).map_err(fail)?;
        self.inner.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        scalar::check_null(self.checks).map_err(fail)?;
        self.inner.visit_none()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_some(Checked {
            de: d,
            plan: self.plan,
            node: self.node,
        })
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_newtype_struct(Checked {
            de: d,
            plan: self.plan,
            node: self.node,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        scalar::check_container(self.checks, ty::ARRAY).map_err(fail)?;
        self.inner.visit_seq(CheckedSeq {
            seq,
            plan: self.plan,
            checks: self.checks,
            state: ArrayState::default(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        scalar::check_container(self.checks, ty::OBJECT).map_err(fail)?;
        self.inner.visit_map(CheckedMap {
            map,
            plan: self.plan,
            checks: self.checks,
            state: ObjectState::default(),
            child: ANY,
        })
    }
}

struct CheckedSeed<'p, S> {
    seed: S,
    plan: &'p Plan,
    node: NodeId,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CheckedSeed<'_, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Checked {
            de: d,
            plan: self.plan,
            node: self.node,
        })
    }
}

struct CheckedSeq<'p, A> {
    seq: A,
    plan: &'p Plan,
    checks: &'p Checks,
    state: ArrayState,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CheckedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let node = self.checks.child_of_index(self.state.index);
        let seed = CheckedSeed {
            seed,
            plan: self.plan,
            node,
        };
        match self.seq.next_element_seed(seed)? {
            Some(value) => {
                self.state.item(self.checks).map_err(fail)?;
                Ok(Some(value))
            }
            None => {
                self.state.finish(self.checks).map_err(fail)?;
                Ok(None)
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct CheckedMap<'p, A> {
    map: A,
    plan: &'p Plan,
    checks: &'p Checks,
    state: ObjectState,
    child: NodeId,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CheckedMap<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let seed = KeySeed {
            seed,
            plan: self.plan,
            checks: self.checks,
            state: &mut self.state,
            child: &mut self.child,
        };
        match self.map.next_key_seed(seed)? {
            Some(key) => Ok(Some(key)),
            None => {
                self.state.finish(self.checks).map_err(fail)?;
                Ok(None)
            }
        }
    }

    #[inline]
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(CheckedSeed {
            seed,
            plan: self.plan,
            node: self.child,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// Sees the key string as the key type reads it.
struct KeySeed<'s, 'p, K> {
    seed: K,
    plan: &'p Plan,
    checks: &'p Checks,
    state: &'s mut ObjectState,
    child: &'s mut NodeId,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, '_, K> {
    type Value = K::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDeserializer {
            de: d,
            note: KeyNote {
                plan: self.plan,
                checks: self.checks,
                state: self.state,
                child: self.child,
            },
        })
    }
}

struct KeyNote<'s, 'p> {
    plan: &'p Plan,
    checks: &'p Checks,
    state: &'s mut ObjectState,
    child: &'s mut NodeId,
}

impl KeyNote<'_, '_> {
    #[inline(always)]
    fn note<E: de::Error>(self, key: &str) -> Result<(), E> {
        *self.child = object_key(self.state, self.plan, self.checks, key).map_err(fail)?;
        Ok(())
    }
}

struct KeyDeserializer<'s, 'p, D> {
    de: D,
    note: KeyNote<'s, 'p>,
}

macro_rules! key_methods {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method($($arg,)* KeyVisitor { inner: visitor, note: self.note })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<'_, '_, D> {
    type Error = D::Error;

    every_deserialize_method!(key_methods);
    key_methods! {
        deserialize_ignored_any();
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_str(KeyVisitor {
            inner: EnumBridge(visitor),
            note: self.note,
        })
    }
}

struct KeyVisitor<'s, 'p, V> {
    inner: V,
    note: KeyNote<'s, 'p>,
}

const KEY_NOT_STRING: &str = "the native path reads property names as strings only";

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, '_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.note.note(v)?;
        self.inner.visit_str(v)
    }

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.note.note(v)?;
        self.inner.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.note.note(&v)?;
        self.inner.visit_string(v)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<V::Value, E> {
        Err(E::custom(KEY_NOT_STRING))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<V::Value, E> {
        Err(E::custom(KEY_NOT_STRING))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<V::Value, E> {
        Err(E::custom(KEY_NOT_STRING))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<V::Value, E> {
        Err(E::custom(KEY_NOT_STRING))
    }
}

/// A tagged union read as it streams: members before the tag are kept as raw JSON (nothing is
/// kept when the tag comes first, as serde writes it), the tag picks the one branch that can
/// pass, and every member is then checked against that branch while the type reads it.
/// Anything but an object fails: every branch admits objects only.
struct TaggedVisitor<'p, V> {
    inner: V,
    plan: &'p Plan,
    node: NodeId,
    tag: &'p Discriminator,
    branches: &'p [NodeId],
}

fn name_deserializer<'de, E: de::Error>(name: Cow<'de, str>) -> either_str::Either<'de, E> {
    match name {
        Cow::Borrowed(s) => either_str::Either::Borrowed(BorrowedStrDeserializer::new(s)),
        Cow::Owned(s) => either_str::Either::Owned(StringDeserializer::new(s)),
    }
}

/// A string deserializer that keeps borrowing when the input did.
mod either_str {
    use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
    use serde::de::{self, Deserializer, Visitor};

    pub(super) enum Either<'de, E> {
        Borrowed(BorrowedStrDeserializer<'de, E>),
        Owned(StringDeserializer<E>),
    }

    impl<'de, E: de::Error> Deserializer<'de> for Either<'de, E> {
        type Error = E;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            match self {
                Either::Borrowed(d) => d.deserialize_any(visitor),
                Either::Owned(d) => d.deserialize_any(visitor),
            }
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, E> {
            match self {
                Either::Borrowed(d) => d.deserialize_enum(name, variants, visitor),
                Either::Owned(d) => d.deserialize_enum(name, variants, visitor),
            }
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct identifier ignored_any
        }
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TaggedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        let mut before: Vec<(Cow<'de, str>, &'de RawValue)> = Vec::new();
        let (tag_name, tag_value, branch) = loop {
            // No tag: every branch requires it.
            let Some(key) = map.next_key::<MaybeString<'de>>()? else {
                return Err(fail(scalar::APPLICATOR));
            };
            let Some(name) = key.0 else {
                return Err(de::Error::custom(KEY_NOT_STRING));
            };
            if *name != *self.tag.name {
                before.push((name, map.next_value::<&'de RawValue>()?));
                continue;
            }
            let Some(value) = map.next_value::<MaybeString<'de>>()?.0 else {
                return Err(fail(scalar::APPLICATOR));
            };
            let Some(branch) = self.tag.branch_named(self.branches, &value) else {
                return Err(fail(scalar::APPLICATOR));
            };
            break (name, value, branch);
        };
        let Node::Checks(checks) = self.plan.node(branch) else {
            return Err(fail(scalar::APPLICATOR));
        };
        scalar::check_container(checks, ty::OBJECT).map_err(fail)?;
        let mut state = ObjectState::default();
        let mut ahead = Vec::new(); // no allocation in the usual case: the tag came first
        for (name, raw) in before {
            let node = object_key(&mut state, self.plan, checks, &name).map_err(fail)?;
            ahead.push((name, Pending::Raw(raw, node)));
        }
        let node = object_key(&mut state, self.plan, checks, &tag_name).map_err(fail)?;
        self.inner.visit_map(Replay {
            ahead: ahead.into_iter(),
            tag: Some((tag_name, Pending::Str(tag_value, node))),
            pending: None,
            rest: CheckedMap {
                map,
                plan: self.plan,
                checks,
                state,
                child: ANY,
            },
        })
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_some(Checked {
            de: d,
            plan: self.plan,
            node: self.node,
        })
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.inner.visit_newtype_struct(Checked {
            de: d,
            plan: self.plan,
            node: self.node,
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        Err(fail(scalar::APPLICATOR))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<V::Value, A::Error> {
        Err(fail(scalar::APPLICATOR))
    }
}

/// A member read before the type asked for it, with the node it is checked against.
enum Pending<'de> {
    Raw(&'de RawValue, NodeId),
    Str(Cow<'de, str>, NodeId),
}

/// Hands the members read ahead to the type, then the rest of the object as it streams.
struct Replay<'p, 'de, A> {
    /// Members before the tag, then the tag.
    ahead: std::vec::IntoIter<(Cow<'de, str>, Pending<'de>)>,
    tag: Option<(Cow<'de, str>, Pending<'de>)>,
    pending: Option<Pending<'de>>,
    rest: CheckedMap<'p, A>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.ahead.next().or_else(|| self.tag.take()) {
            Some((name, value)) => {
                self.pending = Some(value);
                seed.deserialize(name_deserializer::<A::Error>(name))
                    .map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let plan = self.rest.plan;
        match self.pending.take() {
            Some(Pending::Raw(raw, node)) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                seed.deserialize(Checked {
                    de: &mut de,
                    plan,
                    node,
                })
                .map_err(de::Error::custom)
            }
            Some(Pending::Str(value, node)) => seed.deserialize(Checked {
                de: name_deserializer::<A::Error>(value),
                plan,
                node,
            }),
            None => self.rest.next_value_seed(seed),
        }
    }
}

/// Hands a string or a one-key object to an enum's visitor, so enums can be read through
/// `deserialize_any` and still get their variant.
struct EnumBridge<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for EnumBridge<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.0.visit_enum(StrDeserializer::<E>::new(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.0.visit_enum(BorrowedStrDeserializer::<E>::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.0.visit_enum(StringDeserializer::<E>::new(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(MapAccessDeserializer::new(map))
    }
}

/// Reads one value the way serde_json parses a `Value`, keeping nothing.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Strict)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Strict)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strict)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Strict)?.is_some() {
            map.next_value_seed(Strict)?;
        }
        Ok(())
    }
}
