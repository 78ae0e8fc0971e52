//! A JSON document in memory, and reading typed values out of it.
//!
//! Settings, policies and the sync copy are documents before they are settings: they are
//! migrated, overlaid and merged field by field, and each field is then read on its own so
//! that **every** bad field is reported ([`crate::settings`]). Every value the browser
//! hands the core comes in as one too: `src/wasm.rs` turns a JavaScript value into a
//! [`Value`], and serde reads the core's type out of it here. That is the WASM's only
//! deserializer, so each type's reading code is compiled once, and it asks only for what
//! the type expects (no `deserialize_any` per field, no `f64` printing in its errors):
//! the module every worker start loads is smaller by a tenth for it (BENCHMARKS.md,
//! "Size"). JSON text is read only by the native CLI (`serde_json` parses it into a
//! [`Value`] through the same [`Deserialize`] impl).
//!
//! Numbers are `f64`, as in JavaScript: whole numbers up to 2^53 read as integers.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use serde::{forward_to_deserialize_any, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An object's members, in the order they came. A list rather than a tree: documents are
/// small, and a list is less code for every type read out of one (measured: BENCHMARKS.md,
/// "Size"). Equality ignores the order.
#[derive(Debug, Clone, Default)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map::default()
    }

    /// Member `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Member `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets member `key` (in its place when it exists); returns the value it had.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Removes member `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(members: I) -> Map {
        let mut map = Map::new();
        for (k, v) in members {
            map.insert(k, v);
        }
        map
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null` (and JavaScript's `undefined`).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// The largest whole number an `f64` holds exactly (JavaScript's `MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Whether `n` is a whole number an `f64` holds exactly.
fn is_whole(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER
}

impl Value {
    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a whole number from 0 to 2^53.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Number(n) if is_whole(n) && n >= 0.0 => Some(n as u64),
            _ => None,
        }
    }

    /// The elements, if this is a list.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(list) => Some(list),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(n.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// A `serde_json` value as a document (the CLI and the tests).
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(list) => {
                Value::Array(list.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

/// `T` read from `value`, with serde's message when it is not one (`invalid type:
/// string "x", expected u32`).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(value)
}

/// Why a [`Value`] is not the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Error {
        Error(msg.to_string())
    }

    // serde's own message prints a fractional number with `f64`'s `Display`, several KB of
    // WASM for one word of an error message.
    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Error {
        Error(format!(
            "invalid type: {}, expected {expected}",
            Shown(unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Error {
        Error(format!(
            "invalid value: {}, expected {expected}",
            Shown(unexpected)
        ))
    }
}

/// An [`Unexpected`] in serde's words, except that a fractional number is not printed
/// (serde's own `Display` pulls in `f64` formatting for it) and a unit is JSON's `null`.
struct Shown<'a>(Unexpected<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexpected::Signed(n) => write!(f, "integer `{n}`"),
            Unexpected::Float(_) => f.write_str("a fractional or out-of-range number"),
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Other(other) => f.write_str(other),
            _ => f.write_str("value"),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) if is_whole(*n) && *n >= 0.0 => serializer.serialize_u64(*n as u64),
            Value::Number(n) if is_whole(*n) => serializer.serialize_i64(*n as i64),
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(list) => list.serialize(serializer),
            Value::Object(map) => serializer.collect_map(map.iter()),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        while let Some(v) = seq.next_element()? {
            list.push(v);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some((k, v)) = map.next_entry()? {
            members.insert(k, v);
        }
        Ok(Value::Object(members))
    }
}

impl Value {
    /// The error for a visitor that expected something else than this value.
    fn invalid(&self, expected: &dyn de::Expected) -> Error {
        let unexpected = match self {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) if is_whole(*n) && *n >= 0.0 => Unexpected::Unsigned(*n as u64),
            Value::Number(n) if is_whole(*n) => Unexpected::Signed(*n as i64),
            Value::Number(n) => Unexpected::Float(*n),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        };
        de::Error::invalid_type(unexpected, expected)
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

impl<'de> Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) if is_whole(n) => {
                if n >= 0.0 {
                    visitor.visit_u64(n as u64)
                } else {
                    visitor.visit_i64(n as i64)
                }
            }
            Value::Number(n) => visitor.visit_f64(n),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(list) => {
                let mut seq = SeqDeserializer::new(list.into_iter());
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            Value::Object(map) => {
                let mut members = MapDeserializer::new(map.into_iter());
                let v = visitor.visit_map(&mut members)?;
                members.end()?;
                Ok(v)
            }
        }
    }

    // Each type asks for what it expects, and only that is visited: a `deserialize_any`
    // for every field type would compile every `visit_*` of every visitor (measured: the
    // module grew by a third of the gain).

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Number(n) if is_whole(n) && n >= 0.0 => visitor.visit_u64(n as u64),
            Value::Number(n) if is_whole(n) => visitor.visit_i64(n as i64),
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Number(n) => visitor.visit_f64(n),
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::String(s) => visitor.visit_string(s),
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Array(list) => {
                let mut seq = SeqDeserializer::new(list.into_iter());
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Object(map) => {
                let mut members = MapDeserializer::new(map.into_iter());
                let v = visitor.visit_map(&mut members)?;
                members.end()?;
                Ok(v)
            }
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            other => Err(other.invalid(&visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant is its name (`"uniquify"`); a variant with data is an object with one
    /// member, its name.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::String(name) => visitor.visit_enum(name.into_deserializer()),
            Value::Object(map) if map.len() == 1 => visitor.visit_enum(
                de::value::MapAccessDeserializer::new(MapDeserializer::new(map.into_iter())),
            ),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn parse(json: &str) -> Value {
        serde_json::from_str(json).expect("json")
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Sample {
        whole: u32,
        signed: i64,
        fraction: f64,
        maybe: Option<String>,
        list: Vec<bool>,
        mode: Mode,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Plain,
        Sized(u32),
    }

    #[test]
    fn a_document_reads_into_typed_fields() {
        let v = parse(
            r#"{"whole": 7, "signed": -3, "fraction": 1.5, "maybe": null, "list": [true, false], "mode": "plain"}"#,
        );
        let sample: Sample = from_value(v).expect("reads");
        assert_eq!(
            sample,
            Sample {
                whole: 7,
                signed: -3,
                fraction: 1.5,
                maybe: None,
                list: vec![true, false],
                mode: Mode::Plain,
            }
        );
        let sized: Mode = from_value(parse(r#"{"sized": 4}"#)).expect("variant with data");
        assert_eq!(sized, Mode::Sized(4));
    }

    #[test]
    fn a_wrong_type_says_what_was_found_and_expected() {
        let err = from_value::<u32>(parse(r#""7""#)).unwrap_err();
        assert_eq!(err.to_string(), r#"invalid type: string "7", expected u32"#);
        let err = from_value::<u32>(parse("1.5")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: a fractional or out-of-range number, expected u32"
        );
        let err = from_value::<u32>(parse("-1")).unwrap_err();
        assert_eq!(err.to_string(), "invalid value: integer `-1`, expected u32");
        let err = from_value::<Sample>(parse(r#"{"whole": 1, "extra": 2}"#)).unwrap_err();
        assert!(
            err.to_string().starts_with("unknown field `extra`"),
            "{err}"
        );
        let err = from_value::<Mode>(parse(r#""loud""#)).unwrap_err();
        assert!(
            err.to_string().starts_with("unknown variant `loud`"),
            "{err}"
        );
    }

    #[test]
    fn a_list_too_long_for_a_tuple_is_refused() {
        let err = from_value::<(u32, u32)>(parse("[1, 2, 3]")).unwrap_err();
        assert!(err.to_string().contains("invalid length 3"), "{err}");
    }

    #[test]
    fn objects_are_equal_whatever_the_order_of_their_members() {
        // The sync merge compares the sync copy with what this computer would write: a
        // copy whose members came back in another order is the same settings.
        let a = parse(r#"{"a": 1, "b": [true], "c": {"d": null, "e": "x"}}"#);
        let b = parse(r#"{"c": {"e": "x", "d": null}, "b": [true], "a": 1}"#);
        assert_eq!(a, b);
        assert_ne!(a, parse(r#"{"a": 1, "b": [true], "c": {"d": null}}"#));
        assert_ne!(
            a,
            parse(r#"{"a": 1, "b": [true], "c": {"d": null, "e": "y"}}"#)
        );
    }

    #[test]
    fn a_later_member_of_the_same_name_replaces_the_earlier_in_place() {
        let v = parse(r#"{"a": 1, "b": 2, "a": 3}"#);
        let Value::Object(map) = v else {
            panic!("object")
        };
        let members: Vec<_> = map.iter().map(|(k, v)| (k.as_str(), v.as_u64())).collect();
        assert_eq!(members, [("a", Some(3)), ("b", Some(2))]);
    }

    #[test]
    fn whole_numbers_read_as_integers_only_up_to_2_pow_53() {
        assert_eq!(
            parse("9007199254740991").as_u64(),
            Some(9_007_199_254_740_991)
        );
        assert_eq!(parse("9007199254740992").as_u64(), None);
        assert_eq!(parse("4.0").as_u64(), Some(4));
        assert_eq!(parse("-4").as_u64(), None);
    }

    #[test]
    fn a_value_prints_back_as_the_same_json() {
        let text = r#"{"a":[1,2.5,"x",null,true],"b":{"c":false}}"#;
        assert_eq!(serde_json::to_string(&parse(text)).expect("json"), text);
    }
}
