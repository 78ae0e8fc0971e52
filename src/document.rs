//! A JSON document in memory, and reading typed values out of it.
//!
//! Settings, policies and the sync copy are documents before they are settings: they are
//! migrated, overlaid and merged field by field, and each field is then read on its own so
//! that **every** bad field is reported ([`crate::settings`]). This is the value they are
//! held in. It is `serde_json::Value` without the JSON text parser and printer: the
//! browser hands the core JavaScript values (converted by `serde-wasm-bindgen`), and only
//! the native CLI reads JSON text (`serde_json` parses it into a [`Value`] through the same
//! [`Deserialize`] impl). Keeping `serde_json` out of the WASM keeps a second
//! deserializer, and a copy of every type's deserializing code for it, out of the module
//! the worker loads on every start.
//!
//! Numbers are `f64`, as in JavaScript: whole numbers up to 2^53 read as integers.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use serde::{forward_to_deserialize_any, Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// An object's members, sorted by name.
pub type Map = BTreeMap<String, Value>;

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

/// An [`Unexpected`] as serde shows it, except a fraction, which is not printed.
struct Shown<'a>(Unexpected<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Float(_) => f.write_str("a fractional or out-of-range number"),
            other => other.fmt(f),
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
            Value::Object(map) => map.serialize(serializer),
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

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
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
