//! *Make a rule…*: a new rule prefilled from a download the popup lists, for the user to
//! edit and save in the options page.
//!
//! The file name becomes an anchored pattern with every regex metacharacter escaped and
//! its variable parts captured, so the rule matches the next file of the same kind:
//!
//! | part of the name | pattern |
//! |---|---|
//! | a leading host name with a letter and a digit, before `_` (`web01_…`) | `(?P<host>[a-z0-9-]+)` (`[A-Za-z0-9-]` when it has capitals) |
//! | a hex id: 8 or more hex digits with a letter and a digit, a word of its own | `(?P<id>[0-9A-Fa-f]+)` |
//! | digits, with `-` `_` `.` `:` `T` between groups (`2024-01-15`, `20240115T1030`) | `(?P<stamp>\d+\-\d+\-\d+)` when 8 digits or more, else `(\d+)` (`stamp`: `{date}` is the download date) |
//! | anything else, the extension included | itself, escaped |
//!
//! Only the first capture of each name is named (`regex-lite` wants names unique); the
//! others are numbered. `extensions` is the file's extension (`tar.gz` as one), the
//! `organization` condition the organization's name, escaped and anchored. The template
//! keeps the default layout and adds a folder named after the constant words of the name
//! (`gitlabsos`), then one per host or date when the name has one:
//! `web01_gitlabsos.tar.gz` of ACME →
//! `{"fileName": "^(?P<host>[a-z0-9-]+)_gitlabsos\\.tar\\.gz$", "extensions": ["tar.gz"],
//! "organization": "^ACME$", "template": "{org}/{ticket_id}/gitlabsos/{host}/{filename}"}`.

use crate::rules::RuleSpec;
use crate::template::split_extension;
use crate::tickets::{Organization, Ticket, TicketRef};
use crate::zendesk::{recognize, ZendeskUrl};
use serde::{Deserialize, Serialize};

/// The download a rule is made from: a popup history entry (other fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FromDownload {
    /// The URL it was downloaded from: an attachment link names the file as rules see it.
    #[serde(default)]
    pub url: Option<String>,
    /// The file's name on disk.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Its ticket, when known.
    #[serde(default)]
    pub ticket: Option<TicketRef>,
    /// Its organization's Zendesk name, when known.
    #[serde(default)]
    pub organization: Option<String>,
}

/// The prefilled rule and the sample its live preview renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleDraft {
    /// The new rule.
    pub rule: RuleSpec,
    /// The download's ticket as the preview's sample ticket (organization id unknown: 0),
    /// when the download had one.
    pub ticket: Option<Ticket>,
    /// The file name the rule is made from, the preview's sample file.
    pub filename: String,
}

/// The rule a download suggests; an error when the download has no file name.
///
/// The name is the one rules match, as the router takes it: the `name=` of an attachment
/// link (`report.pdf`; on a zendesk.com subdomain or one of the `host_mapped` domains),
/// else the name on disk (which the browser may have made `report (1).pdf`).
pub fn draft(download: &FromDownload, host_mapped: &[String]) -> Result<RuleDraft, &'static str> {
    let linked = match download
        .url
        .as_deref()
        .and_then(|u| recognize(u, host_mapped))
    {
        Some(ZendeskUrl::Attachment { name, .. }) => name,
        _ => None,
    };
    let file_name = linked
        .as_deref()
        .or(download.file_name.as_deref())
        .filter(|n| !n.is_empty())
        .ok_or("the download has no file name")?;
    let organization = download.organization.as_deref().filter(|o| !o.is_empty());
    let (stem, ext) = split_extension(file_name);
    let name = NamePattern::of(stem);
    let mut pattern = format!("^{}", name.pattern);
    if file_name.len() > stem.len() {
        pattern.push_str(&regex_lite::escape(&file_name[stem.len()..]));
    }
    pattern.push('$');
    // The rule compares extensions trimmed and without leading dots: keep only one it reads as written.
    let extensions = (!ext.is_empty() && ext.trim() == ext && !ext.starts_with('.'))
        .then(|| ext.to_ascii_lowercase())
        .into_iter()
        .collect();
    let mut folders = vec!["{org}".to_owned(), "{ticket_id}".to_owned()];
    folders.extend((!name.label.is_empty()).then(|| name.label.clone()));
    folders.extend(name.folder.map(|capture| format!("{{{capture}}}")));
    folders.push("{filename}".to_owned());
    let rule = RuleSpec {
        name: name.label,
        file_name: Some(pattern),
        extensions,
        organization: organization.map(|o| format!("^{}$", regex_lite::escape(o))),
        template: Some(folders.join("/")),
        ..RuleSpec::default()
    };
    let ticket = download.ticket.as_ref().map(|t| Ticket {
        instance: t.instance.clone(),
        id: t.id,
        organization: organization.map(|name| Organization {
            id: 0,
            name: name.to_owned(),
        }),
        subject: None,
        requester: None,
        status: None,
    });
    Ok(RuleDraft {
        rule,
        ticket,
        filename: file_name.to_owned(),
    })
}

/// The longest folder name taken from a file name's constant words.
const MAX_LABEL_CHARS: usize = 40;

/// A file stem as a pattern, with what the template takes from it.
struct NamePattern {
    /// The stem's pattern (unanchored).
    pattern: String,
    /// The constant words of the stem joined by `_` (`gitlabsos`), at most
    /// [`MAX_LABEL_CHARS`]: the rule's name and a folder.
    label: String,
    /// The capture that gets a folder of its own: `host`, else `stamp`.
    folder: Option<&'static str>,
}

impl NamePattern {
    fn of(stem: &str) -> NamePattern {
        let mut out = NamePattern {
            pattern: String::new(),
            label: String::new(),
            folder: None,
        };
        let mut named: Vec<&'static str> = Vec::new();
        let mut capture = |out: &mut NamePattern, name: &'static str, class: &str| {
            if named.contains(&name) {
                out.pattern.push_str(&format!("({class})"));
            } else {
                named.push(name);
                out.pattern.push_str(&format!("(?P<{name}>{class})"));
            }
        };
        let mut rest = stem;
        if let Some(host) = leading_host(stem) {
            let class = if host.bytes().any(|b| b.is_ascii_uppercase()) {
                "[A-Za-z0-9-]+"
            } else {
                "[a-z0-9-]+"
            };
            capture(&mut out, "host", class);
            rest = &stem[host.len()..];
        }
        let mut literal = String::new();
        let mut i = 0;
        while i < rest.len() {
            let at_word_start = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
            let word = word_at(rest, i);
            let digits = if rest.as_bytes()[i].is_ascii_digit() {
                digit_run(rest, i)
            } else {
                ""
            };
            if at_word_start && is_hex_id(word) {
                out.push_literal(&mut literal);
                capture(&mut out, "id", "[0-9A-Fa-f]+");
                i += word.len();
            } else if !digits.is_empty() {
                out.push_literal(&mut literal);
                let mut class = String::new();
                for (j, c) in digits.char_indices() {
                    if !c.is_ascii_digit() {
                        class.push_str(&regex_lite::escape(&digits[j..=j]));
                    } else if j == 0 || !digits.as_bytes()[j - 1].is_ascii_digit() {
                        class.push_str(r"\d+");
                    }
                }
                if digits.bytes().filter(u8::is_ascii_digit).count() >= 8 {
                    capture(&mut out, "stamp", &class);
                } else {
                    out.pattern.push_str(&format!("({class})"));
                }
                i += digits.len();
            } else {
                let c = rest[i..].chars().next().unwrap_or_default();
                literal.push(c);
                i += c.len_utf8();
            }
        }
        out.push_literal(&mut literal);
        out.folder = ["host", "stamp"].into_iter().find(|n| named.contains(n));
        out
    }

    /// Adds `literal` (escaped) to the pattern and its words to the label, and empties it.
    fn push_literal(&mut self, literal: &mut String) {
        self.pattern.push_str(&regex_lite::escape(literal));
        for word in literal.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty()
                || self.label.chars().count() + word.chars().count() >= MAX_LABEL_CHARS
            {
                continue;
            }
            if !self.label.is_empty() {
                self.label.push('_');
            }
            self.label.push_str(word);
        }
        literal.clear();
    }
}

/// The ASCII letters and digits from byte `i` on.
fn word_at(s: &str, i: usize) -> &str {
    let len = s.as_bytes()[i..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    &s[i..i + len]
}

/// Digits from byte `i` on, with single `-` `_` `.` `:` `T` between groups
/// (`2024-01-15T10:30`); empty when `i` is not a digit.
fn digit_run(s: &str, i: usize) -> &str {
    let b = s.as_bytes();
    let mut end = i;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
        let joined = end < b.len()
            && b"-_.:T".contains(&b[end])
            && b.get(end + 1).is_some_and(u8::is_ascii_digit);
        if joined {
            end += 1;
        }
    }
    &s[i..end]
}

/// A word of 8 or more hex digits with a digit and a letter in it (`a3f9c2e1`).
fn is_hex_id(word: &str) -> bool {
    word.len() >= 8
        && word.bytes().all(|b| b.is_ascii_hexdigit())
        && word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The host name the stem starts with: letters, digits and `-`, with a letter and a digit
/// among them (`web01`, not `2024` or `report`), then `_` and more.
fn leading_host(stem: &str) -> Option<&str> {
    let (host, rest) = stem.split_once('_')?;
    let ok = !host.is_empty()
        && !rest.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && host.bytes().any(|b| b.is_ascii_digit())
        && host.bytes().any(|b| b.is_ascii_alphabetic());
    ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zendesk::{Instance, TicketId};

    /// The draft with no host-mapped domains.
    fn draft_of(download: &FromDownload) -> Result<RuleDraft, &'static str> {
        draft(download, &[])
    }

    fn rule_of(file_name: &str, organization: Option<&str>) -> RuleSpec {
        draft_of(&FromDownload {
            file_name: Some(file_name.into()),
            organization: organization.map(Into::into),
            ..FromDownload::default()
        })
        .expect("a draft")
        .rule
    }

    #[test]
    fn file_names_become_escaped_anchored_patterns_with_their_variable_parts_captured() {
        let cases = [
            (
                "web01_gitlabsos.tar.gz",
                r"^(?P<host>[a-z0-9-]+)_gitlabsos\.tar\.gz$",
            ),
            (
                "Web-01_gitlabsos.tar.gz",
                r"^(?P<host>[A-Za-z0-9-]+)_gitlabsos\.tar\.gz$",
            ),
            ("production_log.tar.gz", r"^production_log\.tar\.gz$"),
            (
                "production_log_2024-01-15.log",
                r"^production_log_(?P<stamp>\d+\-\d+\-\d+)\.log$",
            ),
            (
                "export-20240115T103000.csv",
                r"^export\-(?P<stamp>\d+T\d+)\.csv$",
            ),
            ("report (1).pdf", r"^report \((\d+)\)\.pdf$"),
            ("v2.3.1.txt", r"^v(\d+\.\d+\.\d+)\.txt$"),
            (
                "crash_a3f9c2e1d0_1700000000_7.dmp",
                r"^crash_(?P<id>[0-9A-Fa-f]+)_(?P<stamp>\d+_\d+)\.dmp$",
            ),
            (
                "a1b2c3d4e5-f6a7b8c9d0.bin",
                r"^(?P<id>[0-9A-Fa-f]+)\-([0-9A-Fa-f]+)\.bin$",
            ),
            ("deadbeefcafe.txt", r"^deadbeefcafe\.txt$"),
            (
                "a+b*c?(d)[e]{f}^g$h|i\\j#k&l~m.txt",
                r"^a\+b\*c\?\(d\)\[e\]\{f\}\^g\$h\|i\\j\#k\&l\~m\.txt$",
            ),
            ("README", r"^README$"),
            ("2024_report.pdf", r"^(\d+)_report\.pdf$"),
            (".bashrc", r"^\.bashrc$"),
            ("Bericht Müller.PDF", r"^Bericht Müller\.PDF$"),
        ];
        for (name, want) in cases {
            assert_eq!(
                rule_of(name, None).file_name.as_deref(),
                Some(want),
                "{name}"
            );
        }
    }

    #[test]
    fn the_extension_is_the_files_lowercased_and_compound_archives_stay_whole() {
        let cases: [(&str, &[&str]); 6] = [
            ("web01_gitlabsos.tar.gz", &["tar.gz"]),
            ("Bericht.PDF", &["pdf"]),
            ("trace.HAR", &["har"]),
            ("README", &[]),
            ("notes. txt", &[]),
            ("archive.tar.zst", &["tar.zst"]),
        ];
        for (name, want) in cases {
            assert_eq!(rule_of(name, None).extensions, want, "{name}");
        }
    }

    #[test]
    fn the_organization_is_an_escaped_anchored_pattern_and_absent_without_one() {
        assert_eq!(
            rule_of("a.log", Some("ACME Corp. (EU) [a|b]"))
                .organization
                .as_deref(),
            Some(r"^ACME Corp\. \(EU\) \[a\|b\]$")
        );
        assert_eq!(rule_of("a.log", None).organization, None);
        assert_eq!(rule_of("a.log", Some("")).organization, None);
    }

    #[test]
    fn the_template_adds_a_folder_for_the_kind_of_file_and_one_per_host_or_date() {
        let cases = [
            (
                "web01_gitlabsos.tar.gz",
                "{org}/{ticket_id}/gitlabsos/{host}/{filename}",
                "gitlabsos",
            ),
            (
                "production_log_2024-01-15.log",
                "{org}/{ticket_id}/production_log/{stamp}/{filename}",
                "production_log",
            ),
            (
                "report (1).pdf",
                "{org}/{ticket_id}/report/{filename}",
                "report",
            ),
            ("20240115.log", "{org}/{ticket_id}/{stamp}/{filename}", ""),
            (
                "Bericht Müller.pdf",
                "{org}/{ticket_id}/Bericht_Müller/{filename}",
                "Bericht_Müller",
            ),
            ("{x}.txt", "{org}/{ticket_id}/x/{filename}", "x"),
        ];
        for (name, template, label) in cases {
            let rule = rule_of(name, None);
            assert_eq!(rule.template.as_deref(), Some(template), "{name}");
            assert_eq!(rule.name, label, "{name}");
        }
        let long = rule_of(&format!("{}_{}.txt", "a".repeat(30), "b".repeat(30)), None);
        assert_eq!(long.name, "a".repeat(30));
    }

    #[test]
    fn the_sample_is_the_downloads_ticket_and_file() {
        let d = draft_of(&FromDownload {
            url: None,
            file_name: Some("web01_gitlabsos.tar.gz".into()),
            ticket: Some(TicketRef {
                instance: Instance::new("acme"),
                id: TicketId(4711),
            }),
            organization: Some("ACME Corp.".into()),
        })
        .expect("a draft");
        assert_eq!(d.filename, "web01_gitlabsos.tar.gz");
        let ticket = d.ticket.expect("a sample ticket");
        assert_eq!((ticket.instance.as_str(), ticket.id.0), ("acme", 4711));
        assert_eq!(
            ticket.organization.map(|o| o.name).as_deref(),
            Some("ACME Corp.")
        );
    }

    #[test]
    fn the_name_of_the_attachment_link_wins_over_the_name_the_browser_gave_the_file() {
        let from = |url: &str| {
            draft_of(&FromDownload {
                url: Some(url.into()),
                file_name: Some("report (1).pdf".into()),
                ..FromDownload::default()
            })
            .expect("a draft")
        };
        let linked = from("https://acme.zendesk.com/attachments/token/Tk1/?name=report%202.pdf");
        assert_eq!(linked.filename, "report 2.pdf");
        assert_eq!(
            linked.rule.file_name.as_deref(),
            Some(r"^report (\d+)\.pdf$")
        );
        for url in [
            "https://acme.zendesk.com/attachments/token/Tk1/",
            "https://example.com/report.pdf",
        ] {
            assert_eq!(from(url).filename, "report (1).pdf", "{url}");
        }
    }

    #[test]
    fn the_link_name_counts_on_a_host_mapped_domain_the_settings_list() {
        let download = FromDownload {
            url: Some("https://support.example.com/attachments/token/Tk1/?name=report.pdf".into()),
            file_name: Some("report (1).pdf".into()),
            ..FromDownload::default()
        };
        let mapped = ["support.example.com".to_owned()];
        let got = draft(&download, &mapped).expect("a draft");
        assert_eq!(got.filename, "report.pdf");
        assert_eq!(
            draft_of(&download).expect("a draft").filename,
            "report (1).pdf"
        );
    }

    #[test]
    fn a_download_without_a_file_name_makes_no_rule() {
        for file_name in [None, Some(String::new())] {
            let got = draft_of(&FromDownload {
                file_name,
                ..FromDownload::default()
            });
            assert_eq!(got, Err("the download has no file name"));
        }
    }
}
