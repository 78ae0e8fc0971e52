//! "Download all attachments of this ticket": what to fetch, what to skip, where each goes.
//!
//! The browser side lists the ticket's comments (all pages); the records say which
//! attachments are already saved into the ticket's folder (the same "saved" as the ✓
//! marks). This module turns that into a plan the shim only executes: each item carries
//! its [`Decision`], the very one a click on that attachment gets. Attachments flagged by
//! Zendesk's malware scan (or never scanned) are never downloaded without the user
//! confirming each one.

use crate::records::{AttachmentKey, Located, Records};
use crate::router::{preview, Decision};
use crate::sanitize::SafePath;
use crate::settings::{ConflictAction, Sidecar, ValidSettings};
use crate::tickets::{listed, Knowledge, Ticket, TicketRef};
use crate::zendesk::{ApiAttachment, CommentsResponse, Token};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

/// What to do with one attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Status {
    /// Download it.
    Download,
    /// Saved before and still on disk (skipped unless the user forces a new download).
    AlreadySaved,
    /// An inline image pasted into a comment (skipped when the setting says so).
    Inline,
    /// Zendesk's malware scan did not say clean: only with the user's confirmation.
    #[serde(rename_all = "camelCase")]
    NeedsConfirmation {
        /// `malware_found`, `failed_to_scan`, `not_scanned`, or `unknown`.
        scan_result: String,
    },
}

/// One attachment of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Zendesk attachment id (remembered once downloaded).
    pub attachment_id: u64,
    /// The token URL to download.
    pub url: String,
    /// The file name as uploaded.
    pub file_name: String,
    /// Size in bytes, if Zendesk said.
    pub size: Option<u64>,
    /// Where it goes (a route), or a rule's "leave alone".
    pub decision: Decision,
    /// The name to download it under: the routed path or, when a rule leaves it alone, the
    /// attachment's own name in Downloads itself (Firefox would name a download started
    /// without one after its URL: `download`).
    pub filename: SafePath,
    /// What the browser does when a file of that name exists.
    pub conflict_action: ConflictAction,
    /// What to do.
    #[serde(flatten)]
    pub status: Status,
}

/// Options of one "download all" run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Download again what was downloaded before.
    pub force: bool,
}

const CLEAN: &str = "malware_not_found";

/// Plans the download of every attachment in `pages` (each attachment once, in comment
/// order). `saved` holds the tokens of the attachments saved before and still on disk.
pub fn plan(
    settings: &ValidSettings,
    ticket: &Ticket,
    pages: &[CommentsResponse],
    saved: &[Token],
    options: Options,
    now_ms: f64,
) -> Vec<Item> {
    let mut seen = HashSet::new();
    pages
        .iter()
        .flat_map(listed)
        .filter(|(a, _)| seen.insert(a.id))
        .map(|(a, facts)| {
            let decision = preview(settings, ticket, &a.file_name, Some(&facts), now_ms);
            let filename = match &decision {
                Decision::Route { path, .. } => path.clone(),
                _ => SafePath::new::<&str>(&[], &a.file_name),
            };
            Item {
                attachment_id: a.id,
                url: a.content_url.clone(),
                file_name: a.file_name.clone(),
                size: a.size,
                decision,
                filename,
                conflict_action: settings.settings().conflict_action,
                status: status(settings, a, saved, options),
            }
        })
        .collect()
}

/// One Download all run: which ticket, its comment pages as read just now, and what the
/// browser found for [`Records::saved_candidates_of_ticket`] (which of the files saved
/// before are still there).
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The ticket.
    pub ticket: &'a TicketRef,
    /// All its comment pages.
    pub pages: &'a [CommentsResponse],
    /// The browser's answers about the ticket's saved files.
    pub found: &'a [Located],
    /// What the user asked for.
    pub options: Options,
}

/// The plan of one Download all run: every attachment, and the ticket-link file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Each attachment once, in comment order.
    pub items: Vec<Item>,
    /// The ticket-link file to write beside them, unless switched off.
    pub sidecar: Option<SidecarFile>,
}

/// Why Download all cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The ticket's details are not known (not loaded yet, expired, or they failed to
    /// load): without them no attachment has its folder.
    NotLoaded(TicketRef),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NotLoaded(ticket) => write!(
                f,
                "ticket {} is not loaded yet: its details are needed to know its folder",
                ticket.id
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Plans a Download all run of a ticket whose details are known: the items (attachments
/// saved before and still there are [`Status::AlreadySaved`]) and the sidecar file.
pub fn plan_run(
    settings: &ValidSettings,
    knowledge: &Knowledge,
    records: &Records,
    run: Run<'_>,
    now_ms: f64,
) -> Result<Plan, PlanError> {
    let ticket = knowledge
        .ticket(run.ticket, now_ms)
        .ok_or_else(|| PlanError::NotLoaded(run.ticket.clone()))?;
    let attachments: Vec<AttachmentKey> = attachments(run.pages)
        .filter_map(ApiAttachment::token)
        .map(|token| AttachmentKey {
            instance: run.ticket.instance.clone(),
            token,
        })
        .collect();
    let existing = records.existing(run.found);
    let saved: Vec<Token> = records
        .saved(&attachments, &existing)
        .into_iter()
        .map(|(a, _)| a.token)
        .collect();
    Ok(Plan {
        items: plan(settings, ticket, run.pages, &saved, run.options, now_ms),
        sidecar: sidecar(settings, ticket, records, now_ms),
    })
}

/// Every attachment of every comment, in order (an attachment may appear twice).
fn attachments(pages: &[CommentsResponse]) -> impl Iterator<Item = &ApiAttachment> {
    pages
        .iter()
        .flat_map(|p| &p.comments)
        .flat_map(|c| &c.attachments)
}

fn status(
    settings: &ValidSettings,
    a: &ApiAttachment,
    saved: &[Token],
    options: Options,
) -> Status {
    let scan = a.malware_scan_result.as_deref().unwrap_or("unknown");
    if a.token().is_some_and(|t| saved.contains(&t)) && !options.force {
        Status::AlreadySaved
    } else if a.inline && settings.settings().skip_inline_images {
        Status::Inline
    } else if scan != CLEAN {
        Status::NeedsConfirmation {
            scan_result: scan.to_owned(),
        }
    } else {
        Status::Download
    }
}

/// The file that leads from a ticket folder back to its ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarFile {
    /// Where it goes: the ticket's folder.
    pub path: SafePath,
    /// Its content.
    pub text: String,
    /// Its MIME type (Chromium renames a file whose type does not fit its extension).
    pub mime: &'static str,
    /// `overwrite` only when the file at `path` is a sidecar this extension wrote (a
    /// customer's own `ticket.html` is never replaced), else `uniquify`.
    pub conflict_action: ConflictAction,
}

/// The sidecar file (`ticket.html` or `TICKET.md`, per the settings), or `None` when
/// switched off.
pub fn sidecar(
    settings: &ValidSettings,
    ticket: &Ticket,
    records: &Records,
    now_ms: f64,
) -> Option<SidecarFile> {
    let (name, mime, text) = match settings.settings().sidecar {
        Sidecar::None => return None,
        Sidecar::Html => {
            let link = ticket.instance.ticket_page_url(ticket.id);
            let text = format!(
                "<!doctype html>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"0; url={link}\">\n\
                 <title>Zendesk ticket {id}</title>\n<a href=\"{link}\">Zendesk ticket {id}</a>\n",
                id = ticket.id
            );
            ("ticket.html", "text/html", text)
        }
        Sidecar::Markdown => {
            let line = |label: &str, v: Option<&str>| format!("- {label}: {}\n", v.unwrap_or("—"));
            let org = ticket.organization.as_ref().map(|o| o.name.as_str());
            let text = format!(
                "# Ticket {}: {}\n\n{}{}{}- Link: <{}>\n",
                ticket.id,
                ticket.subject.as_deref().unwrap_or("(no subject)"),
                line("Organization", org),
                line("Requester", ticket.requester.as_deref()),
                line("Status", ticket.status.as_deref()),
                ticket.instance.ticket_page_url(ticket.id)
            );
            ("TICKET.md", "text/markdown", text)
        }
    };
    // The sidecar sits in the ticket's folder: the folder of a routed file, less a folder
    // per comment.
    let Decision::Route { path, .. } = preview(settings, ticket, name, None, now_ms) else {
        return None;
    };
    let dirs: Vec<&str> = path.dir().split('/').filter(|d| !d.is_empty()).collect();
    let path = SafePath::new(&dirs, name);
    let conflict_action = if records.sidecar_may_replace(path.as_str()) {
        ConflictAction::Overwrite
    } else {
        ConflictAction::Uniquify
    };
    Some(SidecarFile {
        path,
        text,
        mime,
        conflict_action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{BrowserState, Observed, Started};
    use crate::router::DownloadEvent;
    use crate::tickets::Organization;
    use crate::zendesk::{Instance, TicketId};
    use serde_json::json;

    fn ticket() -> Ticket {
        Ticket {
            instance: Instance::new("acme"),
            id: TicketId(4711),
            organization: Some(Organization {
                id: 9,
                name: "ACME Corp.".into(),
            }),
            subject: Some("Logs".into()),
            requester: Some("Jane Doe".into()),
            status: Some("open".into()),
        }
    }

    fn attachment(id: u64, name: &str, inline: bool, scan: Option<&str>) -> serde_json::Value {
        json!({"id": id, "file_name": name, "inline": inline, "malware_scan_result": scan, "size": 10,
               "content_url": format!("https://acme.zendesk.com/attachments/token/T{id}/?name={name}")})
    }

    fn pages() -> Vec<CommentsResponse> {
        let page1 = json!({"comments": [
            {"id": 1, "attachments": [attachment(1, "a.log", false, Some(CLEAN)), attachment(2, "b.png", true, Some(CLEAN))]},
            {"id": 2, "attachments": [attachment(3, "evil.exe", false, Some("malware_found"))]}
        ], "next_page": "https://acme.zendesk.com/api/v2/tickets/4711/comments.json?page=2"});
        let page2 = json!({"comments": [
            {"id": 3, "attachments": [attachment(4, "c.log", false, None), attachment(1, "a.log", false, Some(CLEAN))]}
        ], "next_page": null});
        vec![
            serde_json::from_value(page1).expect("page 1"),
            serde_json::from_value(page2).expect("page 2"),
        ]
    }

    fn routed_path(item: &Item) -> Option<&str> {
        match &item.decision {
            Decision::Route { path, .. } => Some(path.as_str()),
            _ => None,
        }
    }

    fn statuses(items: &[Item]) -> Vec<(u64, Status)> {
        items
            .iter()
            .map(|i| (i.attachment_id, i.status.clone()))
            .collect()
    }

    #[test]
    fn plans_each_attachment_once_with_its_routed_path() {
        let items = plan(
            &ValidSettings::defaults(),
            &ticket(),
            &pages(),
            &[],
            Options::default(),
            0.0,
        );
        assert_eq!(items.len(), 4);
        assert_eq!(routed_path(&items[0]), Some("zendesk/ACME Corp/4711/a.log"));
        let unsafe_scan = |s: &str| Status::NeedsConfirmation {
            scan_result: s.into(),
        };
        assert_eq!(
            statuses(&items),
            [
                (1, Status::Download),
                (2, Status::Inline),
                (3, unsafe_scan("malware_found")),
                (4, unsafe_scan("unknown")),
            ]
        );
    }

    #[test]
    fn an_attachment_a_rule_leaves_alone_keeps_its_own_name_in_downloads() {
        let s = ValidSettings::from_value(
            json!({"rules": [{"extensions": ["log"], "leaveAlone": true}]}),
        )
        .expect("valid");
        let items = plan(&s, &ticket(), &pages(), &[], Options::default(), 0.0);
        assert!(matches!(items[0].decision, Decision::Pass { .. }));
        assert_eq!(items[0].filename.as_str(), "a.log");
        assert_eq!(items[1].filename.as_str(), "zendesk/ACME Corp/4711/b.png");
    }

    #[test]
    fn skips_what_is_saved_unless_forced() {
        let done = [Token::parse("T1").expect("token")];
        let s = ValidSettings::defaults();
        let items = plan(&s, &ticket(), &pages(), &done, Options::default(), 0.0);
        assert_eq!(items[0].status, Status::AlreadySaved);
        let forced = plan(&s, &ticket(), &pages(), &done, Options { force: true }, 0.0);
        assert_eq!(forced[0].status, Status::Download);
    }

    #[test]
    fn inline_images_are_kept_when_the_setting_says_so() {
        let s = ValidSettings::from_value(json!({"skipInlineImages": false})).expect("valid");
        let items = plan(&s, &ticket(), &pages(), &[], Options::default(), 0.0);
        assert_eq!(items[1].status, Status::Download);
    }

    #[test]
    fn the_sidecar_sits_in_the_ticket_folder_and_links_back() {
        let none = Records::default();
        let SidecarFile {
            path, text, mime, ..
        } = sidecar(&ValidSettings::defaults(), &ticket(), &none, 0.0).expect("default on");
        assert_eq!(mime, "text/html");
        assert_eq!(path.as_str(), "zendesk/ACME Corp/4711/ticket.html");
        assert!(
            text.contains(r#"url=https://acme.zendesk.com/agent/tickets/4711">"#),
            "{text}"
        );

        let md = ValidSettings::from_value(json!({"sidecar": "markdown"})).expect("valid");
        let SidecarFile { path, text, .. } = sidecar(&md, &ticket(), &none, 0.0).expect("markdown");
        assert_eq!(path.as_str(), "zendesk/ACME Corp/4711/TICKET.md");
        assert!(text.starts_with("# Ticket 4711: Logs\n"), "{text}");
        assert!(text.contains("- Organization: ACME Corp.\n"), "{text}");

        let off = ValidSettings::from_value(json!({"sidecar": "none"})).expect("valid");
        assert_eq!(sidecar(&off, &ticket(), &none, 0.0), None);
    }

    #[test]
    fn host_mapped_tickets_link_to_their_own_domain() {
        let mut t = ticket();
        t.instance = Instance::new("support.example.com");
        assert_eq!(
            t.instance.ticket_page_url(t.id),
            "https://support.example.com/agent/tickets/4711"
        );
    }

    fn key() -> TicketRef {
        TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(4711),
        }
    }

    fn knowing_ticket() -> Knowledge {
        let mut k = Knowledge::default();
        k.observe_ticket(ticket(), 0.0);
        k
    }

    fn run<'a>(
        ticket: &'a TicketRef,
        pages: &'a [CommentsResponse],
        found: &'a [Located],
        force: bool,
    ) -> Run<'a> {
        Run {
            ticket,
            pages,
            found,
            options: Options { force },
        }
    }

    #[test]
    fn a_ticket_whose_details_are_unknown_cannot_be_planned() {
        let err = plan_run(
            &ValidSettings::defaults(),
            &Knowledge::default(),
            &Records::default(),
            run(&key(), &pages(), &[], false),
            0.0,
        )
        .expect_err("not loaded");
        assert_eq!(err, PlanError::NotLoaded(key()));
        assert!(
            err.to_string().starts_with("ticket 4711 is not loaded yet"),
            "{err}"
        );
    }

    #[test]
    fn an_item_started_as_planned_is_already_saved_in_the_next_run() {
        let s = ValidSettings::from_value(json!({"conflictAction": "overwrite"})).expect("valid");
        let knowledge = knowing_ticket();
        let k = key();
        let mut records = Records::default();
        let pages = pages();
        let first =
            plan_run(&s, &knowledge, &records, run(&k, &pages, &[], false), 0.0).expect("plan");
        assert_eq!(first.items.len(), 4);
        assert_eq!(first.items[0].conflict_action, ConflictAction::Overwrite);
        let sidecar = first.sidecar.expect("ticket.html by default");
        assert_eq!(sidecar.path.as_str(), "zendesk/ACME Corp/4711/ticket.html");

        // The shell starts item 0 exactly as planned and records it with its decision.
        let item = &first.items[0];
        let event = DownloadEvent {
            url: item.url.clone(),
            ..Default::default()
        };
        let decision = Started::from(&item.decision);
        records.download_started(21, &event, &decision, &[], 0.0);
        let on_disk = "/home/u/Downloads/zendesk/ACME Corp/4711/a.log";
        records.observe(
            21,
            &Observed {
                start_ms: None,
                state: BrowserState::Complete {
                    filename: on_disk.into(),
                    bytes: Some(10),
                },
            },
        );
        let candidates = records.saved_candidates_of_ticket(&key());
        assert_eq!(candidates.len(), 1);
        let found = [Located {
            key: candidates[0].key,
            id: 21,
            filename: on_disk.into(),
            exists: true,
            state: "complete".into(),
        }];

        let next = plan_run(
            &s,
            &knowledge,
            &records,
            run(&k, &pages, &found, false),
            0.0,
        )
        .expect("plan");
        assert_eq!(next.items[0].status, Status::AlreadySaved);
        assert_eq!(next.items[1].status, Status::Inline, "the others as before");
        let forced =
            plan_run(&s, &knowledge, &records, run(&k, &pages, &found, true), 0.0).expect("plan");
        assert_eq!(forced.items[0].status, Status::Download);
        let gone = [Located {
            exists: false,
            ..found[0].clone()
        }];
        let after =
            plan_run(&s, &knowledge, &records, run(&k, &pages, &gone, false), 0.0).expect("plan");
        assert_eq!(after.items[0].status, Status::Download, "deleted since");
    }
}
