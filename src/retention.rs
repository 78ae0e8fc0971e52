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
//! Only files this extension's records hold are ever considered ([`crate::records`]), and
//! every one of them until it is deleted, found gone, or removed from the list by the user.

use crate::records::{FileRecord, RecordKey};
use crate::tickets::TicketRef;
use crate::zendesk::TicketResponse;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const DAY_MS: f64 = 86_400_000.0;

/// The retention policy (from the settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Delete this many days after the download.
    pub after_download_days: Option<u32>,
    /// Delete this many days after the ticket was solved or closed.
    pub after_solved_days: Option<u32>,
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
    pub fn from_api(response: &TicketResponse) -> Option<TicketStatus> {
        Some(TicketStatus {
            status: response.ticket.status.clone()?,
            updated_ms: response
                .ticket
                .updated_at
                .as_deref()
                .and_then(parse_rfc3339_utc),
        })
    }

    fn solved(&self) -> bool {
        matches!(self.status.as_str(), "solved" | "closed")
    }
}

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

/// Reviews every file. `statuses` holds what reading each ticket gave (an error text when
/// it failed); tickets missing from it count as unreadable.
pub fn review(
    files: &[&FileRecord],
    statuses: &HashMap<TicketRef, Result<TicketStatus, String>>,
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
                time_ms: file.time_ms,
                ticket: file.ticket.clone(),
                age_days: (age_ms / DAY_MS) as u32,
                verdict: verdict(file, age_ms, statuses, policy, now_ms),
            }
        })
        .collect()
}

fn verdict(
    file: &FileRecord,
    age_ms: f64,
    statuses: &HashMap<TicketRef, Result<TicketStatus, String>>,
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

/// Parses `2026-11-23T08:01:44Z` (Zendesk's timestamps; fractions and offsets accepted).
pub fn parse_rfc3339_utc(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = (
                rest.get(1..3)?.parse::<i64>().ok()?,
                rest.get(4..6)?.parse::<i64>().ok()?,
            );
            sign * (oh * 60 + om)
        }
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs as f64 * 1000.0)
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

    fn status(s: &str, days_ago: f64) -> Result<TicketStatus, String> {
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
        let r = review(&refs(&files), &HashMap::new(), Policy::default(), NOW);
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
        let r = review(&refs(&files), &HashMap::new(), policy, NOW);
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
            (key(4), Err("HTTP 500".to_string())),
        ]);
        let r = review(&refs(&files), &statuses, policy, NOW);
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
        };
        let statuses = HashMap::from([(key(1), status("open", 1.0))]);
        let r = review(&refs(&[file(1, 91.0, Some(1))]), &statuses, policy, NOW);
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
            let r = review(&refs(&[file(1, 3.0, Some(1))]), &statuses, policy, NOW);
            let reason = want.to_owned();
            assert_eq!(r[0].verdict, Verdict::Delete { reason }, "{policy:?}");
        }
    }

    #[test]
    fn parses_zendesk_timestamps() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0.0)),
            ("2026-11-23T18:01:46Z", Some(1_795_456_906_000.0)),
            ("2026-11-23T18:01:46.123Z", Some(1_795_456_906_000.0)),
            ("2026-11-23T20:01:46+02:00", Some(1_795_456_906_000.0)),
            ("2000-02-29T00:00:00Z", Some(951_782_400_000.0)),
            ("2026-13-01T00:00:00Z", None),
            ("yesterday", None),
            ("2026-11-23T18:01:46", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339_utc(text), want, "{text}");
        }
    }
}
