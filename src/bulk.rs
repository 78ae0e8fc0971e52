//! "Download all attachments of this ticket": what to fetch, what to skip, where each goes.
//!
//! The browser side lists the ticket's comments (all pages) and remembers which
//! attachment ids it already saved into the ticket's folder; this module turns that into a
//! plan the shim only executes. Attachments flagged by Zendesk's malware scan (or never
//! scanned) are never downloaded without the user confirming each one.

use crate::router::{preview, Decision};
use crate::sanitize::SafePath;
use crate::settings::{Sidecar, ValidSettings};
use crate::tickets::Ticket;
use crate::zendesk::{ApiAttachment, CommentsResponse};
use serde::Serialize;
use std::collections::HashSet;

/// What to do with one attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Status {
    /// Download it.
    Download,
    /// Saved before (skipped unless the user forces a new download).
    AlreadyDownloaded,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Where it goes; `None` when a rule leaves it alone (the browser names it).
    pub path: Option<SafePath>,
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
/// order). `downloaded` holds the attachment ids saved before.
pub fn plan(
    settings: &ValidSettings,
    ticket: &Ticket,
    pages: &[CommentsResponse],
    downloaded: &HashSet<u64>,
    options: Options,
    now_ms: f64,
) -> Vec<Item> {
    let mut seen = HashSet::new();
    pages
        .iter()
        .flat_map(|p| &p.comments)
        .flat_map(|c| &c.attachments)
        .filter(|a| seen.insert(a.id))
        .map(|a| Item {
            attachment_id: a.id,
            url: a.content_url.clone(),
            file_name: a.file_name.clone(),
            size: a.size,
            path: match preview(settings, ticket, &a.file_name, now_ms) {
                Decision::Route { path, .. } => Some(path),
                _ => None,
            },
            status: status(settings, a, downloaded, options),
        })
        .collect()
}

fn status(
    settings: &ValidSettings,
    a: &ApiAttachment,
    downloaded: &HashSet<u64>,
    options: Options,
) -> Status {
    let scan = a.malware_scan_result.as_deref().unwrap_or("unknown");
    if downloaded.contains(&a.id) && !options.force {
        Status::AlreadyDownloaded
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
pub struct SidecarFile {
    /// Where it goes: the ticket's folder.
    pub path: SafePath,
    /// Its content.
    pub text: String,
    /// Its MIME type (Chromium renames a file whose type does not fit its extension).
    pub mime: &'static str,
}

/// The sidecar file (`ticket.html` or `TICKET.md`, per the settings), or `None` when
/// switched off.
pub fn sidecar(settings: &ValidSettings, ticket: &Ticket, now_ms: f64) -> Option<SidecarFile> {
    let (name, mime, text) = match settings.settings().sidecar {
        Sidecar::None => return None,
        Sidecar::Html => {
            let link = ticket_link(ticket);
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
                ticket_link(ticket)
            );
            ("TICKET.md", "text/markdown", text)
        }
    };
    // The sidecar sits next to the ticket's attachments: same folder as a routed file.
    let Decision::Route { path, .. } = preview(settings, ticket, name, now_ms) else {
        return None;
    };
    let dirs: Vec<&str> = path.dir().split('/').filter(|d| !d.is_empty()).collect();
    Some(SidecarFile {
        path: SafePath::new(&dirs, name),
        text,
        mime,
    })
}

/// The agent URL of a ticket: `https://<sub>.zendesk.com/…` or the host-mapped domain.
pub fn ticket_link(ticket: &Ticket) -> String {
    let instance = ticket.instance.as_str();
    let host = if instance.contains('.') {
        instance.to_owned()
    } else {
        format!("{instance}.zendesk.com")
    };
    format!("https://{host}/agent/tickets/{}", ticket.id)
}

#[cfg(test)]
mod tests {
    use super::*;
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
            &HashSet::new(),
            Options::default(),
            0.0,
        );
        assert_eq!(items.len(), 4);
        assert_eq!(
            items[0].path.as_ref().map(SafePath::as_str),
            Some("zendesk/ACME Corp/4711/a.log")
        );
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
    fn skips_what_was_downloaded_unless_forced() {
        let done = HashSet::from([1]);
        let s = ValidSettings::defaults();
        let items = plan(&s, &ticket(), &pages(), &done, Options::default(), 0.0);
        assert_eq!(items[0].status, Status::AlreadyDownloaded);
        let forced = plan(&s, &ticket(), &pages(), &done, Options { force: true }, 0.0);
        assert_eq!(forced[0].status, Status::Download);
    }

    #[test]
    fn inline_images_are_kept_when_the_setting_says_so() {
        let s = ValidSettings::from_value(json!({"skipInlineImages": false})).expect("valid");
        let items = plan(
            &s,
            &ticket(),
            &pages(),
            &HashSet::new(),
            Options::default(),
            0.0,
        );
        assert_eq!(items[1].status, Status::Download);
    }

    #[test]
    fn the_sidecar_sits_in_the_ticket_folder_and_links_back() {
        let SidecarFile { path, text, mime } =
            sidecar(&ValidSettings::defaults(), &ticket(), 0.0).expect("default on");
        assert_eq!(mime, "text/html");
        assert_eq!(path.as_str(), "zendesk/ACME Corp/4711/ticket.html");
        assert!(
            text.contains(r#"url=https://acme.zendesk.com/agent/tickets/4711">"#),
            "{text}"
        );

        let md = ValidSettings::from_value(json!({"sidecar": "markdown"})).expect("valid");
        let SidecarFile { path, text, .. } = sidecar(&md, &ticket(), 0.0).expect("markdown");
        assert_eq!(path.as_str(), "zendesk/ACME Corp/4711/TICKET.md");
        assert!(text.starts_with("# Ticket 4711: Logs\n"), "{text}");
        assert!(text.contains("- Organization: ACME Corp.\n"), "{text}");

        let off = ValidSettings::from_value(json!({"sidecar": "none"})).expect("valid");
        assert_eq!(sidecar(&off, &ticket(), 0.0), None);
    }

    #[test]
    fn host_mapped_tickets_link_to_their_own_domain() {
        let mut t = ticket();
        t.instance = Instance::new("support.example.com");
        assert_eq!(
            ticket_link(&t),
            "https://support.example.com/agent/tickets/4711"
        );
    }
}
