//! User rules: an ordered list of matchers, each yielding a template or "leave alone".
//!
//! The first rule whose every condition holds wins; when none match, the default template
//! applies. A rule with no condition (every condition absent or blank) is *incomplete*:
//! it is kept and shown as "incomplete — not applied", and it never matches. So the rule a
//! user just added, with its condition still to fill, cannot take over every download.
//!
//! ```json
//! { "fileName": "^(?P<host>[a-z0-9-]+)_gitlabsos\\.tar\\.gz$",
//!   "template": "{org}/{ticket_id}/sos/{host}/{filename}" }
//! { "extensions": ["har"], "leaveAlone": true }
//! ```
//!
//! Patterns use `regex-lite` syntax (the Rust `regex` syntax without Unicode classes such
//! as `\p{L}`): matching is linear-time whatever the pattern, and the engine adds about a
//! fifth of what the full `regex` crate would to the WASM that loads on every service-worker
//! start. Captures of the file-name pattern are available to the rule's template as `{1}`
//! or `{name}`.

use crate::field_error::{FieldError, FieldPath};
use crate::template::{Field, Template};
use regex_lite::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// A rule as written in the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    /// A label for humans (shown in the options page and in `explain`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Pattern the file name must match (captures feed the template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// MIME type, exact (`application/gzip`) or by type (`image/*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// File extensions without the dot, case-insensitive (`tar.gz` works).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    /// Zendesk instance (subdomain or host-mapped domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Pattern the organization name must match (tickets without one never match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Ticket statuses, any of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<String>,
    /// Smallest attachment size in bytes (downloads of unknown size never match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    /// Largest attachment size in bytes (downloads of unknown size never match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// Where matching files go (relative to the base folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Leave matching downloads where the browser puts them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leave_alone: bool,
    /// The local helper unpacks matching archives (with the setting `unpackArchives`:
    /// `"rules"`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unpack: bool,
}

/// What a matching rule does.
#[derive(Debug, Clone)]
pub enum RuleAction {
    /// Route with this template.
    Template(Template),
    /// Do not route.
    LeaveAlone,
}

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    file_name: Option<Regex>,
    mime: Option<String>,
    extensions: Vec<String>,
    instance: Option<String>,
    organization: Option<Regex>,
    status: Vec<String>,
    min_size: Option<u64>,
    max_size: Option<u64>,
    /// What the rule does when it matches.
    pub action: RuleAction,
    /// The local helper unpacks the archives it routes (`"unpackArchives": "rules"`).
    pub unpack: bool,
}

/// A condition text, unless it is blank (a field left empty in the options page).
fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.trim().is_empty())
}

/// The non-blank entries of a condition list, trimmed and lowercased.
fn listed(items: &[String], strip: &[char]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.trim().trim_start_matches(strip).to_ascii_lowercase())
        .filter(|i| !i.is_empty())
        .collect()
}

/// What is known about a download when rules are evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// File name.
    pub file_name: &'a str,
    /// MIME type, if the browser said.
    pub mime: Option<&'a str>,
    /// Size in bytes, if known.
    pub size: Option<u64>,
    /// Instance.
    pub instance: &'a str,
    /// Organization name, if any.
    pub organization: Option<&'a str>,
    /// Ticket status, if known.
    pub status: Option<&'a str>,
}

/// The captures of a matching rule's file-name pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captures {
    numbered: Vec<String>,
    named: Vec<(String, String)>,
}

impl Captures {
    /// The text of a capture placeholder (`{1}`, `{name}`); empty when the group did not
    /// participate in the match.
    pub fn get(&self, field: &Field) -> String {
        match field {
            Field::CaptureIndex(i) => self.numbered.get(*i).cloned().unwrap_or_default(),
            Field::CaptureName(n) => self
                .named
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
}

/// Upper bound on a compiled pattern: keeps a pasted monster from eating the worker.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

impl Rule {
    /// Validates and compiles rule number `index` (0-based) of the settings; every problem
    /// is reported with its field path (`rules[2].fileName`).
    pub fn compile(spec: &RuleSpec, index: usize) -> Result<Rule, Vec<FieldError>> {
        let at = |field: &str| FieldPath::from("rules").index(index).field(field);
        let mut errors = Vec::new();
        let regex = |pattern: &Option<String>, field: &str, errors: &mut Vec<FieldError>| {
            let pattern = given(pattern)?;
            match RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(re) => Some(re),
                Err(e) => {
                    errors.push(FieldError::new(at(field), format!("invalid pattern: {e}")));
                    None
                }
            }
        };
        let file_name = regex(&spec.file_name, "fileName", &mut errors);
        let organization = regex(&spec.organization, "organization", &mut errors);
        if let (Some(min), Some(max)) = (spec.min_size, spec.max_size) {
            if min > max {
                errors.push(FieldError::new(
                    at("minSize"),
                    format!("minSize ({min}) is larger than maxSize ({max})"),
                ));
            }
        }
        let action = match (&spec.template, spec.leave_alone) {
            (Some(_), true) => {
                errors.push(FieldError::new(
                    at("leaveAlone"),
                    "a rule either has a template or leaves files alone, not both",
                ));
                None
            }
            (None, false) => {
                errors.push(FieldError::new(
                    at("template"),
                    "a rule needs a template or \"leaveAlone\": true",
                ));
                None
            }
            (None, true) if spec.unpack => {
                errors.push(FieldError::new(
                    at("unpack"),
                    "a rule that leaves files alone does not route them, so cannot unpack them",
                ));
                None
            }
            (None, true) => Some(RuleAction::LeaveAlone),
            (Some(source), false) => match Template::parse_with_captures(source, &|name| {
                file_name
                    .as_ref()
                    .is_some_and(|re| is_capture_group(re, name))
            }) {
                Ok(t) => Some(RuleAction::Template(t)),
                Err(e) => {
                    errors.push(FieldError::new(at("template"), e.to_string()));
                    None
                }
            },
        };
        match action {
            Some(action) if errors.is_empty() => Ok(Rule {
                file_name,
                mime: given(&spec.mime).map(|m| m.trim().to_ascii_lowercase()),
                extensions: listed(&spec.extensions, &['.']),
                instance: given(&spec.instance).map(|i| i.trim().to_ascii_lowercase()),
                organization,
                status: listed(&spec.status, &[]),
                min_size: spec.min_size,
                max_size: spec.max_size,
                action,
                unpack: spec.unpack,
            }),
            _ => Err(errors),
        }
    }

    /// Whether the rule has a condition to check. One without is incomplete: never applied.
    pub fn is_complete(&self) -> bool {
        self.file_name.is_some()
            || self.mime.is_some()
            || !self.extensions.is_empty()
            || self.instance.is_some()
            || self.organization.is_some()
            || !self.status.is_empty()
            || self.min_size.is_some()
            || self.max_size.is_some()
    }

    /// Whether the rule matches; on a match, the file-name pattern's captures. An
    /// incomplete rule matches nothing.
    pub fn matches(&self, facts: &Facts<'_>) -> Option<Captures> {
        if !self.is_complete() {
            return None;
        }
        let lower_name = facts.file_name.to_ascii_lowercase();
        let conditions = [
            self.mime
                .as_ref()
                .is_none_or(|m| mime_matches(m, facts.mime)),
            self.extensions.is_empty()
                || self
                    .extensions
                    .iter()
                    .any(|e| lower_name.ends_with(&format!(".{e}"))),
            self.instance.as_ref().is_none_or(|i| i == facts.instance),
            self.organization
                .as_ref()
                .is_none_or(|re| facts.organization.is_some_and(|o| re.is_match(o))),
            self.status.is_empty()
                || facts
                    .status
                    .is_some_and(|s| self.status.iter().any(|x| x.eq_ignore_ascii_case(s))),
            self.min_size
                .is_none_or(|min| facts.size.is_some_and(|s| s >= min)),
            self.max_size
                .is_none_or(|max| facts.size.is_some_and(|s| s <= max)),
        ];
        if !conditions.iter().all(|&c| c) {
            return None;
        }
        let Some(re) = &self.file_name else {
            return Some(Captures::default());
        };
        let caps = re.captures(facts.file_name)?;
        let text =
            |m: Option<regex_lite::Match<'_>>| m.map(|m| m.as_str().to_owned()).unwrap_or_default();
        Some(Captures {
            numbered: caps.iter().map(text).collect(),
            named: re
                .capture_names()
                .flatten()
                .map(|n| (n.to_owned(), text(caps.name(n))))
                .collect(),
        })
    }
}

fn mime_matches(want: &str, got: Option<&str>) -> bool {
    let Some(got) = got.map(|g| {
        g.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }) else {
        return false;
    };
    match want.strip_suffix("/*") {
        Some(kind) => got.split('/').next() == Some(kind),
        None => got == want,
    }
}

/// Whether `name` (`1`, `host`) is a capture group of `re` (group 0 is the whole match,
/// which `{filename}` already offers).
fn is_capture_group(re: &Regex, name: &str) -> bool {
    match name.parse::<usize>() {
        Ok(i) => i > 0 && i < re.captures_len(),
        Err(_) => re.capture_names().flatten().any(|n| n == name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(file_name: &str) -> Facts<'_> {
        Facts {
            file_name,
            mime: Some("application/gzip"),
            size: Some(1000),
            instance: "acme",
            organization: Some("ACME Corp."),
            status: Some("open"),
        }
    }

    fn rule(json: &str) -> Rule {
        let spec: RuleSpec = serde_json::from_str(json).expect("rule json");
        Rule::compile(&spec, 0).expect("valid rule")
    }

    fn errors(json: &str) -> Vec<String> {
        let spec: RuleSpec = serde_json::from_str(json).expect("rule json");
        Rule::compile(&spec, 3)
            .expect_err("invalid rule")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_condition_matches_or_not() {
        let f = facts("host1_gitlabsos.tar.gz");
        let cases = [
            (r#"{"fileName":"gitlabsos","leaveAlone":true}"#, true),
            (r#"{"fileName":"^sos","leaveAlone":true}"#, false),
            (r#"{"mime":"application/gzip","leaveAlone":true}"#, true),
            (r#"{"mime":"application/*","leaveAlone":true}"#, true),
            (r#"{"mime":"image/*","leaveAlone":true}"#, false),
            (r#"{"extensions":["TAR.GZ"],"leaveAlone":true}"#, true),
            (r#"{"extensions":[".har"],"leaveAlone":true}"#, false),
            (r#"{"instance":"ACME","leaveAlone":true}"#, true),
            (r#"{"instance":"globex","leaveAlone":true}"#, false),
            (r#"{"organization":"^ACME","leaveAlone":true}"#, true),
            (r#"{"organization":"Globex","leaveAlone":true}"#, false),
            (r#"{"status":["solved","open"],"leaveAlone":true}"#, true),
            (r#"{"status":["closed"],"leaveAlone":true}"#, false),
            (r#"{"minSize":1000,"maxSize":1000,"leaveAlone":true}"#, true),
            (r#"{"minSize":1001,"leaveAlone":true}"#, false),
            (r#"{"maxSize":999,"leaveAlone":true}"#, false),
        ];
        for (json, want) in cases {
            assert_eq!(rule(json).matches(&f).is_some(), want, "{json}");
        }
    }

    #[test]
    fn a_rule_without_a_condition_is_incomplete_and_matches_nothing() {
        let f = facts("host1_gitlabsos.tar.gz");
        for json in [
            r#"{"leaveAlone":true}"#,
            r#"{"template":"{filename}"}"#,
            r#"{"fileName":"","organization":"  ","mime":"","instance":"","extensions":[""," "],"status":[""],"leaveAlone":true}"#,
        ] {
            let r = rule(json);
            assert!(!r.is_complete(), "{json}");
            assert!(r.matches(&f).is_none(), "{json}");
        }
        assert!(rule(r#"{"maxSize":5000,"leaveAlone":true}"#).is_complete());
        let only_unpack = rule(r#"{"template":"{filename}","unpack":true}"#);
        assert!(
            !only_unpack.is_complete(),
            "unpack is what the rule does, not a condition"
        );
    }

    #[test]
    fn unknown_size_and_missing_organization_never_match_their_conditions() {
        let mut f = facts("a.log");
        f.size = None;
        f.organization = None;
        assert!(rule(r#"{"minSize":0,"leaveAlone":true}"#)
            .matches(&f)
            .is_none());
        assert!(rule(r#"{"organization":".*","leaveAlone":true}"#)
            .matches(&f)
            .is_none());
    }

    #[test]
    fn captures_are_available_by_number_and_name() {
        let r = rule(
            r#"{"fileName":"^(?P<host>[a-z0-9]+)_(gitlabsos)","template":"{host}/{2}/{filename}"}"#,
        );
        let caps = r.matches(&facts("web01_gitlabsos.tar.gz")).expect("match");
        assert_eq!(caps.get(&Field::CaptureName("host".into())), "web01");
        assert_eq!(caps.get(&Field::CaptureIndex(2)), "gitlabsos");
        assert_eq!(caps.get(&Field::CaptureIndex(9)), "");
    }

    #[test]
    fn invalid_rules_are_reported_with_their_index_and_field() {
        let cases = [
            (
                r#"{"fileName":"(unclosed","leaveAlone":true}"#,
                "rules[3].fileName: invalid pattern",
            ),
            (
                r#"{"organization":"[z-a]","leaveAlone":true}"#,
                "rules[3].organization: invalid pattern",
            ),
            (
                r#"{"fileName":"x"}"#,
                "rules[3].template: a rule needs a template",
            ),
            (
                r#"{"template":"{filename}","leaveAlone":true}"#,
                "rules[3].leaveAlone",
            ),
            (
                r#"{"template":"{org}/{filenme}"}"#,
                "rules[3].template: unknown placeholder {filenme}",
            ),
            (
                r#"{"fileName":"(a)","template":"{2}/{filename}"}"#,
                "rules[3].template: unknown placeholder {2}",
            ),
            (
                r#"{"template":"{1}/{filename}"}"#,
                "rules[3].template: unknown placeholder {1}",
            ),
            (
                r#"{"minSize":5,"maxSize":1,"leaveAlone":true}"#,
                "rules[3].minSize",
            ),
            (
                r#"{"extensions":["zip"],"leaveAlone":true,"unpack":true}"#,
                "rules[3].unpack: a rule that leaves files alone",
            ),
        ];
        for (json, needle) in cases {
            let errs = errors(json);
            assert!(errs.iter().any(|e| e.contains(needle)), "{json}: {errs:?}");
        }
    }

    #[test]
    fn unknown_rule_fields_are_rejected_by_name() {
        let err = serde_json::from_str::<RuleSpec>(r#"{"filename":"x"}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `filename`"),
            "{err}"
        );
    }
}
