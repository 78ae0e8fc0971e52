//! Records: what this extension knows it put on disk, one record per browser download.
//!
//! The records are the ground truth for three promises. *Nothing kept past its time*:
//! retention considers every file a record says is on disk, however old, until it is
//! deleted, found gone, or the user removes it from the list. *Already saved* (the ✓ marks
//! on attachment links, Download all's "already saved") means a routed record of that
//! attachment whose file still exists. *What the user sees is true*: the popup's history is
//! made from the records, with the file's real name on disk.
//!
//! A record is keyed by the browser's download id and never replaced because another
//! download asked for the same path: with *keep both* the second copy of
//! `production_log.tar.gz` is `production_log (1).tar.gz`, and each copy has its own record
//! with its real final path, learnt when the download completes.
//!
//! Sans-IO: [`Records`] holds the records in memory; every change returns the [`Writes`]
//! to make to storage (one key per file, so a change costs one small write however many
//! records there are). The shell loads the stored keys once per worker start with
//! [`Records::load`], which skips (and reports) any malformed record instead of failing.

use crate::router::{Decision, PassReason, Source};
use crate::tickets::TicketRef;
use crate::zendesk::{Instance, Token};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The storage key prefix of file records: `file:<download id>`.
pub const KEY_PREFIX: &str = "file:";

/// The storage key of the routed-files list of versions before one key per file.
pub const LEGACY_ROUTED_FILES: &str = "routedFiles";

/// Keys of earlier versions that the records replace (removed once converted): the
/// routed-files list, the ✓ map by token, Download all's attachment ids.
pub const LEGACY_KEYS: [&str; 3] = [
    LEGACY_ROUTED_FILES,
    "savedAttachments",
    "downloadedAttachments",
];

/// How many entries the popup's history shows at most.
pub const HISTORY_LEN: usize = 50;

/// One attachment, across instances (a token is unique only within its Zendesk).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentKey {
    /// The Zendesk instance.
    pub instance: Instance,
    /// The attachment token of its `/attachments/token/<token>/` URL.
    pub token: Token,
}

/// What the extension did with the download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "camelCase")]
pub enum Route {
    /// Routed to `requested` (relative to Downloads); the browser may have renamed the
    /// file on a conflict, see [`State::Complete`].
    #[serde(rename_all = "camelCase")]
    Routed {
        /// The path the extension asked for.
        requested: String,
        /// Where the ticket came from (`fallback` for the fallback folder).
        source: Source,
        /// Why it fell back, or which rule routed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The ticket-link file Download all writes beside the attachments.
    #[serde(rename_all = "camelCase")]
    Sidecar {
        /// The path the extension asked for.
        requested: String,
    },
    /// A rule said to leave it alone: the browser named it. Not a routed file.
    #[serde(rename_all = "camelCase")]
    LeftAlone {
        /// The rule (0-based).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<usize>,
    },
    /// Firefox's take-over could not complete a routed copy, so the browser's own copy was
    /// kept where the browser put it.
    #[serde(rename_all = "camelCase")]
    KeptUnrouted {
        /// Why the routed copy failed.
        reason: String,
    },
}

/// Where the download is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum State {
    /// Started, not finished.
    InProgress,
    /// On disk.
    #[serde(rename_all = "camelCase")]
    Complete {
        /// The real path, relative to Downloads when the requested folder is known.
        path: String,
        /// Its size, when the browser said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bytes: Option<u64>,
    },
    /// Interrupted or refused: nothing of it is on disk.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The browser's reason.
        reason: String,
    },
}

/// One download this extension started, routed, or kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    /// The browser's download id.
    pub download_id: u64,
    /// When the download started (ms since the Unix epoch).
    pub time_ms: f64,
    /// Its ticket, when known.
    #[serde(default)]
    pub ticket: Option<TicketRef>,
    /// The attachment it is, when it is one.
    #[serde(default)]
    pub attachment: Option<AttachmentKey>,
    /// What the extension did.
    #[serde(flatten)]
    pub route: Route,
    /// Where the download is.
    #[serde(flatten)]
    pub state: State,
}

impl FileRecord {
    /// The record of a download that starts with `decision`; `None` for a decision that
    /// does not touch the download (not Zendesk, switched off, a lookup).
    pub fn started(
        download_id: u64,
        decision: &Decision,
        attachment: Option<AttachmentKey>,
        time_ms: f64,
    ) -> Option<FileRecord> {
        let (route, ticket) = match decision {
            Decision::Route {
                path,
                ticket,
                source,
                note,
                ..
            } => (
                Route::Routed {
                    requested: path.as_str().to_owned(),
                    source: *source,
                    note: note.clone(),
                },
                ticket.clone(),
            ),
            Decision::Pass {
                reason: PassReason::Rule,
                rule,
            } => (Route::LeftAlone { rule: *rule }, None),
            Decision::Pass { .. } | Decision::NeedTicket { .. } => return None,
        };
        Some(FileRecord {
            download_id,
            time_ms,
            ticket,
            attachment,
            route,
            state: State::InProgress,
        })
    }

    /// The path the extension asked for, for a routed file or a sidecar.
    pub fn requested(&self) -> Option<&str> {
        match &self.route {
            Route::Routed { requested, .. } | Route::Sidecar { requested } => Some(requested),
            Route::LeftAlone { .. } | Route::KeptUnrouted { .. } => None,
        }
    }

    /// The file's path as far as known: the real one once complete, else the requested one.
    pub fn path(&self) -> Option<&str> {
        match &self.state {
            State::Complete { path, .. } => Some(path),
            _ => self.requested(),
        }
    }

    /// True when the file is on disk (as far as the records know) and retention owns it:
    /// routed files, sidecars and kept originals — not downloads a rule left alone.
    pub fn retained(&self) -> bool {
        matches!(self.state, State::Complete { .. })
            && !matches!(self.route, Route::LeftAlone { .. })
    }

    /// True for an attachment routed into its ticket's folder and on disk: what "already
    /// saved" means (a copy in the fallback folder is not in the ticket's folder).
    fn saved(&self) -> bool {
        matches!(self.state, State::Complete { .. })
            && matches!(&self.route, Route::Routed { source, .. } if *source != Source::Fallback)
    }

    /// The storage key of this record.
    pub fn key(&self) -> String {
        key(self.download_id)
    }
}

/// The storage key of the record of download `id`.
pub fn key(download_id: u64) -> String {
    format!("{KEY_PREFIX}{download_id}")
}

/// The real path of a completed download, relative to Downloads: the browser reports an
/// absolute `filename` and may have changed the last component (`a (1).log` on a
/// conflict) but not the folders it was asked for. Without a requested path (a download
/// the browser named) it is the file name alone.
pub fn real_path(requested: Option<&str>, absolute: &str) -> String {
    let parts: Vec<&str> = absolute
        .split(['/', '\\'])
        .filter(|p| !p.is_empty())
        .collect();
    let depth = requested.map_or(1, |r| r.split('/').count()).max(1);
    parts[parts.len().saturating_sub(depth)..].join("/")
}

/// True when the browser's download (absolute `filename`) is the file `record` describes:
/// a download id can be reused by the browser after a restart, and deleting through a
/// reused id would delete another file.
pub fn same_file(record: &FileRecord, absolute: &str) -> bool {
    let absolute = absolute.replace('\\', "/");
    record
        .path()
        .filter(|p| !p.is_empty())
        .is_some_and(|p| absolute == p || absolute.ends_with(&format!("/{p}")))
}

/// The storage changes that keep storage in line with [`Records`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Writes {
    /// Keys to set.
    pub set: BTreeMap<String, FileRecord>,
    /// Keys to remove.
    pub remove: Vec<String>,
}

impl Writes {
    fn set(record: &FileRecord) -> Writes {
        Writes {
            set: BTreeMap::from([(record.key(), record.clone())]),
            remove: Vec::new(),
        }
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// What the browser says about a download the records hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum BrowserState {
    /// Still downloading.
    InProgress,
    /// Finished: the absolute `filename` and `fileSize` of `downloads.search`.
    #[serde(rename_all = "camelCase")]
    Complete {
        /// Absolute path.
        filename: String,
        /// Size in bytes.
        #[serde(default)]
        bytes: Option<u64>,
    },
    /// Interrupted, with the browser's reason.
    #[serde(rename_all = "camelCase")]
    Interrupted {
        /// `NETWORK_FAILED`, `USER_CANCELED`, …
        reason: String,
    },
    /// The browser no longer knows the download (erased from its list).
    Unknown,
}

/// A download as `downloads.search` answers (the fields the records need).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserItem {
    /// Download id.
    pub id: u64,
    /// Absolute path.
    #[serde(default)]
    pub filename: String,
    /// Whether the file is there (Firefox may not notice a file deleted outside it).
    #[serde(default)]
    pub exists: bool,
    /// `in_progress`, `complete`, `interrupted`.
    #[serde(default)]
    pub state: String,
}

/// A history entry, as the popup shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The browser's download id.
    pub download_id: u64,
    /// When it started.
    pub time: f64,
    /// The real path once complete, else the requested one; the file name alone when the
    /// browser named it.
    pub path: Option<String>,
    /// `tokenIndex`, `referrer`, `fallback`, `sidecar`, `leftAlone`, `keptUnrouted`.
    pub source: &'static str,
    /// What to tell the user beside the path (fallback reason, "kept unrouted: …", failure).
    pub note: Option<String>,
    /// The ticket, when known.
    pub ticket: Option<TicketRef>,
    /// `inProgress`, `complete` or `failed`.
    pub state: &'static str,
}

/// Every file record, by download id, with an index by attachment.
#[derive(Debug, Clone, Default)]
pub struct Records {
    files: HashMap<u64, FileRecord>,
    by_attachment: HashMap<AttachmentKey, BTreeSet<u64>>,
}

/// What [`Records::load`] found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// Records read.
    pub loaded: usize,
    /// Keys that did not hold a readable record: skipped, each with the reason.
    pub skipped: Vec<String>,
}

impl Records {
    /// Adds the records of a storage snapshot (every key; keys other than `file:<id>` are
    /// ignored). A record already in memory wins: it is newer than the snapshot. A
    /// malformed record is skipped and reported, never fatal.
    pub fn load(&mut self, stored: &Map<String, Value>) -> LoadReport {
        let mut report = LoadReport::default();
        for (k, v) in stored {
            let Some(id) = k.strip_prefix(KEY_PREFIX) else {
                continue;
            };
            match serde_json::from_value::<FileRecord>(v.clone()) {
                Ok(r) if id.parse() == Ok(r.download_id) => {
                    report.loaded += 1;
                    if !self.files.contains_key(&r.download_id) {
                        self.put(r);
                    }
                }
                Ok(r) => report.skipped.push(format!(
                    "{k}: holds the record of download {}",
                    r.download_id
                )),
                Err(e) => report.skipped.push(format!("{k}: {e}")),
            }
        }
        report
    }

    /// The records of the routed-files list kept by versions before one key per file
    /// (`[{downloadId, path, timeMs, ticket}]`), as complete routed files: retention keeps
    /// tracking them. Malformed entries are skipped and reported.
    pub fn migrate_legacy(&mut self, routed_files: &Value) -> (Writes, LoadReport) {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Legacy {
            download_id: u64,
            path: String,
            time_ms: f64,
            #[serde(default)]
            ticket: Option<TicketRef>,
        }
        let mut writes = Writes::default();
        let mut report = LoadReport::default();
        for (i, v) in routed_files.as_array().into_iter().flatten().enumerate() {
            match serde_json::from_value::<Legacy>(v.clone()) {
                Ok(l) if !self.files.contains_key(&l.download_id) => {
                    let record = FileRecord {
                        download_id: l.download_id,
                        time_ms: l.time_ms,
                        ticket: l.ticket,
                        attachment: None,
                        route: Route::Routed {
                            requested: l.path.clone(),
                            source: Source::TokenIndex,
                            note: None,
                        },
                        state: State::Complete {
                            path: l.path,
                            bytes: None,
                        },
                    };
                    writes.set.insert(record.key(), record.clone());
                    self.put(record);
                    report.loaded += 1;
                }
                Ok(_) => {}
                Err(e) => report.skipped.push(format!("routedFiles[{i}]: {e}")),
            }
        }
        (writes, report)
    }

    fn put(&mut self, record: FileRecord) {
        if let Some(old) = self.files.remove(&record.download_id) {
            if let Some(a) = &old.attachment {
                self.unindex(a, old.download_id);
            }
        }
        if let Some(a) = &record.attachment {
            self.by_attachment
                .entry(a.clone())
                .or_default()
                .insert(record.download_id);
        }
        self.files.insert(record.download_id, record);
    }

    fn unindex(&mut self, attachment: &AttachmentKey, id: u64) {
        if let Some(ids) = self.by_attachment.get_mut(attachment) {
            ids.remove(&id);
            if ids.is_empty() {
                self.by_attachment.remove(attachment);
            }
        }
    }

    /// A download started: its record. Never replaces another download's record.
    pub fn started(&mut self, record: FileRecord) -> Writes {
        let writes = Writes::set(&record);
        self.put(record);
        writes
    }

    /// The browser says where download `id` is now. Unknown ids and unchanged states
    /// write nothing.
    pub fn observe(&mut self, id: u64, browser: &BrowserState) -> Writes {
        let Some(record) = self.files.get(&id) else {
            return Writes::default();
        };
        let state = match browser {
            BrowserState::InProgress => return Writes::default(),
            BrowserState::Complete { filename, bytes } => State::Complete {
                path: real_path(record.requested(), filename),
                bytes: *bytes,
            },
            BrowserState::Interrupted { reason } => State::Failed {
                reason: reason.clone(),
            },
            // Erased from the browser's list while in progress: it never completed here.
            BrowserState::Unknown if record.state == State::InProgress => State::Failed {
                reason: "the browser no longer lists this download".into(),
            },
            BrowserState::Unknown => return Writes::default(),
        };
        if record.state == state {
            return Writes::default();
        }
        let mut updated = record.clone();
        updated.state = state;
        let writes = Writes::set(&updated);
        self.put(updated);
        writes
    }

    /// Firefox's take-over kept the browser's own copy (`original`) because the routed
    /// copy (`routed`) failed: the routed record becomes the original's, marked kept
    /// unrouted with `reason`; its state is learnt from the browser like any other.
    pub fn kept_unrouted(&mut self, original: u64, routed: u64, reason: String) -> Writes {
        let Some(record) = self.files.get(&routed).cloned() else {
            return Writes::default();
        };
        let mut writes = self.forget(&[routed]);
        let kept = FileRecord {
            download_id: original,
            route: Route::KeptUnrouted { reason },
            state: State::InProgress,
            ..record
        };
        writes.set.insert(kept.key(), kept.clone());
        self.put(kept);
        writes
    }

    /// Forgets these downloads (deleted by retention, found gone, removed from the list by
    /// the user): their records, and with them their ✓ marks and "already saved".
    pub fn forget(&mut self, ids: &[u64]) -> Writes {
        let mut writes = Writes::default();
        for id in ids {
            if let Some(old) = self.files.remove(id) {
                if let Some(a) = &old.attachment {
                    self.unindex(a, *id);
                }
                writes.remove.push(key(*id));
            }
        }
        writes
    }

    /// One record.
    pub fn get(&self, id: u64) -> Option<&FileRecord> {
        self.files.get(&id)
    }

    /// The downloads still in progress (to ask the browser about after a worker restart).
    pub fn in_progress(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .files
            .values()
            .filter(|r| r.state == State::InProgress)
            .map(|r| r.download_id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The files retention owns (see [`FileRecord::retained`]), oldest first.
    pub fn retained(&self) -> Vec<&FileRecord> {
        let mut files: Vec<&FileRecord> = self.files.values().filter(|r| r.retained()).collect();
        files.sort_by(|a, b| {
            a.time_ms
                .total_cmp(&b.time_ms)
                .then(a.download_id.cmp(&b.download_id))
        });
        files
    }

    /// The routed downloads of each of `attachments` that the records say are on disk,
    /// newest first: the candidates for "already saved". The shell checks that each file
    /// still exists ([`Records::saved`] then takes the answer).
    pub fn saved_candidates(&self, attachments: &[AttachmentKey]) -> Vec<u64> {
        let mut ids: Vec<u64> = attachments
            .iter()
            .filter_map(|a| self.by_attachment.get(a))
            .flatten()
            .filter(|id| self.files.get(id).is_some_and(FileRecord::saved))
            .copied()
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        ids
    }

    /// The saved-attachment candidates of one ticket (for Download all).
    pub fn saved_candidates_of_ticket(&self, ticket: &TicketRef) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .files
            .values()
            .filter(|r| r.saved() && r.ticket.as_ref() == Some(ticket))
            .map(|r| r.download_id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The downloads among `found` (the browser's answers for candidates) whose file is on
    /// disk and is the file the record describes.
    pub fn existing(&self, found: &[BrowserItem]) -> BTreeSet<u64> {
        found
            .iter()
            .filter(|b| b.exists && b.state == "complete")
            .filter(|b| {
                self.files
                    .get(&b.id)
                    .is_some_and(|r| same_file(r, &b.filename))
            })
            .map(|b| b.id)
            .collect()
    }

    /// The saved attachments among `attachments`, given which candidate downloads still
    /// exist on disk: each with its newest existing download.
    pub fn saved(
        &self,
        attachments: &[AttachmentKey],
        existing: &BTreeSet<u64>,
    ) -> Vec<(AttachmentKey, &FileRecord)> {
        attachments
            .iter()
            .filter_map(|a| {
                let newest = self
                    .by_attachment
                    .get(a)?
                    .iter()
                    .rev()
                    .filter(|id| existing.contains(id))
                    .filter_map(|id| self.files.get(id))
                    .find(|r| r.saved())?;
                Some((a.clone(), newest))
            })
            .collect()
    }

    /// The newest records as the popup's history.
    pub fn history(&self, len: usize) -> Vec<HistoryEntry> {
        let mut newest: Vec<&FileRecord> = self.files.values().collect();
        newest.sort_by(|a, b| {
            b.time_ms
                .total_cmp(&a.time_ms)
                .then(b.download_id.cmp(&a.download_id))
        });
        newest.into_iter().take(len).map(history_entry).collect()
    }

    /// Whether the sidecar may replace the file at `path`: only when the newest file the
    /// records put there is a sidecar this extension wrote. So a customer attachment named
    /// `ticket.html` is never replaced (the sidecar gets a new name beside it instead).
    pub fn sidecar_may_replace(&self, path: &str) -> bool {
        self.files
            .values()
            .filter(|r| matches!(&r.state, State::Complete { path: p, .. } if p == path))
            .max_by(|a, b| a.time_ms.total_cmp(&b.time_ms))
            .is_some_and(|r| matches!(r.route, Route::Sidecar { .. }))
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn history_entry(r: &FileRecord) -> HistoryEntry {
    let (source, mut note) = match &r.route {
        Route::Routed { source, note, .. } => (
            match source {
                Source::TokenIndex => "tokenIndex",
                Source::Referrer => "referrer",
                Source::Fallback => "fallback",
            },
            note.clone(),
        ),
        Route::Sidecar { .. } => ("sidecar", None),
        Route::LeftAlone { rule } => (
            "leftAlone",
            Some(match rule {
                Some(i) => format!("left alone: rule {}", i + 1),
                None => "left alone".into(),
            }),
        ),
        Route::KeptUnrouted { reason } => {
            ("keptUnrouted", Some(format!("kept unrouted: {reason}")))
        }
    };
    let state = match &r.state {
        State::InProgress => "inProgress",
        State::Complete { .. } => "complete",
        State::Failed { reason } => {
            note = Some(match note {
                Some(n) => format!("{n}; failed: {reason}"),
                None => format!("failed: {reason}"),
            });
            "failed"
        }
    };
    HistoryEntry {
        download_id: r.download_id,
        time: r.time_ms,
        path: r.path().map(str::to_owned),
        source,
        note,
        ticket: r.ticket.clone(),
        state,
    }
}

/// The folders that held the deleted `paths` and hold no file the records still track,
/// deepest first (`zendesk/ACME Corp/4711/`, then `zendesk/ACME Corp/`). The browser
/// cannot delete folders: the clean-up lists them so the user can. Only folders below
/// the first component (the base folder) are listed.
pub fn emptied_folders<'a>(
    deleted: impl IntoIterator<Item = &'a str>,
    remaining: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    fn folders(path: &str) -> impl Iterator<Item = String> + '_ {
        let parts: Vec<&str> = path.split('/').collect();
        (2..parts.len())
            .rev()
            .map(move |n| parts[..n].join("/") + "/")
    }
    let kept: BTreeSet<String> = remaining.into_iter().flat_map(folders).collect();
    let mut out: Vec<String> = deleted
        .into_iter()
        .flat_map(folders)
        .filter(|f| !kept.contains(f))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    out.sort_by(|a, b| {
        b.matches('/')
            .count()
            .cmp(&a.matches('/').count())
            .then(a.cmp(b))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::TicketRef;
    use crate::zendesk::TicketId;
    use serde_json::json;

    fn att(token: &str) -> AttachmentKey {
        AttachmentKey {
            instance: Instance::new("acme"),
            token: Token::parse(token).expect("token"),
        }
    }

    fn routed(id: u64, path: &str, token: &str) -> FileRecord {
        FileRecord {
            download_id: id,
            time_ms: id as f64,
            ticket: Some(TicketRef {
                instance: Instance::new("acme"),
                id: TicketId(4711),
            }),
            attachment: Some(att(token)),
            route: Route::Routed {
                requested: path.into(),
                source: Source::TokenIndex,
                note: None,
            },
            state: State::InProgress,
        }
    }

    fn complete(filename: &str) -> BrowserState {
        BrowserState::Complete {
            filename: filename.into(),
            bytes: Some(10),
        }
    }

    #[test]
    fn two_copies_of_one_path_keep_two_records_with_their_real_names() {
        let mut r = Records::default();
        let p = "zendesk/ACME/4711/production_log.tar.gz";
        r.started(routed(1, p, "T1"));
        r.started(routed(2, p, "T1"));
        r.observe(
            1,
            &complete("/home/u/Downloads/zendesk/ACME/4711/production_log.tar.gz"),
        );
        let w = r.observe(
            2,
            &complete("/home/u/Downloads/zendesk/ACME/4711/production_log (1).tar.gz"),
        );
        assert_eq!(w.set.keys().collect::<Vec<_>>(), ["file:2"]);
        let paths: Vec<_> = r
            .retained()
            .iter()
            .map(|f| f.path().unwrap().to_owned())
            .collect();
        assert_eq!(paths, [p, "zendesk/ACME/4711/production_log (1).tar.gz"]);
    }

    #[test]
    fn real_paths_keep_the_requested_folders_and_the_browsers_file_name() {
        assert_eq!(
            real_path(
                Some("z/A/1/a.log"),
                "C:\\Users\\u\\Downloads\\z\\A\\1\\a (1).log"
            ),
            "z/A/1/a (1).log"
        );
        assert_eq!(real_path(None, "/home/u/Downloads/a.log"), "a.log");
        assert_eq!(real_path(Some("a.log"), "/d/a(1).log"), "a(1).log");
    }

    #[test]
    fn a_reused_download_id_is_not_the_same_file() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/ACME/4711/a.log", "T1"));
        r.observe(1, &complete("/d/zendesk/ACME/4711/a.log"));
        let rec = r.get(1).unwrap();
        assert!(same_file(rec, "/d/zendesk/ACME/4711/a.log"));
        assert!(same_file(rec, "C:\\d\\zendesk\\ACME\\4711\\a.log"));
        assert!(!same_file(rec, "/d/other.pdf"));
        assert!(!same_file(rec, "/d/zendesk/ACME/4711/xa.log"));
    }

    #[test]
    fn a_malformed_record_is_skipped_and_reported() {
        let stored = json!({
            "file:1": serde_json::to_value(routed(1, "zendesk/A/1/a.log", "T1")).unwrap(),
            "file:2": {"downloadId": 2, "route": "routed", "requested": null},
            "file:3": serde_json::to_value(routed(4, "zendesk/A/1/b.log", "T2")).unwrap(),
            "settings": {"enabled": true},
        });
        let mut r = Records::default();
        let report = r.load(stored.as_object().unwrap());
        assert_eq!(report.loaded, 1);
        assert_eq!(report.skipped.len(), 2, "{:?}", report.skipped);
        assert!(
            report.skipped[0].starts_with("file:2: "),
            "{:?}",
            report.skipped
        );
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn saved_means_routed_complete_and_existing() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        r.started(routed(2, "zendesk/A/1/b.log", "T2"));
        r.observe(2, &complete("/d/zendesk/A/1/b.log"));
        assert_eq!(r.saved_candidates(&[att("T1"), att("T2")]), [2]);
        assert!(
            r.saved(&[att("T2")], &BTreeSet::new()).is_empty(),
            "gone from disk"
        );
        assert_eq!(r.saved(&[att("T2")], &BTreeSet::from([2])).len(), 1);
        r.forget(&[2]);
        assert!(
            r.saved_candidates(&[att("T2")]).is_empty(),
            "retention cleared it"
        );
    }

    #[test]
    fn left_alone_downloads_are_recorded_but_not_retained_or_saved() {
        let decision = Decision::Pass {
            reason: PassReason::Rule,
            rule: Some(0),
        };
        let rec = FileRecord::started(7, &decision, Some(att("T7")), 1.0).expect("recorded");
        let mut r = Records::default();
        r.started(rec);
        r.observe(7, &complete("/d/report.har"));
        assert!(r.retained().is_empty());
        assert!(r.saved_candidates(&[att("T7")]).is_empty());
        let h = r.history(10);
        assert_eq!(h[0].path.as_deref(), Some("report.har"));
        assert_eq!(h[0].note.as_deref(), Some("left alone: rule 1"));
    }

    #[test]
    fn a_kept_original_says_so_in_the_history_and_stays_retained() {
        let mut r = Records::default();
        r.started(routed(3, "zendesk/A/1/a.log", "T1"));
        let failed = BrowserState::Interrupted {
            reason: "NETWORK_FAILED".into(),
        };
        r.observe(3, &failed);
        let w = r.kept_unrouted(2, 3, "NETWORK_FAILED".into());
        assert_eq!(w.set.keys().collect::<Vec<_>>(), ["file:2"]);
        assert_eq!(w.remove, ["file:3"]);
        r.observe(2, &complete("/d/a.log"));
        assert_eq!(r.history(5).len(), 1, "one file, one entry");
        let h = r.history(1);
        assert_eq!(h[0].note.as_deref(), Some("kept unrouted: NETWORK_FAILED"));
        assert_eq!(h[0].path.as_deref(), Some("a.log"));
        assert_eq!(r.retained().len(), 1);
    }

    #[test]
    fn the_sidecar_replaces_only_its_own_file() {
        let mut r = Records::default();
        let p = "zendesk/A/1/ticket.html";
        r.started(routed(1, p, "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/ticket.html"));
        assert!(!r.sidecar_may_replace(p), "a customer's ticket.html");
        let mut own = Records::default();
        own.started(FileRecord {
            route: Route::Sidecar {
                requested: p.into(),
            },
            attachment: None,
            ..routed(2, p, "T1")
        });
        own.observe(2, &complete("/d/zendesk/A/1/ticket.html"));
        assert!(own.sidecar_may_replace(p));
        own.started(routed(3, p, "T3"));
        own.observe(3, &complete("/d/zendesk/A/1/ticket.html"));
        assert!(
            !own.sidecar_may_replace(p),
            "a newer customer file replaced ours"
        );
    }

    #[test]
    fn legacy_routed_files_become_records() {
        let mut r = Records::default();
        let (w, report) = r.migrate_legacy(&json!([
            {"downloadId": 5, "path": "zendesk/A/1/a.log", "timeMs": 3.0, "ticket": null},
            {"downloadId": "x"}
        ]));
        assert_eq!((report.loaded, report.skipped.len()), (1, 1));
        assert_eq!(w.set.keys().collect::<Vec<_>>(), ["file:5"]);
        assert_eq!(r.retained()[0].path(), Some("zendesk/A/1/a.log"));
    }

    #[test]
    fn emptied_folders_are_those_no_tracked_file_remains_in() {
        let got = emptied_folders(
            [
                "zendesk/ACME/4711/a.log",
                "zendesk/ACME/4712/b.log",
                "zendesk/Globex/9/c.log",
            ],
            ["zendesk/ACME/4712/d.log"],
        );
        assert_eq!(
            got,
            ["zendesk/ACME/4711/", "zendesk/Globex/9/", "zendesk/Globex/"]
        );
    }
}
