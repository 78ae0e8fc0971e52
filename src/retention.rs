//! Retention: which routed customer files are due for deletion.
//!
//! Customer attachments are the most sensitive data a support engineer holds, and support
//! handbooks ask for them to be deleted soon after the ticket is solved. Two policies,
//! both off by default and combinable (a file is due when either says so):
//!
//! - *N days after download*;
//! - *N days after the ticket was solved or closed*: the ticket's status is read from the
//!   API when the clean-up runs, and Zendesk's `updated_at` of a solved/closed ticket is
//!   taken as when it was solved (solved tickets change rarely; a later update only delays
//!   deletion, never hastens it). A ticket whose status cannot be read is kept and reported.
//!
//! - *Redacted or deleted in Zendesk* (on by default): the ticket's comments are walked when
//!   the clean-up runs, and a routed attachment Zendesk redacted or deleted since is due at
//!   once ([`crate::redaction`]). A ticket whose comments cannot be read is kept and reported.
//!
//! Only files this extension's records hold are ever considered ([`crate::records`]), and
//! every one of them until it is deleted, found gone, or removed from the list by the user.

use crate::calendar;
use crate::records::{FileRecord, RecordKey};
use crate::redaction::{self, CommentsAnswer, Listing};
use crate::tickets::TicketRef;
use crate::zendesk::TicketResponse;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

const DAY_MS: f64 = 86_400_000.0;

/// The retention policy (from the settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Delete this many days after the download.
    pub after_download_days: Option<u32>,
    /// Delete this many days after the ticket was solved or closed.
    pub after_solved_days: Option<u32>,
    /// Delete attachments Zendesk redacted or deleted since.
    pub delete_redacted: bool,
}

/// A ticket's status as read for the clean-up.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketStatus {
    /// `open`, `solved`, `closed`, …
    pub status: String,
    /// Last update (ms since the Unix epoch), if Zendesk said.
    pub updated_ms: Option<f64>,
}

impl TicketStatus {
    /// From `/api/v2/tickets/{id}.json`.
    pub fn from_api(response: &TicketResponse) -> Result<TicketStatus, StatusError> {
        Ok(TicketStatus {
            status: response
                .ticket
                .status
                .clone()
                .ok_or(StatusError::NoStatus)?,
            updated_ms: response
                .ticket
                .updated_at
                .as_deref()
                .and_then(calendar::parse_rfc3339),
        })
    }

    /// What the browser side's attempt to read a ticket gave: the tickets API's answer,
    /// or the error it met instead.
    pub fn from_answer(
        response: Option<&TicketResponse>,
        error: Option<String>,
    ) -> Result<TicketStatus, StatusError> {
        match (response, error) {
            (Some(response), _) => TicketStatus::from_api(response),
            (None, Some(reason)) => Err(StatusError::Unreadable(reason)),
            (None, None) => Err(StatusError::NoAnswer),
        }
    }

    fn solved(&self) -> bool {
        matches!(self.status.as_str(), "solved" | "closed")
    }
}

/// Why a ticket's status is not known to the clean-up (the ticket's files are then kept,
/// and the reason shown: "status of ticket 4711 could not be read: HTTP 500").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusError {
    /// Reading the ticket failed; what the browser side met (HTTP status, signed out, no
    /// agent tab open).
    Unreadable(String),
    /// The tickets API answered without a `status`.
    NoStatus,
    /// Neither an answer nor an error came back for the ticket.
    NoAnswer,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusError::Unreadable(reason) => f.write_str(reason),
            StatusError::NoStatus => f.write_str("Zendesk's answer has no status"),
            StatusError::NoAnswer => f.write_str("neither an answer nor an error came back"),
        }
    }
}

impl std::error::Error for StatusError {}

/// What the clean-up does with one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum Verdict {
    /// Due: delete it.
    #[serde(rename_all = "camelCase")]
    Delete {
        /// Why, for the confirmation list and the summary notification.
        reason: String,
    },
    /// Not due.
    Keep,
    /// The ticket's status could not be read: kept, and reported.
    #[serde(rename_all = "camelCase")]
    KeepUnknown {
        /// What went wrong reading the status.
        reason: String,
    },
}

/// One reviewed file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// The record.
    pub key: RecordKey,
    /// The browser's download id (when it was recorded).
    pub download_id: u64,
    /// Its real path (relative to Downloads when routed).
    pub path: String,
    /// Where the local helper moved it (absolute), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<String>,
    /// When it was downloaded.
    pub time_ms: f64,
    /// Its ticket, when known.
    pub ticket: Option<TicketRef>,
    /// Age in whole days.
    pub age_days: u32,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The tickets whose status the clean-up must read (only with the after-solved policy).
pub fn tickets_to_check(files: &[&FileRecord], policy: Policy) -> Vec<TicketRef> {
    if policy.after_solved_days.is_none() {
        return Vec::new();
    }
    let mut tickets: Vec<TicketRef> = files.iter().filter_map(|f| f.ticket.clone()).collect();
    tickets.sort_by(|a, b| (&a.instance, a.id).cmp(&(&b.instance, b.id)));
    tickets.dedup();
    tickets
}

/// What the clean-up must read through the agent tabs, by the message that reads it: the
/// tickets whose status (`status`) and whose comments (`comments`) decide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reads {
    /// Tickets whose status the after-solved policy needs.
    pub status: Vec<TicketRef>,
    /// Tickets whose comments tell whether their attachments were redacted or deleted.
    pub comments: Vec<TicketRef>,
}

/// What the clean-up must read for `files` under `policy`.
pub fn reads(files: &[&FileRecord], policy: Policy) -> Reads {
    Reads {
        status: tickets_to_check(files, policy),
        comments: redaction::tickets_to_walk(files, policy.delete_redacted),
    }
}

/// What reading each ticket's status gave.
pub type Statuses = HashMap<TicketRef, Result<TicketStatus, StatusError>>;
/// What walking each ticket's comments gave.
pub type Listings = HashMap<TicketRef, Result<Listing, String>>;

/// Reviews every file. `statuses` and `listings` hold what reading each ticket gave;
/// tickets missing from them count as unreadable.
pub fn review(
    files: &[&FileRecord],
    statuses: &Statuses,
    listings: &Listings,
    policy: Policy,
    now_ms: f64,
) -> Vec<Review> {
    files
        .iter()
        .map(|file| {
            let age_ms = (now_ms - file.time_ms).max(0.0);
            Review {
                key: file.key(),
                download_id: file.download_id,
                path: file.path().unwrap_or_default().to_owned(),
                moved: file.helper.moved_to().map(str::to_owned),
                time_ms: file.time_ms,
                ticket: file.ticket.clone(),
                age_days: (age_ms / DAY_MS) as u32,
                verdict: verdict(file, age_ms, statuses, listings, policy, now_ms),
            }
        })
        .collect()
}

/// A redacted or deleted attachment is due first (its reason says the most); a file whose
/// ticket's comments could not be read is kept and reported unless a period makes it due.
fn verdict(
    file: &FileRecord,
    age_ms: f64,
    statuses: &Statuses,
    listings: &Listings,
    policy: Policy,
    now_ms: f64,
) -> Verdict {
    let unchecked = match redacted(file, listings, policy) {
        Ok(Some(reason)) => return Verdict::Delete { reason },
        Ok(None) => None,
        Err(reason) => Some(reason),
    };
    match dated_verdict(file, age_ms, statuses, policy, now_ms) {
        Verdict::Keep => unchecked.map_or(Verdict::Keep, |reason| Verdict::KeepUnknown { reason }),
        other => other,
    }
}

/// Why `file`'s attachment is due as redacted or deleted (`Ok(None)`: it is not, or the
/// policy does not ask), or why that could not be checked.
fn redacted(
    file: &FileRecord,
    listings: &Listings,
    policy: Policy,
) -> Result<Option<String>, String> {
    let (true, Some(ticket), Some(_)) = (policy.delete_redacted, &file.ticket, &file.attachment)
    else {
        return Ok(None);
    };
    match listings.get(ticket) {
        Some(Ok(listing)) => Ok(listing
            .gone(file)
            .map(|g| format!("ticket {}: {g}", ticket.id))),
        Some(Err(e)) => Err(format!(
            "attachments of ticket {} could not be checked: {e}",
            ticket.id
        )),
        None => Ok(None), // not walked: no agent tab of its instance open
    }
}

fn dated_verdict(
    file: &FileRecord,
    age_ms: f64,
    statuses: &Statuses,
    policy: Policy,
    now_ms: f64,
) -> Verdict {
    if let Some(days) = policy.after_download_days {
        if age_ms >= f64::from(days) * DAY_MS {
            return Verdict::Delete {
                reason: format!("downloaded more than {} ago", days_text(days)),
            };
        }
    }
    let Some(days) = policy.after_solved_days else {
        return Verdict::Keep;
    };
    let Some(ticket) = &file.ticket else {
        return Verdict::Keep;
    };
    match statuses.get(ticket) {
        None => Verdict::KeepUnknown {
            reason: format!("status of ticket {} was not read", ticket.id),
        },
        Some(Err(e)) => Verdict::KeepUnknown {
            reason: format!("status of ticket {} could not be read: {e}", ticket.id),
        },
        Some(Ok(s)) if s.solved() => match s.updated_ms {
            Some(solved) if now_ms - solved >= f64::from(days) * DAY_MS => Verdict::Delete {
                reason: format!(
                    "ticket {} {} more than {} ago",
                    ticket.id,
                    s.status,
                    days_text(days)
                ),
            },
            Some(_) => Verdict::Keep,
            None => Verdict::KeepUnknown {
                reason: format!(
                    "ticket {} is {} but Zendesk gave no date",
                    ticket.id, s.status
                ),
            },
        },
        Some(Ok(_)) => Verdict::Keep,
    }
}

/// "1 day", "2 days".
fn days_text(n: u32) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// What the browser side got when it read one ticket for the clean-up
/// (`{ticket, response?, error?}`): the tickets API's answer, or the error it met instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusAnswer {
    /// The ticket read.
    pub ticket: TicketRef,
    /// `/api/v2/tickets/{id}.json`, when it answered.
    #[serde(default)]
    pub response: Option<TicketResponse>,
    /// What went wrong, when it did not (`HTTP 500`, signed out, no agent tab open).
    #[serde(default)]
    pub error: Option<String>,
}

/// Reviews every file given the `answers` of reading their tickets' status and the
/// `comments` of walking their comments (those of [`reads`]); a ticket without an answer
/// counts as unreadable.
pub fn review_answers(
    files: &[&FileRecord],
    answers: Vec<StatusAnswer>,
    comments: Vec<CommentsAnswer>,
    policy: Policy,
    now_ms: f64,
) -> Vec<Review> {
    let statuses = answers
        .into_iter()
        .map(|a| {
            let status = TicketStatus::from_answer(a.response.as_ref(), a.error);
            (a.ticket, status)
        })
        .collect();
    let listings = comments
        .into_iter()
        .filter_map(CommentsAnswer::listing)
        .collect();
    review(files, &statuses, &listings, policy, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Route, State};
    use crate::router::Source;
    use crate::zendesk::{Instance, TicketId};

    const NOW: f64 = 100.0 * DAY_MS;

    fn key(id: u64) -> TicketRef {
        TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(id),
        }
    }

    fn file(id: u64, days_ago: f64, ticket: Option<u64>) -> FileRecord {
        let path = format!("zendesk/ACME/{id}/f.log");
        FileRecord {
            download_id: id,
            time_ms: NOW - days_ago * DAY_MS,
            ticket: ticket.map(key),
            organization: None,
            attachment: None,
            url: None,
            route: Route::Routed {
                requested: path.clone(),
                source: Source::TokenIndex,
                note: None,
            },
            helper: Default::default(),
            state: State::Complete {
                path,
                absolute: None,
                bytes: None,
            },
        }
    }

    fn refs(files: &[FileRecord]) -> Vec<&FileRecord> {
        files.iter().collect()
    }

    /// Reviews `files` given `statuses`, no comments read.
    fn review_with(files: &[FileRecord], statuses: &Statuses, policy: Policy) -> Vec<Review> {
        review(&refs(files), statuses, &HashMap::new(), policy, NOW)
    }

    fn status(s: &str, days_ago: f64) -> Result<TicketStatus, StatusError> {
        Ok(TicketStatus {
            status: s.into(),
            updated_ms: Some(NOW - days_ago * DAY_MS),
        })
    }

    fn verdicts(reviews: &[Review]) -> Vec<(u64, &str)> {
        reviews
            .iter()
            .map(|r| {
                let v = match r.verdict {
                    Verdict::Delete { .. } => "delete",
                    Verdict::Keep => "keep",
                    Verdict::KeepUnknown { .. } => "unknown",
                };
                (r.download_id, v)
            })
            .collect()
    }

    #[test]
    fn nothing_is_due_without_a_policy() {
        let files = [file(1, 400.0, Some(1))];
        let r = review_with(&files, &HashMap::new(), Policy::default());
        assert_eq!(verdicts(&r), [(1, "keep")]);
        assert!(tickets_to_check(&refs(&files), Policy::default()).is_empty());
    }

    #[test]
    fn after_download_deletes_exactly_the_old_files() {
        let policy = Policy {
            after_download_days: Some(30),
            ..Policy::default()
        };
        let files = [
            file(1, 31.0, None),
            file(2, 30.0, None),
            file(3, 29.9, None),
        ];
        let r = review_with(&files, &HashMap::new(), policy);
        assert_eq!(verdicts(&r), [(1, "delete"), (2, "delete"), (3, "keep")]);
        assert_eq!(r[0].age_days, 31);
    }

    #[test]
    fn after_solved_reads_the_status_and_keeps_unreadable_tickets() {
        let policy = Policy {
            after_solved_days: Some(7),
            ..Policy::default()
        };
        let files = [
            file(1, 50.0, Some(1)),
            file(2, 50.0, Some(2)),
            file(3, 50.0, Some(3)),
            file(4, 50.0, Some(4)),
            file(5, 50.0, Some(5)),
            file(6, 50.0, None),
        ];
        let statuses = HashMap::from([
            (key(1), status("solved", 8.0)),
            (key(2), status("closed", 6.0)),
            (key(3), status("open", 60.0)),
            (key(4), Err(StatusError::Unreadable("HTTP 500".into()))),
        ]);
        let r = review_with(&files, &statuses, policy);
        assert_eq!(
            verdicts(&r),
            [
                (1, "delete"),
                (2, "keep"),
                (3, "keep"),
                (4, "unknown"),
                (5, "unknown"),
                (6, "keep")
            ]
        );
        assert_eq!(tickets_to_check(&refs(&files), policy).len(), 5);
    }

    #[test]
    fn the_policies_combine() {
        let policy = Policy {
            after_download_days: Some(90),
            after_solved_days: Some(7),
            delete_redacted: false,
        };
        let statuses = HashMap::from([(key(1), status("open", 1.0))]);
        let r = review_with(&[file(1, 91.0, Some(1))], &statuses, policy);
        assert_eq!(verdicts(&r), [(1, "delete")]);
    }

    #[test]
    fn reasons_say_1_day_but_2_days() {
        let download = |days| Policy {
            after_download_days: Some(days),
            ..Policy::default()
        };
        let solved = |days| Policy {
            after_solved_days: Some(days),
            ..Policy::default()
        };
        let statuses = HashMap::from([(key(1), status("solved", 3.0))]);
        let cases = [
            (download(1), "downloaded more than 1 day ago"),
            (download(2), "downloaded more than 2 days ago"),
            (solved(1), "ticket 1 solved more than 1 day ago"),
            (solved(2), "ticket 1 solved more than 2 days ago"),
        ];
        for (policy, want) in cases {
            let r = review_with(&[file(1, 3.0, Some(1))], &statuses, policy);
            let reason = want.to_owned();
            assert_eq!(r[0].verdict, Verdict::Delete { reason }, "{policy:?}");
        }
    }

    #[test]
    fn a_ticket_whose_status_is_not_known_is_kept_saying_why() {
        let policy = Policy {
            after_solved_days: Some(7),
            ..Policy::default()
        };
        let answer = |json: &str| -> TicketResponse { serde_json::from_str(json).expect("json") };
        let solved =
            answer(r#"{"ticket":{"id":1,"status":"solved","updated_at":"2026-01-01T00:00:00Z"}}"#);
        let no_status = answer(r#"{"ticket":{"id":2}}"#);
        let statuses = HashMap::from([
            (key(1), TicketStatus::from_answer(Some(&solved), None)),
            (key(2), TicketStatus::from_answer(Some(&no_status), None)),
            (
                key(3),
                TicketStatus::from_answer(None, Some("HTTP 401".into())),
            ),
            (key(4), TicketStatus::from_answer(None, None)),
        ]);
        assert_eq!(
            statuses[&key(1)],
            Ok(TicketStatus {
                status: "solved".into(),
                updated_ms: Some(1_767_225_600_000.0),
            })
        );
        let files = [1, 2, 3, 4, 5].map(|id| file(id, 50.0, Some(id)));
        let reasons: Vec<String> = review_with(&files, &statuses, policy)
            .into_iter()
            .skip(1)
            .map(|r| match r.verdict {
                Verdict::KeepUnknown { reason } => reason,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "status of ticket 2 could not be read: Zendesk's answer has no status",
                "status of ticket 3 could not be read: HTTP 401",
                "status of ticket 4 could not be read: neither an answer nor an error came back",
                "status of ticket 5 was not read",
            ]
        );
    }

    #[test]
    fn a_file_the_local_helper_moved_is_reviewed_with_where_it_is() {
        let mut moved = file(1, 10.0, Some(1));
        moved.helper.done = serde_json::from_value(serde_json::json!(
            {"state": "moved", "path": "/srv/customers/ACME/1/f.log"}
        ))
        .expect("stored helper result");
        let policy = Policy {
            after_download_days: Some(7),
            ..Policy::default()
        };
        let reviews = review_with(&[moved, file(2, 10.0, Some(2))], &HashMap::new(), policy);
        let shown = serde_json::to_value(&reviews).expect("json");
        assert_eq!(shown[0]["moved"], "/srv/customers/ACME/1/f.log");
        assert_eq!(shown[0]["verdict"], "delete", "due all the same");
        assert_eq!(shown[1].get("moved"), None);
    }

    #[test]
    fn answers_of_the_browser_side_decide_each_files_verdict() {
        let files: Vec<FileRecord> = (1..=5).map(|t| file(t, 100.0, Some(t))).collect();
        let answers: Vec<StatusAnswer> = serde_json::from_value(serde_json::json!([
            {"ticket": {"instance": "acme", "id": 1},
             "response": {"ticket": {"id": 1, "status": "solved", "updated_at": "1970-01-02T00:00:00Z"}}},
            {"ticket": {"instance": "acme", "id": 2}, "error": "HTTP 500"},
            {"ticket": {"instance": "acme", "id": 3}, "response": {"ticket": {"id": 3}}},
            {"ticket": {"instance": "acme", "id": 4}}
        ]))
        .expect("answers as the clean-up sends them");
        let policy = Policy {
            after_solved_days: Some(7),
            ..Policy::default()
        };
        let now = 30.0 * DAY_MS;
        let reviews = review_answers(
            &files.iter().collect::<Vec<_>>(),
            answers,
            Vec::new(),
            policy,
            now,
        );
        let verdicts: Vec<String> = reviews
            .iter()
            .map(|r| match &r.verdict {
                Verdict::Delete { .. } => "delete".to_owned(),
                Verdict::Keep => "keep".to_owned(),
                Verdict::KeepUnknown { reason } => format!("unknown: {reason}"),
            })
            .collect();
        assert_eq!(verdicts[0], "delete");
        assert!(verdicts[1].contains("HTTP 500"), "{verdicts:?}");
        assert!(
            verdicts[2].starts_with("unknown: "),
            "no status: {verdicts:?}"
        );
        assert!(
            verdicts[3].starts_with("unknown: "),
            "no answer: {verdicts:?}"
        );
        assert!(
            verdicts[4].contains("was not read"),
            "not asked: {verdicts:?}"
        );
    }
}
