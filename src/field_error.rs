//! Field errors: one problem in a settings document, at a path into the document.
//!
//! The path is structured — a list of segments, each a field name, a map key or a list
//! index — because two readers need it:
//!
//! - the options page marks the input a problem belongs to. It receives the path as a
//!   JSON array (`["rules", 2, "fileName"]`, `["aliases", "ACME Corp."]`) and looks it up
//!   as given: no parsing of a rendered path, and no imitation of how Rust quotes a key
//!   (which differs from `JSON.stringify` for a name with a control character in it);
//! - humans read the rendering (`rules[2].fileName`, `aliases["ACME Corp."]`) in the CLI's
//!   `check-settings`, in error messages and in the options page's list of problems it
//!   could not place. Keys are quoted with Rust's escapes, so a name with a control or
//!   bidi character cannot garble a terminal.
//!
//! Both `settings` (the document) and `rules` (one rule of it) report with this type; it
//! lives here so that neither has to import the other's errors.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Segment {
    /// A field of the schema (`template`, `fileName`), or an unknown one the document
    /// has (`colour`). Rendered `.fileName` (bare at the start).
    Field(String),
    /// A key of a map the user fills (an organization name of `aliases`). Rendered
    /// `["ACME Corp."]`, quoted.
    Key(String),
    /// An index of a list (0-based). Rendered `[2]`.
    Index(usize),
}

/// Where in a settings document a problem is: empty for the whole document.
///
/// Serialized as an array of its segments (`["rules", 2, "fileName"]`); shown as
/// `rules[2].fileName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The whole document.
    pub fn document() -> FieldPath {
        FieldPath::default()
    }

    /// This path, then the field `name` (`rules[2]` → `rules[2].fileName`).
    pub fn field(mut self, name: impl Into<String>) -> FieldPath {
        self.0.push(Segment::Field(name.into()));
        self
    }

    /// This path, then the map key `key` (`aliases` → `aliases["ACME Corp."]`).
    pub fn key(mut self, key: impl Into<String>) -> FieldPath {
        self.0.push(Segment::Key(key.into()));
        self
    }

    /// This path, then the list index `index` (`rules` → `rules[2]`).
    pub fn index(mut self, index: usize) -> FieldPath {
        self.0.push(Segment::Index(index));
        self
    }

    /// Whether the path names the whole document.
    pub fn is_document(&self) -> bool {
        self.0.is_empty()
    }
}

/// A top-level field of the document: `"template".into()`.
impl From<&str> for FieldPath {
    fn from(name: &str) -> FieldPath {
        FieldPath::document().field(name)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Key(key) => write!(f, "[{key:?}]")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One problem with the settings, at a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is.
    pub path: FieldPath,
    /// What is wrong, for a human.
    pub message: String,
}

impl FieldError {
    /// A problem at `path` (a top-level field name converts: `FieldError::new("template", …)`).
    pub fn new(path: impl Into<FieldPath>, message: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A problem with the document as a whole (not JSON, not an object, too new).
    pub fn document(message: impl Into<String>) -> FieldError {
        FieldError::new(FieldPath::document(), message)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_document() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// `{path: ["rules", 2, "fileName"], field: "rules[2].fileName", message}`: `path` to find
/// the input, `field` (the rendering) to show a human.
impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("FieldError", 3)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("field", &self.path.to_string())?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_path_is_an_array_for_javascript_and_a_rendering_for_humans() {
        let cases = [
            (FieldPath::document(), json!([]), ""),
            ("template".into(), json!(["template"]), "template"),
            (
                FieldPath::from("rules").index(2).field("fileName"),
                json!(["rules", 2, "fileName"]),
                "rules[2].fileName",
            ),
            (
                FieldPath::from("aliases").key("ACME \"EMEA\"\u{1}"),
                json!(["aliases", "ACME \"EMEA\"\u{1}"]),
                r#"aliases["ACME \"EMEA\"\u{1}"]"#,
            ),
            (
                FieldPath::from("hostMappedDomains").index(0),
                json!(["hostMappedDomains", 0]),
                "hostMappedDomains[0]",
            ),
        ];
        for (path, array, text) in cases {
            assert_eq!(serde_json::to_value(&path).expect("json"), array, "{text}");
            assert_eq!(path.to_string(), text);
        }
    }

    #[test]
    fn an_error_serializes_its_path_its_rendering_and_its_message() {
        let e = FieldError::new(FieldPath::from("rules").index(1), "unknown field `bogus`");
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            json!({"path": ["rules", 1], "field": "rules[1]", "message": "unknown field `bogus`"})
        );
        assert_eq!(e.to_string(), "rules[1]: unknown field `bogus`");
        let whole = FieldError::document("settings must be a JSON object");
        assert_eq!(whole.to_string(), "settings must be a JSON object");
        assert_eq!(
            serde_json::to_value(&whole).expect("json")["path"],
            json!([])
        );
    }
}
