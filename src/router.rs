//! The routing decision: given a download, what is known, and the settings, where does
//! the file go?
//!
//! ```text
//! decide(event, knowledge, settings)
//!   not enabled / not a Zendesk attachment ............ Pass
//!   ticket from: token index > referrer page > (ask once)
//!   ticket known ....................................... rules, then Route
//!   ticket id known, record not yet ................... NeedTicket (ask once)
//!   nothing known after asking ......................... Route to the fallback folder
//! ```
//!
//! "Ask once": the first decision for a download may be `NeedTicket`; the browser side
//! then looks the ticket up (bounded by the watchdog) and decides again with
//! `lookup_done` set, which never returns `NeedTicket`. So every download ends in a
//! `Route` or a `Pass` after at most two calls — the shim cannot loop.

use crate::archive;
use crate::calendar;
use crate::records::AttachmentKey;
use crate::rules::{Captures, Facts, RuleAction};
use crate::sanitize::{self, SafePath};
use crate::settings::{ConflictAction, SettingsErrors, UnpackArchives, ValidSettings};
use crate::template::{split_extension, Field, Template};
use crate::tickets::{AttachmentFacts, Knowledge, Ticket, TicketRef};
use crate::zendesk::{recognize, Instance, TicketId, Token, ZendeskUrl};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the browser tells about a download (Chrome's `DownloadItem`, or the Firefox
/// click/`onCreated` equivalents), plus the shim's context.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DownloadEvent {
    /// The URL the download was started with.
    pub url: String,
    /// The URL after redirects, when different.
    pub final_url: Option<String>,
    /// The referrer, when the browser kept it.
    pub referrer: Option<String>,
    /// The browser's suggested file name (may be a path; only its last part is used).
    pub filename: Option<String>,
    /// MIME type.
    pub mime: Option<String>,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// When the download started (ms since the Unix epoch); also "now" for expiry.
    pub time_ms: f64,
    /// Set on the second decision, after the shim tried to look the ticket up.
    pub lookup_done: bool,
    /// Why the lookup failed, when it did (shown to the user with the fallback).
    pub lookup_error: Option<String>,
}

/// Where a routed download's ticket came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The attachment token was seen in the ticket's comments or on its page.
    TokenIndex,
    /// The download's referrer was the ticket's agent page.
    Referrer,
    /// No ticket could be known: the fallback folder.
    Fallback,
}

/// Why a download is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PassReason {
    /// Routing is switched off.
    Disabled,
    /// Not an attachment of a Zendesk instance this router knows.
    NotZendesk,
    /// A rule says to leave it alone.
    Rule,
}

/// What to look up before deciding again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Lookup {
    /// Fetch this ticket (and its comments' attachments).
    TicketId(TicketId),
    /// Find which open ticket lists this attachment token.
    Token(Token),
}

/// What the local helper does once a routed download is complete: move it to `move_to`
/// (the setting `destinationRoot`) first, then unpack it where it then is, into a folder
/// beside it. Only archives ([`archive::Format::of`] the routed file name) are unpacked.
/// Read back (from the decision the worker passes on, from storage) field by field: a
/// derived reader costs the WASM more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "crate::document::Value")]
pub struct AfterComplete {
    /// Unpack the archive.
    pub unpack: bool,
    /// Move the file to this root (its path below the base folder kept).
    pub move_to: Option<String>,
}

impl From<crate::document::Value> for AfterComplete {
    fn from(v: crate::document::Value) -> AfterComplete {
        AfterComplete {
            unpack: v.get("unpack").and_then(|u| u.as_bool()) == Some(true),
            move_to: v.get("moveTo").and_then(|m| m.as_str()).map(str::to_owned),
        }
    }
}

impl AfterComplete {
    /// What the helper does with a download routed to `path`; `rule_unpack` is whether
    /// the deciding rule says `"unpack": true` (`None` for the fallback folder, whose
    /// files are never unpacked: their ticket is unknown, and a tree unpacked there would
    /// be one more thing to sort by hand — moved they are, since they are customer files
    /// all the same). `None` when there is nothing to do.
    fn of(
        settings: &ValidSettings,
        path: &SafePath,
        rule_unpack: Option<bool>,
    ) -> Option<AfterComplete> {
        let s = settings.settings();
        let unpack = archive::Format::of(path.file_name()).is_some()
            && match s.unpack_archives {
                UnpackArchives::Off => false,
                UnpackArchives::All => rule_unpack.is_some(),
                UnpackArchives::Rules => rule_unpack == Some(true),
            };
        let move_to = Some(s.destination_root.clone()).filter(|r| !r.is_empty());
        (unpack || move_to.is_some()).then_some(AfterComplete { unpack, move_to })
    }
}

/// The router's answer for one download.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum Decision {
    /// Save the file at `path` (relative to Downloads).
    #[serde(rename_all = "camelCase")]
    Route {
        /// The sanitized relative path.
        path: SafePath,
        /// What to do if it exists.
        conflict_action: ConflictAction,
        /// The ticket, when known (also for fallbacks that know the id but not the org).
        ticket: Option<TicketRef>,
        /// The organization's Zendesk name (not its alias), when the ticket has one: the
        /// history offers it to the alias editor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization: Option<String>,
        /// Where the ticket came from.
        source: Source,
        /// The rule (0-based) whose template decided; none when the main template did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<usize>,
        /// Why it fell back, or which rule routed it; for the history and `explain`. Plain
        /// words for the user: never an attachment token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// What the local helper does once the download is complete.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_complete: Option<AfterComplete>,
    },
    /// Leave the download as the browser (or another extension) named it.
    #[serde(rename_all = "camelCase")]
    Pass {
        /// Why.
        reason: PassReason,
        /// The rule (0-based) for [`PassReason::Rule`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<usize>,
    },
    /// Look this up, then decide again with `lookup_done`.
    #[serde(rename_all = "camelCase")]
    NeedTicket {
        /// The account to ask.
        instance: Instance,
        /// What to ask for.
        lookup: Lookup,
    },
}

/// The attachment a download is, when it is one.
struct Attachment {
    instance: Option<Instance>,
    token: Token,
    file_name: String,
    /// Type and size for the rules: the comments API's when it listed the attachment,
    /// else the browser's. So a click and Download all of one attachment agree.
    facts: AttachmentFacts,
    /// False when rendering the ticket's folder rather than a file of it (the ticket-link
    /// file, the popup): the comment placeholders then have no value, their folder is left
    /// out.
    particular: bool,
}

fn attachment_of(event: &DownloadEvent, host_mapped: &[String]) -> Option<Attachment> {
    let urls = std::iter::once(event.url.as_str()).chain(event.final_url.as_deref());
    let mut found: Option<Attachment> = None;
    for url in urls {
        match recognize(url, host_mapped) {
            Some(ZendeskUrl::Attachment {
                instance,
                token,
                name,
            }) => {
                return Some(Attachment {
                    instance: Some(instance),
                    token,
                    file_name: name.unwrap_or_else(|| browser_file_name(event)),
                    facts: AttachmentFacts::default(),
                    particular: true,
                })
            }
            Some(ZendeskUrl::SignedAttachment { token, .. }) if found.is_none() => {
                found = Some(Attachment {
                    instance: None,
                    token,
                    file_name: browser_file_name(event),
                    facts: AttachmentFacts::default(),
                    particular: true,
                });
            }
            _ => {}
        }
    }
    found
}

/// The attachment a download is, instance-scoped, for the records: the instance of its
/// token URL, or (a signed `zdusercontent.com` URL names none) the decided ticket's.
pub fn attachment_key(
    event: &DownloadEvent,
    decided: Option<&Instance>,
    host_mapped: &[String],
) -> Option<AttachmentKey> {
    let attachment = attachment_of(event, host_mapped)?;
    Some(AttachmentKey {
        instance: attachment.instance.or_else(|| decided.cloned())?,
        token: attachment.token,
    })
}

/// The last part of the browser's suggested name (Chrome may pass a path).
fn browser_file_name(event: &DownloadEvent) -> String {
    let name = event.filename.as_deref().unwrap_or_default();
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn ticket_page(
    url: Option<&str>,
    host_mapped: &[String],
    instance: Option<&Instance>,
) -> Option<TicketRef> {
    match recognize(url?, host_mapped)? {
        ZendeskUrl::TicketPage {
            instance: i,
            ticket_id,
        } if instance.is_none_or(|want| *want == i) => Some(TicketRef {
            instance: i,
            id: ticket_id,
        }),
        _ => None,
    }
}

/// Decides where one download goes. Pure: same inputs, same decision.
pub fn decide(event: &DownloadEvent, knowledge: &Knowledge, settings: &ValidSettings) -> Decision {
    let s = settings.settings();
    if !s.enabled {
        return Decision::Pass {
            reason: PassReason::Disabled,
            rule: None,
        };
    }
    let host_mapped = &s.host_mapped_domains;
    let Some(mut attachment) = attachment_of(event, host_mapped) else {
        return Decision::Pass {
            reason: PassReason::NotZendesk,
            rule: None,
        };
    };
    let now = event.time_ms;
    let listed = knowledge.attachment_facts(attachment.instance.as_ref(), &attachment.token, now);
    let listed = listed.cloned().unwrap_or_default();
    attachment.facts = AttachmentFacts {
        mime: listed.mime.clone().or_else(|| event.mime.clone()),
        size: listed.size.or(event.size),
        ..listed
    };
    let instance = attachment.instance.as_ref();

    let from_index = knowledge
        .ticket_of_token(attachment.instance.as_ref(), &attachment.token, now)
        .cloned();
    let found = from_index.map(|t| (t, Source::TokenIndex)).or_else(|| {
        ticket_page(event.referrer.as_deref(), host_mapped, instance).map(|t| (t, Source::Referrer))
    });
    let found = match (found, instance) {
        (Some(found), _) => Some(found),
        (None, Some(instance)) if !event.lookup_done => {
            return Decision::NeedTicket {
                instance: instance.clone(),
                lookup: Lookup::Token(attachment.token),
            }
        }
        // No guess from the most recently used agent tab: the lookup has just reloaded the
        // tickets of every open agent tab and none lists this token (or nothing could be
        // read). A wrong ticket folder is worse than the fallback folder.
        (None, _) => None,
    };
    let Some((key, source)) = found else {
        let why = "no open ticket lists this attachment";
        return fallback(event, settings, &attachment, None, why);
    };
    match knowledge.ticket(&key, now) {
        Some(ticket) => route(event, settings, &attachment, ticket, source),
        None if !event.lookup_done => Decision::NeedTicket {
            instance: key.instance,
            lookup: Lookup::TicketId(key.id),
        },
        None => {
            let why = "ticket details could not be loaded";
            fallback(event, settings, &attachment, Some(key), why)
        }
    }
}

fn route(
    event: &DownloadEvent,
    settings: &ValidSettings,
    attachment: &Attachment,
    ticket: &Ticket,
    source: Source,
) -> Decision {
    let s = settings.settings();
    let org = ticket.organization.as_ref();
    let facts = Facts {
        file_name: &attachment.file_name,
        mime: attachment.facts.mime.as_deref(),
        size: attachment.facts.size,
        instance: ticket.instance.as_str(),
        organization: org.map(|o| o.name.as_str()),
        status: ticket.status.as_deref(),
    };
    let matched = settings
        .rules()
        .iter()
        .enumerate()
        .find_map(|(i, rule)| rule.matches(&facts).map(|caps| (i, &rule.action, caps)));
    let (template, captures, rule) = match matched {
        Some((i, RuleAction::LeaveAlone, _)) => {
            return Decision::Pass {
                reason: PassReason::Rule,
                rule: Some(i),
            }
        }
        Some((i, RuleAction::Template(t), caps)) => (t, caps, Some(i)),
        None => (settings.template(), Captures::default(), None),
    };
    let rule_unpack = rule.is_some_and(|i| settings.rules()[i].unpack);
    let values = Values {
        // A blank name would drop the folder and mix the ticket in with organizations.
        org: Some(match org {
            Some(o) if !o.name.trim().is_empty() => {
                alias_of(&s.aliases, &o.name).unwrap_or(&o.name).to_owned()
            }
            _ => s.no_org_folder.clone(),
        }),
        org_id: org.map(|o| o.id),
        ticket: Some(ticket),
        captures,
        ..Values::of(event, attachment)
    };
    let path = render(settings, template, &values);
    Decision::Route {
        after_complete: AfterComplete::of(settings, &path, Some(rule_unpack)),
        path,
        conflict_action: s.conflict_action,
        ticket: Some(TicketRef {
            instance: ticket.instance.clone(),
            id: ticket.id,
        }),
        organization: org.map(|o| o.name.clone()),
        source,
        rule,
        note: rule.map(|i| format!("rule {}", i + 1)),
    }
}

fn fallback(
    event: &DownloadEvent,
    settings: &ValidSettings,
    attachment: &Attachment,
    key: Option<TicketRef>,
    why: &str,
) -> Decision {
    let note = match &event.lookup_error {
        Some(err) => format!("{why} ({err})"),
        None => why.to_owned(),
    };
    let values = Values {
        ticket_id: key.as_ref().map(|k| k.id),
        ..Values::of(event, attachment)
    };
    let path = render(settings, settings.fallback(), &values);
    Decision::Route {
        after_complete: AfterComplete::of(settings, &path, None),
        path,
        conflict_action: settings.settings().conflict_action,
        ticket: key,
        organization: None,
        source: Source::Fallback,
        rule: None,
        note: Some(note),
    }
}

/// `{comment_id}` when the comments API did not list the attachment (it was attributed
/// through its page, or the knowledge expired).
pub const UNKNOWN_COMMENT: &str = "unknown-comment";
/// `{attachment_id}` when the comments API did not list the attachment.
pub const UNKNOWN_ATTACHMENT: &str = "unknown-attachment";
/// `{author}` when the comment or its author's name is not known (or blank).
pub const UNKNOWN_AUTHOR: &str = "unknown-author";

/// The placeholder values for one rendering. Unknown values render empty, which drops
/// their folder (the sanitizer never makes an empty component) — except the comment's,
/// which say that they are unknown (`{uploaded}`: the download date), so one folder per
/// comment is never merged into its ticket's folder.
struct Values<'a> {
    event: &'a DownloadEvent,
    attachment: &'a Attachment,
    ticket: Option<&'a Ticket>,
    ticket_id: Option<TicketId>,
    org: Option<String>,
    org_id: Option<u64>,
    captures: Captures,
}

impl<'a> Values<'a> {
    fn of(event: &'a DownloadEvent, attachment: &'a Attachment) -> Values<'a> {
        Values {
            event,
            attachment,
            ticket: None,
            ticket_id: None,
            org: None,
            org_id: None,
            captures: Captures::default(),
        }
    }

    fn get(&self, field: &Field) -> String {
        let ticket = self.ticket;
        let text =
            |f: fn(&Ticket) -> Option<&String>| ticket.and_then(f).cloned().unwrap_or_default();
        let file_name = &self.attachment.file_name;
        let facts = &self.attachment.facts;
        let id_or =
            |id: Option<u64>, unknown: &str| id.map_or(unknown.to_owned(), |i| i.to_string());
        match field {
            Field::Org => self.org.clone().unwrap_or_default(),
            Field::OrgId => self.org_id.map(|id| id.to_string()).unwrap_or_default(),
            Field::TicketId => ticket
                .map(|t| t.id)
                .or(self.ticket_id)
                .map(|id| id.to_string())
                .unwrap_or_default(),
            Field::Subject => text(|t| t.subject.as_ref()),
            Field::Requester => text(|t| t.requester.as_ref()),
            Field::Status => text(|t| t.status.as_ref()),
            Field::Instance => ticket
                .map(|t| &t.instance)
                .or(self.attachment.instance.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            Field::Filename => file_name.clone(),
            Field::Stem => split_extension(file_name).0.to_owned(),
            Field::Ext => split_extension(file_name).1.to_owned(),
            Field::Date(format) => calendar::format(self.event.time_ms, format),
            Field::CommentId | Field::AttachmentId | Field::Author | Field::Uploaded(_)
                if !self.attachment.particular =>
            {
                String::new()
            }
            Field::CommentId => id_or(facts.comment_id, UNKNOWN_COMMENT),
            Field::AttachmentId => id_or(facts.attachment_id, UNKNOWN_ATTACHMENT),
            Field::Author => match &facts.author {
                Some(name) if !name.trim().is_empty() => name.clone(),
                _ => UNKNOWN_AUTHOR.to_owned(),
            },
            Field::Uploaded(format) => {
                calendar::format(facts.uploaded_ms.unwrap_or(self.event.time_ms), format)
            }
            Field::CaptureIndex(_) | Field::CaptureName(_) => self.captures.get(field),
        }
    }
}

/// Renders `template` below the base folder.
fn render(settings: &ValidSettings, template: &Template, values: &Values<'_>) -> SafePath {
    let base: Vec<&str> = settings.base_dirs().collect();
    template.render_under(&base, |f| values.get(f))
}

/// The folder alias of an organization: keyed by its exact Zendesk name first, then by
/// that name or the folder name it produces (`ACME Corp.` is the folder `ACME Corp`),
/// case-insensitively. So an alias works whether it was keyed by the name seen in Zendesk
/// or by the folder seen on disk.
fn alias_of<'a>(aliases: &'a BTreeMap<String, String>, org: &str) -> Option<&'a str> {
    aliases
        .get(org)
        .or_else(|| {
            aliases
                .iter()
                .find(|(key, _)| alias_matches(key, org))
                .map(|(_, v)| v)
        })
        .map(String::as_str)
}

/// Whether the alias keyed `key` applies to the organization named `org`.
pub fn alias_matches(key: &str, org: &str) -> bool {
    let folder = |name: &str| sanitize::component(name.trim(), false).to_ascii_lowercase();
    key.trim().eq_ignore_ascii_case(org.trim()) || folder(key) == folder(org)
}

/// The alias keys that match none of the `organizations` seen so far (the options page
/// warns about them). Nothing is reported when no organization has been seen yet.
pub fn unmatched_aliases<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    organizations: &[String],
) -> Vec<String> {
    if organizations.is_empty() {
        return Vec::new();
    }
    keys.into_iter()
        .filter(|key| !organizations.iter().any(|org| alias_matches(key, org)))
        .map(str::to_owned)
        .collect()
}

/// The decision for a download of `file_name` (with the comments API's `facts`) from
/// `ticket`: what Download all plans, and what the options page's live preview shows
/// (rules included). The same as [`decide`] for a click on that attachment. Without
/// `facts`, the file is no attachment but the ticket's own (the ticket-link file, the
/// popup's "files go to"): the comment placeholders have no value, so their folder is
/// left out and the file lands in the ticket's folder.
pub fn preview(
    settings: &ValidSettings,
    ticket: &Ticket,
    file_name: &str,
    facts: Option<&AttachmentFacts>,
    time_ms: f64,
) -> Decision {
    let event = DownloadEvent {
        time_ms,
        ..DownloadEvent::default()
    };
    let attachment = Attachment {
        instance: Some(ticket.instance.clone()),
        token: Token::parse("preview").unwrap_or_else(|| unreachable!("a valid token literal")),
        file_name: file_name.to_owned(),
        facts: facts.cloned().unwrap_or_default(),
        particular: facts.is_some(),
    };
    if !settings.settings().enabled {
        return Decision::Pass {
            reason: PassReason::Disabled,
            rule: None,
        };
    }
    route(&event, settings, &attachment, ticket, Source::TokenIndex)
}

/// The options page's sample download: an attachment `filename` of `ticket` at `time_ms`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    /// The sample ticket.
    pub ticket: Ticket,
    /// The sample file name.
    pub filename: String,
    /// When it is downloaded (for `{date}`).
    pub time_ms: f64,
    /// What the comments API says about the sample attachment (`{comment_id}`, …).
    #[serde(default)]
    pub attachment: AttachmentFacts,
}

/// The options page's live preview of settings being edited: the decision for the
/// sample, or why the settings are invalid (then nothing is applied).
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// What a download of the sample gets under the settings.
    Decision(Decision),
    /// The settings are invalid: every problem, with its field.
    Invalid(SettingsErrors),
}

/// Serialized as the decision (`{action: "route", path, …}`), or as `{action: "invalid",
/// errors}`.
impl Serialize for Preview {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            Preview::Decision(decision) => decision.serialize(serializer),
            Preview::Invalid(errors) => {
                let mut out = serializer.serialize_struct("Preview", 2)?;
                out.serialize_field("action", "invalid")?;
                out.serialize_field("errors", errors)?;
                out.end()
            }
        }
    }
}

/// The preview of `sample` under the settings document `settings` (validated first, as
/// saving would).
pub fn preview_sample(settings: impl Into<crate::document::Value>, sample: &Sample) -> Preview {
    match ValidSettings::from_value(settings) {
        Ok(valid) => Preview::Decision(preview(
            &valid,
            &sample.ticket,
            &sample.filename,
            Some(&sample.attachment),
            sample.time_ms,
        )),
        Err(errors) => Preview::Invalid(errors),
    }
}

impl Decision {
    /// A human-readable account of the decision, for `zd-dl-router explain` and logs.
    pub fn explain(&self) -> String {
        match self {
            Decision::Route {
                path,
                conflict_action,
                ticket,
                source,
                note,
                after_complete,
                ..
            } => {
                let from = match source {
                    Source::TokenIndex => "its attachment token was listed in the ticket",
                    Source::Referrer => "the download started from the ticket's page",
                    Source::Fallback => "no ticket could be known, so the fallback folder",
                };
                let ticket = ticket
                    .as_ref()
                    .map(|t| format!("ticket {} on {}", t.id, t.instance))
                    .unwrap_or_else(|| "no ticket".into());
                let note = note
                    .as_ref()
                    .map(|n| format!("\n  note: {n}"))
                    .unwrap_or_default();
                let then = after_complete.as_ref().map_or(String::new(), |a| {
                    let moved = a.move_to.as_ref().map(|r| format!(" move it to {r}"));
                    let unpacked = a.unpack.then_some(" unpack it".to_owned());
                    let steps: Vec<String> = moved.into_iter().chain(unpacked).collect();
                    format!("\n  then the local helper:{}", steps.join(", then"))
                });
                format!(
                    "route to {path}\n  {ticket} — {from}\n  if the file exists: {conflict_action:?}{note}{then}"
                )
            }
            Decision::Pass { reason, rule } => match (reason, rule) {
                (PassReason::Disabled, _) => "leave alone: routing is switched off".into(),
                (PassReason::NotZendesk, _) => {
                    "leave alone: not an attachment of a known Zendesk instance".into()
                }
                (PassReason::Rule, rule) => format!(
                    "leave alone: rule {} says so",
                    rule.map(|r| r + 1).unwrap_or_default()
                ),
            },
            Decision::NeedTicket { instance, lookup } => match lookup {
                Lookup::TicketId(id) => {
                    format!("look up ticket {id} on {instance}, then decide again")
                }
                Lookup::Token(t) => format!(
                    "find which open ticket on {instance} lists attachment {t}, then decide again"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Sample {
        serde_json::from_value(json!({
            "ticket": {"instance": "acme", "id": 4711, "organization": {"id": 9, "name": "ACME Corp."}},
            "filename": "a.log",
            "timeMs": 0
        }))
        .expect("a sample as the options page sends it")
    }

    #[test]
    fn the_preview_is_the_decision_for_the_sample() {
        let p = preview_sample(json!({"template": "zd-{ticket_id}/{filename}"}), &sample());
        match p {
            Preview::Decision(Decision::Route { path, rule, .. }) => {
                assert_eq!(path.as_str(), "zendesk/zd-4711/a.log");
                assert_eq!(rule, None);
            }
            other => panic!("{other:?}"),
        }
        let rules = json!({"rules": [{"extensions": ["log"], "leaveAlone": true}]});
        assert!(matches!(
            preview_sample(rules, &sample()),
            Preview::Decision(Decision::Pass {
                reason: PassReason::Rule,
                rule: Some(0)
            })
        ));
    }

    #[test]
    fn invalid_settings_preview_as_invalid_with_every_error() {
        let p = preview_sample(json!({"template": "{x}", "watchdogMs": 1}), &sample());
        let Preview::Invalid(errors) = &p else {
            panic!("{p:?}")
        };
        assert_eq!(errors.0.len(), 2, "{errors}");
        let shown = serde_json::to_value(&p).expect("json");
        assert_eq!(shown["action"], "invalid");
        assert_eq!(shown["errors"].as_array().map(Vec::len), Some(2), "{shown}");
        let routed = serde_json::to_value(preview_sample(json!({}), &sample())).expect("json");
        assert_eq!(routed["action"], "route");
        assert_eq!(routed["path"], "zendesk/ACME Corp/4711/a.log");
    }

    /// `afterComplete` of the sample `filename` routed under `settings`, as JSON.
    fn after_complete(settings: serde_json::Value, filename: &str) -> serde_json::Value {
        let sample = Sample {
            filename: filename.to_owned(),
            ..sample()
        };
        let shown = serde_json::to_value(preview_sample(settings, &sample)).expect("json");
        assert_eq!(shown["action"], "route", "{shown}");
        shown["afterComplete"].clone()
    }

    #[test]
    fn unpack_all_unpacks_routed_archives_only() {
        let all = json!({"unpackArchives": "all"});
        let unpack = json!({"unpack": true, "moveTo": null});
        assert_eq!(
            after_complete(all.clone(), "gitlabsos_web-01.tar.gz"),
            unpack
        );
        assert_eq!(after_complete(all.clone(), "LOGS.ZIP"), unpack);
        assert_eq!(
            after_complete(all, "production.log"),
            json!(null),
            "not an archive"
        );
        assert_eq!(
            after_complete(json!({}), "logs.zip"),
            json!(null),
            "off by default"
        );
    }

    #[test]
    fn unpack_per_rule_unpacks_what_a_rule_with_unpack_routes() {
        let settings = json!({"unpackArchives": "rules", "rules": [
            {"fileName": "gitlabsos", "template": "{org}/{ticket_id}/sos/{filename}", "unpack": true},
            {"extensions": ["zip"], "template": "{org}/{ticket_id}/{filename}"},
        ]});
        let unpack = json!({"unpack": true, "moveTo": null});
        assert_eq!(
            after_complete(settings.clone(), "gitlabsos_a.tar.gz"),
            unpack
        );
        assert_eq!(
            after_complete(settings.clone(), "logs.zip"),
            json!(null),
            "rule 2 does not say unpack"
        );
        assert_eq!(
            after_complete(settings, "kubesos.tgz"),
            json!(null),
            "no rule: the main template"
        );
        let all = json!({"unpackArchives": "off", "rules": [{"fileName": "sos", "template": "{filename}", "unpack": true}]});
        assert_eq!(
            after_complete(all, "gitlabsos.tgz"),
            json!(null),
            "unpacking is off"
        );
    }

    #[test]
    fn a_destination_root_moves_every_routed_file_and_then_unpacks_it() {
        let settings = json!({"destinationRoot": "/srv/customers", "unpackArchives": "all"});
        assert_eq!(
            after_complete(settings.clone(), "a.log"),
            json!({"unpack": false, "moveTo": "/srv/customers"})
        );
        assert_eq!(
            after_complete(settings, "a.tar.gz"),
            json!({"unpack": true, "moveTo": "/srv/customers"})
        );
    }

    #[test]
    fn a_fallback_download_is_moved_but_never_unpacked_and_a_passed_one_gets_nothing() {
        let url = "https://acme.zendesk.com/attachments/token/T1/?name=logs.zip";
        let event = DownloadEvent {
            url: url.into(),
            time_ms: 1.0,
            lookup_done: true,
            ..DownloadEvent::default()
        };
        let settings = |v| ValidSettings::from_value(v).expect("valid");
        let knowledge = Knowledge::default();
        let both = settings(json!({"destinationRoot": "/srv/customers", "unpackArchives": "all"}));
        let decision = serde_json::to_value(decide(&event, &knowledge, &both)).expect("json");
        assert_eq!(decision["source"], "fallback");
        assert_eq!(
            decision["afterComplete"],
            json!({"unpack": false, "moveTo": "/srv/customers"})
        );
        let unpack = settings(json!({"unpackArchives": "all"}));
        let decision = serde_json::to_value(decide(&event, &knowledge, &unpack)).expect("json");
        assert_eq!(decision.get("afterComplete"), None, "{decision}");
        let off = settings(json!({"enabled": false, "destinationRoot": "/srv/customers"}));
        let decision = serde_json::to_value(decide(&event, &knowledge, &off)).expect("json");
        assert_eq!(decision, json!({"action": "pass", "reason": "disabled"}));
    }

    #[test]
    fn an_alias_key_matches_an_organization_by_name_or_by_folder_name() {
        let seen = ["ACME Corp.".to_owned(), "Globex".to_owned()];
        let keys = ["acme corp.", "ACME Corp", " globex ", "Initech"];
        assert_eq!(unmatched_aliases(keys, &seen), ["Initech"]);
        assert!(
            unmatched_aliases(["Initech"], &[]).is_empty(),
            "no organization seen yet: no warning"
        );
    }
}
