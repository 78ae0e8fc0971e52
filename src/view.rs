//! What the user sees of the router at a glance: the popup's view of the ticket in front,
//! the toolbar badge, and the organizations the options page offers for aliases.
//!
//! The popup follows the *front agent tab* (the shell finds it: the active tab of the
//! focused window when it is an agent tab, else the agent tab activated last) and shows
//! what the router knows of the ticket it shows — never another ticket's details or
//! folder. Download all runs only when it would do what it says: routing is on and the
//! ticket's details are loaded; otherwise the view says why not, in plain words.
//!
//! ```text
//! view(settings, knowledge, front ticket)
//!   no ticket page in front ...... "Open a Zendesk ticket…"            Download all off
//!   details loaded ............... #4711 · ACME Corp. → folder          Download all on
//!   details failed ............... "Ticket #4713 — details could not be loaded (HTTP 500)"
//!   details loading .............. "Ticket #4713 — loading details…"
//!   routing off .................. "Routing is off" (badge "off")       Download all off
//! ```

use crate::records::Records;
use crate::router::{preview, Decision};
use crate::settings::ValidSettings;
use crate::tickets::{Knowledge, Ticket, TicketRef};
use serde::Serialize;

/// The popup's view of the front agent tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// Whether routing is switched on.
    pub routing: bool,
    /// The ticket the front agent tab shows, if it shows one.
    pub front: Option<Front>,
    /// Whether Download all can run for it; when not, `reason` says why.
    pub download_all: DownloadAll,
}

/// The ticket in front and what is known of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Front {
    /// Which ticket.
    pub ticket: TicketRef,
    /// Its details, once loaded.
    pub details: Option<Ticket>,
    /// The one line to show when the details are not loaded:
    /// `Ticket #4713 — details could not be loaded (HTTP 500)`.
    pub headline: Option<String>,
    /// The folder its attachments go to (relative to Downloads, ending in `/`), when
    /// routing is on and the details are loaded.
    pub folder: Option<String>,
}

/// Whether Download all can run, and why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadAll {
    /// The button is enabled.
    pub enabled: bool,
    /// Why it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The popup's view for the ticket the front agent tab shows (`None`: no agent tab shows
/// a ticket).
pub fn view(
    settings: &ValidSettings,
    knowledge: &Knowledge,
    front: Option<&TicketRef>,
    now_ms: f64,
) -> View {
    let routing = settings.settings().enabled;
    let front = front.map(|key| {
        let details = knowledge.ticket(key, now_ms).cloned();
        let headline = match (&details, knowledge.failure(key, now_ms)) {
            (Some(_), _) => None,
            (None, Some(error)) => Some(format!(
                "Ticket #{} — details could not be loaded ({error})",
                key.id
            )),
            (None, None) => Some(format!("Ticket #{} — loading details…", key.id)),
        };
        let folder = details
            .as_ref()
            .and_then(|t| folder_of(settings, t, now_ms));
        Front {
            ticket: key.clone(),
            details,
            headline,
            folder,
        }
    });
    let reason = if !routing {
        Some("Routing is off: files would land unsorted in Downloads. Switch routing on to download into the ticket's folder.".to_owned())
    } else {
        match &front {
            None => Some("Open a Zendesk ticket to download all its attachments.".to_owned()),
            Some(Front {
                details: None,
                headline,
                ..
            }) => Some(format!(
                "{}: Download all needs the ticket's details.",
                headline.as_deref().unwrap_or_default()
            )),
            Some(_) => None,
        }
    };
    View {
        routing,
        front,
        download_all: DownloadAll {
            enabled: reason.is_none(),
            reason,
        },
    }
}

/// The folder a typical attachment of `ticket` goes to: the folder of the decision for a
/// file named `attachment` (a rule may send other names elsewhere), less a folder per
/// comment.
fn folder_of(settings: &ValidSettings, ticket: &Ticket, now_ms: f64) -> Option<String> {
    match preview(settings, ticket, "attachment", None, now_ms) {
        Decision::Route { path, .. } if path.dir().is_empty() => Some(String::new()),
        Decision::Route { path, .. } => Some(format!("{}/", path.dir())),
        _ => None,
    }
}

/// The organization names seen, in the records of downloads and in what is known of
/// tickets, sorted, each once: the alias editor offers them, and warns about an alias that
/// matches none.
pub fn organizations(records: &Records, knowledge: &Knowledge) -> Vec<String> {
    let mut names = records.organizations();
    names.extend(knowledge.organizations());
    names.sort_unstable();
    names.dedup();
    names
}

/// The toolbar badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Its text (empty: no badge).
    pub text: String,
    /// Its background colour (CSS).
    pub color: &'static str,
    /// The toolbar button's tooltip.
    pub title: String,
}

/// Neutral: files routed into their ticket folders.
const ROUTED_COLOR: &str = "#1f6f3a";
/// Warning: at least one file fell back.
const WARNING_COLOR: &str = "#b45309";
/// Routing is off.
const OFF_COLOR: &str = "#6b7280";

/// The badge for the customer files placed since the browser started: `routed` into
/// their ticket folders and `fell_back` into the fallback folder (sidecars and files a
/// rule left alone are not counted).
pub fn badge(routing: bool, routed: u32, fell_back: u32) -> Badge {
    if !routing {
        return Badge {
            text: "off".into(),
            color: OFF_COLOR,
            title: "zd-dl-router: routing is off — downloads are not sorted".into(),
        };
    }
    let total = routed + fell_back;
    let files = |n: u32| if n == 1 { "file" } else { "files" };
    let title = match (routed, fell_back) {
        (0, 0) => "zd-dl-router: no file routed since the browser started".to_owned(),
        (r, 0) => format!(
            "zd-dl-router: {r} {} routed since the browser started",
            files(r)
        ),
        (r, f) => format!("zd-dl-router: {r} routed, {f} fell back to the fallback folder"),
    };
    Badge {
        text: if total == 0 {
            String::new()
        } else {
            total.to_string()
        },
        color: if fell_back > 0 {
            WARNING_COLOR
        } else {
            ROUTED_COLOR
        },
        title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::Organization;
    use crate::zendesk::{Instance, TicketId};
    use serde_json::json;

    const NOW: f64 = 1_764_000_000_000.0;

    fn key(id: u64) -> TicketRef {
        TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(id),
        }
    }

    fn knowing(id: u64, org: &str) -> Knowledge {
        let mut k = Knowledge::default();
        k.observe_ticket(
            Ticket {
                instance: Instance::new("acme"),
                id: TicketId(id),
                organization: Some(Organization {
                    id: 9,
                    name: org.into(),
                }),
                subject: None,
                requester: None,
                status: None,
            },
            NOW,
        );
        k
    }

    fn settings(json: serde_json::Value) -> ValidSettings {
        ValidSettings::from_value(json).expect("valid settings")
    }

    #[test]
    fn a_loaded_ticket_shows_its_own_folder_and_allows_download_all() {
        let v = view(
            &ValidSettings::defaults(),
            &knowing(4711, "ACME Corp."),
            Some(&key(4711)),
            NOW,
        );
        let front = v.front.expect("front ticket");
        assert_eq!(front.folder.as_deref(), Some("zendesk/ACME Corp/4711/"));
        assert_eq!(front.headline, None);
        assert!(v.download_all.enabled);
    }

    #[test]
    fn the_folder_is_the_decisions_folder_whatever_the_template() {
        let s = settings(json!({"template": "{ticket_id}-{filename}"}));
        let v = view(&s, &knowing(4711, "ACME"), Some(&key(4711)), NOW);
        assert_eq!(v.front.and_then(|f| f.folder).as_deref(), Some("zendesk/"));
    }

    #[test]
    fn the_folder_of_a_ticket_with_a_folder_per_comment_is_the_tickets_own() {
        let per_comment = "{org}/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{filename}";
        let s = settings(json!({ "template": per_comment }));
        let v = view(&s, &knowing(4711, "ACME"), Some(&key(4711)), NOW);
        assert_eq!(
            v.front.and_then(|f| f.folder).as_deref(),
            Some("zendesk/ACME/4711/")
        );
    }

    #[test]
    fn a_ticket_whose_details_failed_says_why_and_disables_download_all() {
        let mut k = knowing(4711, "ACME");
        k.observe_failure(key(4713), "HTTP 500".into(), NOW);
        let v = view(&ValidSettings::defaults(), &k, Some(&key(4713)), NOW);
        let front = v.front.expect("front ticket");
        assert_eq!(
            front.headline.as_deref(),
            Some("Ticket #4713 — details could not be loaded (HTTP 500)")
        );
        assert_eq!(front.folder, None, "never another ticket's folder");
        assert!(!v.download_all.enabled);
        assert!(v
            .download_all
            .reason
            .is_some_and(|r| r.contains("could not be loaded (HTTP 500)")));
    }

    #[test]
    fn a_ticket_loaded_after_a_failure_is_shown_normally() {
        let mut k = Knowledge::default();
        k.observe_failure(key(4711), "HTTP 500".into(), NOW);
        let loaded = knowing(4711, "ACME");
        let ticket = loaded.ticket(&key(4711), NOW).cloned().expect("ticket");
        k.observe_ticket(ticket, NOW + 1.0);
        let v = view(&ValidSettings::defaults(), &k, Some(&key(4711)), NOW + 2.0);
        assert_eq!(v.front.and_then(|f| f.headline), None);
    }

    #[test]
    fn routing_off_disables_download_all_and_shows_no_folder() {
        let s = settings(json!({"enabled": false}));
        let v = view(&s, &knowing(4711, "ACME"), Some(&key(4711)), NOW);
        assert!(!v.routing);
        assert_eq!(v.front.and_then(|f| f.folder), None);
        assert!(!v.download_all.enabled);
        assert!(v
            .download_all
            .reason
            .is_some_and(|r| r.starts_with("Routing is off")));
    }

    #[test]
    fn no_ticket_in_front_says_to_open_one() {
        let v = view(&ValidSettings::defaults(), &Knowledge::default(), None, NOW);
        assert_eq!(v.front, None);
        assert!(!v.download_all.enabled);
    }

    #[test]
    fn the_badge_counts_files_and_warns_after_a_fallback() {
        assert_eq!(badge(true, 0, 0).text, "");
        let ok = badge(true, 3, 0);
        assert_eq!((ok.text.as_str(), ok.color), ("3", ROUTED_COLOR));
        let warn = badge(true, 3, 1);
        assert_eq!((warn.text.as_str(), warn.color), ("4", WARNING_COLOR));
        assert!(
            warn.title.contains("3 routed, 1 fell back"),
            "{}",
            warn.title
        );
        let off = badge(false, 3, 1);
        assert_eq!((off.text.as_str(), off.color), ("off", OFF_COLOR));
        assert!(off.title.contains("routing is off"));
    }

    #[test]
    fn organizations_are_those_of_records_and_tickets_each_once() {
        use crate::records::{FileRecord, Route, State};
        use crate::router::Source;
        let mut records = Records::default();
        for (id, org) in [(1, "Globex"), (2, "ACME Corp.")] {
            records.started(FileRecord {
                download_id: id,
                time_ms: 0.0,
                ticket: Some(key(id)),
                organization: Some(org.into()),
                attachment: None,
                url: None,
                route: Route::Routed {
                    requested: "zendesk/x/a.log".into(),
                    source: Source::TokenIndex,
                    note: None,
                },
                helper: Default::default(),
                state: State::InProgress,
            });
        }
        let mut knowledge = knowing(4711, "ACME Corp.");
        knowledge.observe_ticket(
            Ticket {
                instance: Instance::new("acme"),
                id: TicketId(9),
                organization: Some(Organization {
                    id: 3,
                    name: "Initech".into(),
                }),
                subject: None,
                requester: None,
                status: None,
            },
            NOW,
        );
        assert_eq!(
            organizations(&records, &knowledge),
            ["ACME Corp.", "Globex", "Initech"]
        );
        assert!(organizations(&Records::default(), &Knowledge::default()).is_empty());
    }
}
