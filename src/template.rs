//! Path templates: parsed once when settings are loaded, rendered for every download.
//!
//! A template is a `/`-separated relative path with placeholders:
//!
//! | placeholder | value |
//! |---|---|
//! | `{org}` | organization name (or alias; the "no organization" folder when none) |
//! | `{org_id}` | organization id |
//! | `{ticket_id}` | ticket number |
//! | `{subject}` `{requester}` `{status}` | ticket fields |
//! | `{instance}` | Zendesk subdomain or host-mapped domain |
//! | `{filename}` `{stem}` `{ext}` | file name, name without extension, extension (`tar.gz` counts as one) |
//! | `{date}` `{date:%Y-%m}` | download date (UTC), `strftime` subset `%Y %m %d %H %M %S %%` |
//! | `{comment_id}` `{attachment_id}` `{author}` | the attachment's comment, its own id, the comment author's name |
//! | `{uploaded}` `{uploaded:%Y-%m-%d}` | when the comment was added (UTC), formats as `{date}` |
//! | `{1}` `{name}` | captures of a rule's file-name pattern (rule templates only) |
//!
//! `{{` and `}}` are literal braces. The `/` separators come from the template only: a
//! value containing `/` never creates a folder, it is sanitized inside its component.
//! Rendering always yields a [`SafePath`], which the sanitizer keeps short enough for Windows
//! (`sanitize::MAX_PATH_UNITS`).
//!
//! **Missing values.** A placeholder has no value when it is unknown or blank: the
//! organization or ticket of a fallback, a ticket without requester, a capture group that
//! did not take part in the match. A *folder* with such a placeholder is left out whole,
//! literal text included (`zd-{ticket_id}/` is left out, never `zd-/`), so the known parts
//! stay and no folder is empty or half-named: the fallback `_unsorted/{ticket_id}/{filename}`
//! is `_unsorted/4713/support_bundle.zip` when only the ticket number is known, and
//! `_unsorted/support_bundle.zip` when nothing is. In the *file name* a missing value renders
//! as nothing (the file name always has `{filename}`, `{stem}` or `{ext}`).
//!
//! The comment placeholders are never missing: when the comments API did not list the
//! attachment (a download attributed by its page, or knowledge that expired) they say so in
//! words (`unknown-comment`, `unknown-attachment`, `unknown-author`), and `{uploaded}` is the
//! download date, so a per-comment folder is never left out (see `router`).

use crate::calendar;
use crate::sanitize::{SafePath, MAX_DEPTH};
use std::fmt;

/// A parsed, valid template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    /// Path components; the last one is the file name.
    components: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Field),
}

/// A placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `{org}`
    Org,
    /// `{org_id}`
    OrgId,
    /// `{ticket_id}`
    TicketId,
    /// `{subject}`
    Subject,
    /// `{requester}`
    Requester,
    /// `{status}`
    Status,
    /// `{instance}`
    Instance,
    /// `{filename}`
    Filename,
    /// `{stem}`
    Stem,
    /// `{ext}`
    Ext,
    /// `{date}` or `{date:FORMAT}`; holds the format.
    Date(String),
    /// `{comment_id}`
    CommentId,
    /// `{attachment_id}`
    AttachmentId,
    /// `{author}`, the comment author's name.
    Author,
    /// `{uploaded}` or `{uploaded:FORMAT}`, the comment's `created_at`; holds the format.
    Uploaded(String),
    /// `{1}`, a numbered capture of a rule pattern.
    CaptureIndex(usize),
    /// `{name}`, a named capture of a rule pattern.
    CaptureName(String),
}

/// Why a template was rejected. `position` is a character offset into the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Character offset of the problem (0-based).
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for TemplateError {}

/// The default layout below the base folder: `{org}/{ticket_id}/{filename}`.
pub const DEFAULT_TEMPLATE: &str = "{org}/{ticket_id}/{filename}";

/// Named layouts offered by the options page.
pub const PRESETS: &[(&str, &str)] = &[
    ("by organization and ticket", DEFAULT_TEMPLATE),
    ("classic zd-<ticket>", "zd-{ticket_id}/{filename}"),
    (
        "by month, then ticket",
        "{date:%Y-%m}/{org}/{ticket_id}/{filename}",
    ),
    (
        "one folder per comment",
        "{org}/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{filename}",
    ),
];

impl Template {
    /// Parses a template with the standard placeholders only.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        Template::parse_with_captures(source, &|_| false)
    }

    /// Parses a rule's template: `is_capture` says whether `1` or `name` is a capture
    /// group of the rule's pattern; other unknown words are errors.
    pub fn parse_with_captures(
        source: &str,
        is_capture: &dyn Fn(&str) -> bool,
    ) -> Result<Template, TemplateError> {
        let err = |position: usize, message: String| Err(TemplateError { position, message });
        let chars: Vec<char> = source.chars().collect();
        if chars.is_empty() {
            return err(0, "the template is empty".into());
        }
        if matches!(chars[0], '/' | '\\') {
            return err(
                0,
                "the template must be a relative path (no leading '/')".into(),
            );
        }
        let mut components = vec![Vec::new()];
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    literal.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    literal.push('}');
                    i += 2;
                }
                '}' => return err(i, "unmatched '}' (write '}}' for a literal brace)".into()),
                '\\' => return err(i, "use '/' to separate folders, not '\\'".into()),
                '{' => {
                    let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
                        return err(i, "unclosed '{' (write '{{' for a literal brace)".into());
                    };
                    let name: String = chars[i + 1..i + 1 + len].iter().collect();
                    let field =
                        parse_field(&name, is_capture).map_err(|message| TemplateError {
                            position: i,
                            message,
                        })?;
                    flush(&mut literal, &mut components);
                    push(&mut components, Piece::Field(field));
                    i += len + 2;
                }
                '/' => {
                    flush(&mut literal, &mut components);
                    let last = components.last().map(Vec::as_slice).unwrap_or_default();
                    check_component(last, i)?;
                    components.push(Vec::new());
                    i += 1;
                }
                _ => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut literal, &mut components);
        let file = components.last().map(Vec::as_slice).unwrap_or_default();
        if file.is_empty() {
            return err(
                chars.len(),
                "the template must end with a file name, not '/'".into(),
            );
        }
        if !file
            .iter()
            .any(|p| matches!(p, Piece::Field(Field::Filename | Field::Stem | Field::Ext)))
        {
            return err(
                chars.len(),
                "the last part must contain {filename} (or {stem}/{ext}), or every file would get the same name"
                    .into(),
            );
        }
        if components.len() - 1 > MAX_DEPTH {
            return err(0, format!("at most {MAX_DEPTH} folders deep"));
        }
        Ok(Template {
            source: source.to_owned(),
            components,
        })
    }

    /// The template text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many folders the template creates (at most).
    pub fn depth(&self) -> usize {
        self.components.len() - 1
    }

    /// Renders the template; `value` supplies each placeholder's raw (unsanitized) text.
    /// Every component is sanitized after rendering, so values can never add, remove or
    /// escape folders.
    pub fn render(&self, value: impl Fn(&Field) -> String) -> SafePath {
        self.render_under(&[], value)
    }

    /// Renders the template below the folders `base` (already portable names). A folder
    /// with a placeholder that has no value (blank) is left out (see the module docs).
    pub fn render_under(&self, base: &[&str], value: impl Fn(&Field) -> String) -> SafePath {
        let render = |pieces: &[Piece]| -> Option<String> {
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Literal(s) => Some(s.clone()),
                    Piece::Field(f) => Some(value(f)).filter(|v| !v.trim().is_empty()),
                })
                .collect()
        };
        let (file, folders) = self
            .components
            .split_last()
            .unwrap_or_else(|| unreachable!("a parsed template has a file name"));
        let mut dirs: Vec<String> = base.iter().map(|b| (*b).to_owned()).collect();
        dirs.extend(folders.iter().filter_map(|pieces| render(pieces)));
        let file: String = file
            .iter()
            .map(|p| match p {
                Piece::Literal(s) => s.clone(),
                Piece::Field(f) => value(f),
            })
            .collect();
        SafePath::new(&dirs, &file)
    }
}

fn flush(literal: &mut String, components: &mut [Vec<Piece>]) {
    if !literal.is_empty() {
        push(components, Piece::Literal(std::mem::take(literal)));
    }
}

fn push(components: &mut [Vec<Piece>], piece: Piece) {
    if let Some(last) = components.last_mut() {
        last.push(piece);
    }
}

fn check_component(pieces: &[Piece], slash_at: usize) -> Result<(), TemplateError> {
    let literal_only =
        |s: &str| pieces.len() == 1 && matches!(&pieces[0], Piece::Literal(l) if l.trim() == s);
    let message = if pieces.is_empty() {
        "empty folder name ('//')"
    } else if literal_only("..") || literal_only(".") {
        "'.' and '..' are not allowed as folder names"
    } else {
        return Ok(());
    };
    Err(TemplateError {
        position: slash_at,
        message: message.into(),
    })
}

/// The format of `{date}` and `{uploaded}` without one.
const DAY: &str = "%Y-%m-%d";

fn parse_field(name: &str, is_capture: &dyn Fn(&str) -> bool) -> Result<Field, String> {
    let field = match name {
        "org" => Field::Org,
        "org_id" => Field::OrgId,
        "ticket_id" => Field::TicketId,
        "subject" => Field::Subject,
        "requester" => Field::Requester,
        "status" => Field::Status,
        "instance" => Field::Instance,
        "filename" => Field::Filename,
        "stem" => Field::Stem,
        "ext" => Field::Ext,
        "date" => Field::Date(DAY.into()),
        "comment_id" => Field::CommentId,
        "attachment_id" => Field::AttachmentId,
        "author" => Field::Author,
        "uploaded" => Field::Uploaded(DAY.into()),
        _ => {
            let format = |prefix| {
                let format = name.strip_prefix(prefix)?;
                Some(calendar::check_format(format).map(|()| format.to_owned()))
            };
            if let Some(format) = format("date:") {
                Field::Date(format?)
            } else if let Some(format) = format("uploaded:") {
                Field::Uploaded(format?)
            } else if is_capture(name) {
                match name.parse() {
                    Ok(index) => Field::CaptureIndex(index),
                    Err(_) => Field::CaptureName(name.into()),
                }
            } else {
                return Err(format!(
                    "unknown placeholder {{{name}}}; known: {{org}} {{org_id}} {{ticket_id}} {{subject}} {{requester}} {{status}} {{instance}} {{filename}} {{stem}} {{ext}} {{date}} {{date:%Y-%m}} {{comment_id}} {{attachment_id}} {{author}} {{uploaded}} {{uploaded:%Y-%m-%d}}"
                ));
            }
        }
    };
    Ok(field)
}

/// Splits a file name into stem and extension. Compound archive extensions such as
/// `tar.gz` stay together, because `{stem}` of `logs.tar.gz` should be `logs`.
pub fn split_extension(file_name: &str) -> (&str, &str) {
    const COMPOUND: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"];
    let lower = file_name.to_ascii_lowercase();
    for c in COMPOUND {
        if lower.ends_with(c) && lower.len() > c.len() {
            let cut = file_name.len() - c.len();
            return (&file_name[..cut], &file_name[cut + 1..]);
        }
    }
    match file_name.rfind('.') {
        Some(0) | None => (file_name, ""),
        Some(i) => (&file_name[..i], &file_name[i + 1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, f: impl Fn(&Field) -> String) -> String {
        Template::parse(template)
            .expect("valid template")
            .render(f)
            .as_str()
            .to_owned()
    }

    fn sample(f: &Field) -> String {
        match f {
            Field::Org => "ACME Corp.".into(),
            Field::TicketId => "4711".into(),
            Field::Filename => "production_log.tar.gz".into(),
            Field::Stem => "production_log".into(),
            Field::Ext => "tar.gz".into(),
            Field::Date(fmt) => calendar::format(1_763_900_000_000.0, fmt),
            Field::Subject => "a/b\\c".into(),
            Field::CommentId => "900000001".into(),
            Field::Uploaded(fmt) => calendar::format(1_763_630_043_000.0, fmt),
            _ => String::new(),
        }
    }

    #[test]
    fn renders_the_default_and_the_presets() {
        assert_eq!(
            render(DEFAULT_TEMPLATE, sample),
            "ACME Corp/4711/production_log.tar.gz"
        );
        assert_eq!(
            render(PRESETS[1].1, sample),
            "zd-4711/production_log.tar.gz"
        );
        assert_eq!(
            render(PRESETS[2].1, sample),
            "2025-11/ACME Corp/4711/production_log.tar.gz"
        );
        assert_eq!(
            render(PRESETS[3].1, sample),
            "ACME Corp/4711/2025-11-20_900000001/production_log.tar.gz"
        );
    }

    #[test]
    fn the_comment_placeholders_parse_with_their_formats() {
        let fields = |template: &str| -> Vec<Field> {
            let t = Template::parse(template).expect(template);
            t.components
                .into_iter()
                .flatten()
                .filter_map(|p| match p {
                    Piece::Field(f) => Some(f),
                    Piece::Literal(_) => None,
                })
                .collect()
        };
        assert_eq!(
            fields("{comment_id}-{attachment_id}/{author}/{uploaded}/{uploaded:%H%M}/{filename}"),
            [
                Field::CommentId,
                Field::AttachmentId,
                Field::Author,
                Field::Uploaded("%Y-%m-%d".into()),
                Field::Uploaded("%H%M".into()),
                Field::Filename,
            ]
        );
    }

    #[test]
    fn values_never_create_folders() {
        assert_eq!(
            render("{subject}/{filename}", sample),
            "a_b_c/production_log.tar.gz"
        );
    }

    #[test]
    fn a_folder_with_a_missing_value_is_left_out_whole() {
        assert_eq!(
            render("{status}/{ticket_id}/{filename}", sample),
            "4711/production_log.tar.gz"
        );
        assert_eq!(
            render("cases/zd-{status}/{ticket_id}/{filename}", sample),
            "cases/4711/production_log.tar.gz",
            "never a half-named 'zd-' folder"
        );
        assert_eq!(
            render("{org}/{requester}x/{stem}-{status}.{ext}", sample),
            "ACME Corp/production_log-.tar.gz",
            "in the file name a missing value is just empty"
        );
    }

    #[test]
    fn the_default_fallback_keeps_the_ticket_number_when_known() {
        let fallback = crate::settings::DEFAULT_FALLBACK;
        assert_eq!(
            render(fallback, sample),
            "_unsorted/4711/production_log.tar.gz"
        );
        let no_ticket = |f: &Field| match f {
            Field::TicketId => String::new(),
            other => sample(other),
        };
        assert_eq!(
            render(fallback, no_ticket),
            "_unsorted/production_log.tar.gz"
        );
    }

    #[test]
    fn literal_braces_are_escaped_by_doubling() {
        assert_eq!(
            render("{{x}}/{filename}", sample),
            "{x}/production_log.tar.gz"
        );
    }

    #[test]
    fn stem_and_ext_recombine() {
        assert_eq!(
            render("{stem}-{ticket_id}.{ext}", sample),
            "production_log-4711.tar.gz"
        );
    }

    #[test]
    fn rejects_bad_templates_saying_where() {
        let cases = [
            ("", 0, "empty"),
            ("/abs/{filename}", 0, "relative"),
            ("{org}/{filename", 6, "unclosed"),
            ("{org}}/{filename}", 5, "unmatched"),
            ("{orgg}/{filename}", 0, "unknown placeholder {orgg}"),
            ("{org}//{filename}", 6, "empty folder"),
            ("../{filename}", 2, "'..'"),
            ("{org}\\{filename}", 5, "'/'"),
            ("{org}/", 6, "must end with a file name"),
            ("{org}/{ticket_id}", 17, "{filename}"),
            ("{date:%Q}/{filename}", 0, "unsupported date code %Q"),
            ("{date:%}/{filename}", 0, "lone '%'"),
            (
                "a/{uploaded:%Y-%q}/{filename}",
                2,
                "unsupported date code %q",
            ),
            ("{uploaded:}/{filename}", 0, "empty date format"),
            ("{uploaded_at}/{filename}", 0, "{uploaded:%Y-%m-%d}"),
        ];
        for (template, position, needle) in cases {
            let err = Template::parse(template).expect_err(template);
            assert_eq!(err.position, position, "{template}: {err}");
            assert!(err.message.contains(needle), "{template}: {err}");
        }
    }

    #[test]
    fn too_deep_templates_are_rejected() {
        let deep = format!("{}{{filename}}", "a/".repeat(MAX_DEPTH + 1));
        assert!(Template::parse(&deep).is_err());
    }

    #[test]
    fn splits_compound_extensions() {
        let cases = [
            ("logs.tar.gz", ("logs", "tar.gz")),
            ("a.b.c", ("a.b", "c")),
            ("README", ("README", "")),
            (".bashrc", (".bashrc", "")),
            (".tar.gz", (".tar", "gz")),
        ];
        for (name, want) in cases {
            assert_eq!(split_extension(name), want, "{name}");
        }
    }
}
