//! Records: what this extension knows it put on disk, one record per browser download.
//!
//! The records are the ground truth for three promises. *Nothing kept past its time*:
//! retention considers every file a record says is on disk, however old, until it is
//! deleted, found gone, or the user removes it from the list. *Already saved* (the ✓ marks
//! on attachment links, Download all's "already saved") means a routed record of that
//! attachment whose file still exists. *What the user sees is true*: the popup's history is
//! made from the records, with the file's real name on disk.
//!
//! A record is one browser download (its id, and when it started: Firefox numbers downloads
//! from 1 again after a restart) and is never replaced because another download asked for
//! the same path: with *keep both* the second copy of `production_log.tar.gz` is
//! `production_log (1).tar.gz`, and each copy has its own record with its real final path,
//! learnt when the download completes. Only a download that really wrote over a file
//! (conflict action *overwrite*) takes the place of that file's older record.
//!
//! Sans-IO: [`Records`] holds the records in memory; every change returns the [`Writes`]
//! to make to storage (one key per file, so a change costs one small write however many
//! records there are). The shell loads the stored keys once per worker start with
//! [`Records::load`], which skips (and reports) any malformed record instead of failing.
//!
//! A record also holds the local helper's work on its file ([`crate::helper`]): what the
//! decision asked for once the file is complete (move, unpack) and what was done.

use crate::document::{self, Value};
use crate::helper::{Done, Reply, Request, Work};
use crate::router::{self, AfterComplete, Decision, DownloadEvent, PassReason, Source};
use crate::tickets::TicketRef;
use crate::zendesk::{recognize, Instance, Token, ZendeskUrl};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The storage key prefix of file records: `file:<time ms>-<download id>` ([`RecordKey`]).
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

impl AttachmentKey {
    /// The attachment a link on an agent page points to (`…/attachments/token/<token>/`),
    /// if it is one.
    pub fn of_link(href: &str, host_mapped: &[String]) -> Option<AttachmentKey> {
        match recognize(href, host_mapped)? {
            ZendeskUrl::Attachment {
                instance, token, ..
            } => Some(AttachmentKey { instance, token }),
            _ => None,
        }
    }
}

/// What the extension did with the download.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Routed to `requested` (relative to Downloads); the browser may have renamed the
    /// file on a conflict, see [`State::Complete`].
    Routed {
        /// The path the extension asked for.
        requested: String,
        /// Where the ticket came from (`fallback` for the fallback folder).
        source: Source,
        /// Why it fell back, or which rule routed it.
        note: Option<String>,
    },
    /// The ticket-link file Download all writes beside the attachments.
    Sidecar {
        /// The path the extension asked for.
        requested: String,
    },
    /// A rule said to leave it alone: the browser named it. Not a routed file.
    LeftAlone {
        /// The rule (0-based).
        rule: Option<usize>,
    },
    /// Firefox's take-over could not complete a routed copy, so the browser's own copy was
    /// kept where the browser put it.
    KeptUnrouted {
        /// Why the routed copy failed.
        reason: String,
    },
}

/// Where the download is.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Started, not finished.
    InProgress,
    /// On disk.
    Complete {
        /// The real path, relative to Downloads when the requested folder is known.
        path: String,
        /// The absolute path the browser reported (to find the file again).
        absolute: Option<String>,
        /// Its size, when the browser said.
        bytes: Option<u64>,
    },
    /// Interrupted or refused: nothing of it is on disk.
    Failed {
        /// The browser's reason.
        reason: String,
    },
}

/// One download this extension started, routed, or kept. Stored as one flat JSON object
/// (see [`Stored`]): a record read back is checked field by field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Stored", try_from = "Stored")]
pub struct FileRecord {
    /// The browser's download id.
    pub download_id: u64,
    /// When the download started (ms since the Unix epoch).
    pub time_ms: f64,
    /// Its ticket, when known.
    pub ticket: Option<TicketRef>,
    /// The ticket's organization (its Zendesk name), when known: the alias editor offers
    /// the names seen.
    pub organization: Option<String>,
    /// The attachment it is, when it is one.
    pub attachment: Option<AttachmentKey>,
    /// The URL it was downloaded from (for the history).
    pub url: Option<String>,
    /// What the extension did.
    pub route: Route,
    /// Where the download is.
    pub state: State,
    /// What the local helper is to do and did once the file is complete.
    pub helper: Work,
}

/// What the shell reports about a download it started: the decision as the router
/// returned it (`{action: "route", path, source, note?, ticket}` or `{action: "pass",
/// reason, rule?}`), read back field by field.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Started {
    /// `route`, `pass` or `needTicket`.
    pub action: String,
    /// The routed path.
    pub path: Option<String>,
    /// Where the ticket came from.
    pub source: Option<Source>,
    /// The decision's note.
    pub note: Option<String>,
    /// The ticket.
    pub ticket: Option<TicketRef>,
    /// The ticket's organization.
    pub organization: Option<String>,
    /// Why a download is passed.
    pub reason: Option<PassReason>,
    /// The rule that left it alone.
    pub rule: Option<usize>,
    /// What the local helper does once the file is complete.
    pub after_complete: Option<AfterComplete>,
}

impl From<&Decision> for Started {
    fn from(decision: &Decision) -> Started {
        match decision {
            Decision::Route {
                path,
                ticket,
                organization,
                source,
                note,
                after_complete,
                ..
            } => Started {
                action: "route".into(),
                path: Some(path.as_str().to_owned()),
                source: Some(*source),
                note: note.clone(),
                ticket: ticket.clone(),
                organization: organization.clone(),
                after_complete: after_complete.clone(),
                ..Started::default()
            },
            Decision::Pass { reason, rule } => Started {
                action: "pass".into(),
                reason: Some(*reason),
                rule: *rule,
                ..Started::default()
            },
            Decision::NeedTicket { .. } => Started {
                action: "needTicket".into(),
                ..Started::default()
            },
        }
    }
}

impl FileRecord {
    /// The record of a download that started as `started` says; `None` for a download
    /// the extension does not touch (not Zendesk, switched off, a lookup).
    pub fn started(
        download_id: u64,
        started: &Started,
        attachment: Option<AttachmentKey>,
        url: Option<String>,
        time_ms: f64,
    ) -> Option<FileRecord> {
        let route = match (started.action.as_str(), &started.path, started.reason) {
            ("route", Some(path), _) => Route::Routed {
                requested: path.clone(),
                source: started.source.unwrap_or(Source::Fallback),
                note: started.note.clone(),
            },
            ("pass", _, Some(PassReason::Rule)) => Route::LeftAlone { rule: started.rule },
            _ => return None,
        };
        Some(FileRecord {
            download_id,
            time_ms,
            ticket: started.ticket.clone(),
            organization: started.organization.clone(),
            attachment,
            url,
            route,
            state: State::InProgress,
            helper: Work {
                to_do: started.after_complete.clone(),
                done: None,
            },
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

    /// The folder of [`FileRecord::path`], relative to Downloads and ending in `/` (empty
    /// for Downloads itself).
    pub fn folder(&self) -> Option<&str> {
        self.path().map(|p| split_path(p).0)
    }

    /// The file name of [`FileRecord::path`] (`production_log (1).tar.gz` when the browser
    /// renamed it).
    pub fn file_name(&self) -> Option<&str> {
        self.path().map(|p| split_path(p).1)
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

    /// The next request to the local helper for this file: once it is complete, as long as
    /// its decision's after-complete work is not done.
    fn helper_step(&self) -> Option<HelperStep> {
        let State::Complete {
            absolute: Some(absolute),
            ..
        } = &self.state
        else {
            return None;
        };
        Some(HelperStep {
            key: self.key(),
            request: self.helper.next(absolute)?,
        })
    }

    /// This record's identity.
    pub fn key(&self) -> RecordKey {
        RecordKey {
            time_ms: self.time_ms as u64,
            download_id: self.download_id,
        }
    }
}

/// `zendesk/A/1/a.log` → (`zendesk/A/1/`, `a.log`).
fn split_path(path: &str) -> (&str, &str) {
    path.split_at(path.rfind('/').map_or(0, |i| i + 1))
}

/// A [`FileRecord`] as stored: one flat object, every variant's fields optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Stored {
    download_id: u64,
    time_ms: f64,
    ticket: Option<TicketRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
    attachment: Option<AttachmentKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// `routed`, `sidecar`, `leftAlone`, `keptUnrouted`.
    route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<usize>,
    /// `inProgress`, `complete`, `failed`.
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    absolute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    /// Why it was kept (`keptUnrouted`) or why it failed (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_complete: Option<AfterComplete>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helper: Option<Done>,
}

impl From<FileRecord> for Stored {
    fn from(r: FileRecord) -> Stored {
        let mut s = Stored {
            download_id: r.download_id,
            time_ms: r.time_ms,
            ticket: r.ticket,
            organization: r.organization,
            attachment: r.attachment,
            url: r.url,
            after_complete: r.helper.to_do,
            helper: r.helper.done,
            ..Stored::default()
        };
        s.route = match r.route {
            Route::Routed {
                requested,
                source,
                note,
            } => {
                (s.requested, s.source, s.note) = (Some(requested), Some(source), note);
                "routed"
            }
            Route::Sidecar { requested } => {
                s.requested = Some(requested);
                "sidecar"
            }
            Route::LeftAlone { rule } => {
                s.rule = rule;
                "leftAlone"
            }
            Route::KeptUnrouted { reason } => {
                s.reason = Some(reason);
                "keptUnrouted"
            }
        }
        .into();
        s.state = match r.state {
            State::InProgress => "inProgress",
            State::Complete {
                path,
                absolute,
                bytes,
            } => {
                (s.path, s.absolute, s.bytes) = (Some(path), absolute, bytes);
                "complete"
            }
            State::Failed { reason } => {
                s.failure = Some(reason);
                "failed"
            }
        }
        .into();
        s
    }
}

impl TryFrom<Stored> for FileRecord {
    type Error = String;

    fn try_from(s: Stored) -> Result<FileRecord, String> {
        let missing = |field: &str| format!("a {} record without `{field}`", s.route);
        let route = match s.route.as_str() {
            "routed" => Route::Routed {
                requested: s.requested.clone().ok_or_else(|| missing("requested"))?,
                source: s.source.ok_or_else(|| missing("source"))?,
                note: s.note.clone(),
            },
            "sidecar" => Route::Sidecar {
                requested: s.requested.clone().ok_or_else(|| missing("requested"))?,
            },
            "leftAlone" => Route::LeftAlone { rule: s.rule },
            "keptUnrouted" => Route::KeptUnrouted {
                reason: s.reason.clone().ok_or_else(|| missing("reason"))?,
            },
            other => return Err(format!("unknown route {other:?}")),
        };
        let state = match s.state.as_str() {
            "inProgress" => State::InProgress,
            "complete" => State::Complete {
                path: s.path.ok_or_else(|| missing("path"))?,
                absolute: s.absolute,
                bytes: s.bytes,
            },
            "failed" => State::Failed {
                reason: s.failure.unwrap_or_default(),
            },
            other => return Err(format!("unknown state {other:?}")),
        };
        Ok(FileRecord {
            download_id: s.download_id,
            time_ms: s.time_ms,
            ticket: s.ticket,
            organization: s.organization,
            attachment: s.attachment,
            url: s.url,
            route,
            state,
            helper: Work {
                to_do: s.after_complete,
                done: s.helper,
            },
        })
    }
}

/// A record's identity: when the download started and the browser's download id. The id
/// alone is not unique: Firefox numbers downloads from 1 again after every restart (Mozilla
/// bug 1568785), so a new download can carry the id of a file recorded last week.
/// Written `<time ms>-<download id>`; stored under `file:<that>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    /// When the download started (ms since the Unix epoch).
    pub time_ms: u64,
    /// The browser's download id then.
    pub download_id: u64,
}

impl RecordKey {
    /// The storage key.
    pub fn storage_key(&self) -> String {
        format!("{KEY_PREFIX}{self}")
    }
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.time_ms, self.download_id)
    }
}

impl std::str::FromStr for RecordKey {
    type Err = String;

    fn from_str(s: &str) -> Result<RecordKey, String> {
        let (time, id) = s
            .split_once('-')
            .ok_or_else(|| format!("not a record key: {s:?}"))?;
        match (time.parse(), id.parse()) {
            (Ok(time_ms), Ok(download_id)) => Ok(RecordKey {
                time_ms,
                download_id,
            }),
            _ => Err(format!("not a record key: {s:?}")),
        }
    }
}

impl Serialize for RecordKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
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

/// The storage changes that keep storage in line with [`Records`]: serialized as
/// `{set: {"file:<key>": record, …}, remove: ["file:<key>", …]}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Writes {
    /// Records to store (each under its storage key).
    pub set: Vec<FileRecord>,
    /// Storage keys to remove.
    pub remove: Vec<String>,
}

impl Serialize for Writes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Set<'a>(&'a [FileRecord]);
        impl Serialize for Set<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|r| (r.key().storage_key(), r)))
            }
        }
        let mut out = serializer.serialize_struct("Writes", 2)?;
        out.serialize_field("set", &Set(&self.set))?;
        out.serialize_field("remove", &self.remove)?;
        out.end()
    }
}

impl Writes {
    fn set(record: &FileRecord) -> Writes {
        Writes {
            set: vec![record.clone()],
            remove: Vec::new(),
        }
    }
}

/// What the browser says about a download the records hold (read as [`Observed`] from a
/// flat object: `{state: "complete", filename, bytes, startMs}`, `{state: "interrupted",
/// reason, startMs}`, `{state: "inProgress"}`, `{state: "unknown"}`).
#[derive(Debug, Clone, PartialEq)]
pub enum BrowserState {
    /// Still downloading.
    InProgress,
    /// Finished: the absolute `filename` and `fileSize` of `downloads.search`.
    Complete {
        /// Absolute path.
        filename: String,
        /// Size in bytes.
        bytes: Option<u64>,
    },
    /// Interrupted, with the browser's reason.
    Interrupted {
        /// `NETWORK_FAILED`, `USER_CANCELED`, …
        reason: String,
    },
    /// The browser no longer knows the download (erased from its list).
    Unknown,
}

/// The browser's answer about one download, with when it started (to tell a reused
/// download id from the recorded download).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "BrowserReport")]
pub struct Observed {
    /// `startTime` of the browser's download, in ms.
    pub start_ms: Option<f64>,
    /// Its state.
    pub state: BrowserState,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct BrowserReport {
    state: String,
    filename: Option<String>,
    bytes: Option<u64>,
    reason: Option<String>,
    start_ms: Option<f64>,
}

impl TryFrom<BrowserReport> for Observed {
    type Error = String;

    fn try_from(r: BrowserReport) -> Result<Observed, String> {
        let state = match r.state.as_str() {
            "inProgress" => BrowserState::InProgress,
            "complete" => BrowserState::Complete {
                filename: r.filename.ok_or("a complete download without `filename`")?,
                bytes: r.bytes,
            },
            "interrupted" => BrowserState::Interrupted {
                reason: r.reason.unwrap_or_else(|| "interrupted".into()),
            },
            "unknown" => BrowserState::Unknown,
            other => return Err(format!("unknown download state {other:?}")),
        };
        Ok(Observed {
            start_ms: r.start_ms,
            state,
        })
    }
}

/// A request to the local helper for a recorded file: `{key, request}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HelperStep {
    /// The record.
    pub key: RecordKey,
    /// What to send to the helper.
    pub request: Request,
}

/// What an answer of the helper came to: the storage writes, and the next request for the
/// same file, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HelperAnswered {
    /// The writes.
    pub writes: Writes,
    /// The next step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<HelperStep>,
}

/// Where the shell should look for a recorded file: by its download id, and (after a
/// Firefox restart renumbered the downloads) by its absolute path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Locate {
    /// The record.
    pub key: RecordKey,
    /// The download id it was recorded with.
    pub download_id: u64,
    /// The absolute path the browser reported when it completed.
    pub absolute: Option<String>,
}

/// What the shell found for a [`Locate`]: the browser's download now (`downloads.search`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Located {
    /// The record it was looked up for.
    pub key: RecordKey,
    /// The browser's download id now.
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

/// Whether a history entry's file is on disk: see [`Records::on_disk`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnDisk {
    /// The record.
    pub key: RecordKey,
    /// The browser's download id of the file, when it is there (*Show* opens it).
    pub download_id: Option<u64>,
    /// The file was saved but is no longer there (deleted or moved; a file the local
    /// helper moved is not gone: the history says where it is).
    pub gone: bool,
}

/// An attachment link whose file is saved: its ✓ mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedLink {
    /// The link, as given.
    pub href: String,
    /// The browser's download id of the file now.
    pub download_id: u64,
    /// The file's folder, relative to Downloads, ending in `/`.
    pub folder: String,
}

/// A history entry, as the popup shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The record.
    pub key: RecordKey,
    /// The browser's download id.
    pub download_id: u64,
    /// The URL it was downloaded from.
    pub url: Option<String>,
    /// When it started.
    pub time: f64,
    /// The real path once complete, else the requested one; the file name alone when the
    /// browser named it.
    pub path: Option<String>,
    /// The folder of `path` (ending in `/`; empty for Downloads itself).
    pub folder: Option<String>,
    /// The file name of `path`.
    pub file_name: Option<String>,
    /// `tokenIndex`, `referrer`, `fallback`, `sidecar`, `leftAlone`, `keptUnrouted`.
    pub source: &'static str,
    /// What to tell the user beside the path (fallback reason, "kept unrouted: …", failure).
    pub note: Option<String>,
    /// The ticket, when known.
    pub ticket: Option<TicketRef>,
    /// The ticket's organization (Zendesk name), when known.
    pub organization: Option<String>,
    /// `inProgress`, `complete` or `failed`.
    pub state: &'static str,
    /// What the local helper did with the file (`{state: "moved"|"unpacked"|"refused"|
    /// "failed", path?, folder?, files?, skipped?, reason?}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helper: Option<Done>,
    /// The file is complete and the local helper still has a step to do for it (the popup
    /// says it waits for the helper).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub helper_pending: bool,
}

/// Every file record, in key order (oldest first). A plain sorted vector: new records go
/// at the end, lookups by key are binary searches, and scans over tens of thousands of
/// records take well under a millisecond — while every map type would add its own code
/// to the WASM that loads on each worker start.
#[derive(Debug, Clone, Default)]
pub struct Records {
    files: Vec<FileRecord>,
    /// The records whose helper request is handed out and not answered yet (in memory
    /// only: after a worker restart the request is handed out again).
    asked: Vec<RecordKey>,
}

/// An entry of the routed-files list of versions before one key per file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyRoutedFile {
    download_id: u64,
    path: String,
    time_ms: f64,
    #[serde(default)]
    ticket: Option<TicketRef>,
}

impl LegacyRoutedFile {
    /// The entry as a record: a complete file, routed into its ticket's folder.
    fn into_record(self) -> FileRecord {
        FileRecord {
            download_id: self.download_id,
            time_ms: self.time_ms,
            ticket: self.ticket,
            organization: None,
            attachment: None,
            url: None,
            route: Route::Routed {
                requested: self.path.clone(),
                source: Source::TokenIndex,
                note: None,
            },
            state: State::Complete {
                path: self.path,
                absolute: None,
                bytes: None,
            },
            helper: Work::default(),
        }
    }
}

/// What [`Records::load`] did: how many records it read, what it skipped and why, and the
/// storage writes of converting what earlier versions stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Loaded {
    /// Records read (file records and converted entries of the routed-files list).
    pub loaded: usize,
    /// Keys that did not hold a readable record: skipped, each with the reason.
    pub skipped: Vec<String>,
    /// The converted records to store, and the keys of earlier versions to remove.
    pub writes: Writes,
}

/// Reads the values of a storage snapshot: JS values at the boundary, JSON values in the
/// CLI and the tests. A reader only converts; what each key means is [`Records::load`]'s.
pub trait ReadValue<V> {
    /// `value` as a `T`, or why it is not one.
    fn read<T: DeserializeOwned>(&self, value: V) -> Result<T, String>;
    /// The elements of `value`, or why it is not a list.
    fn elements(&self, value: V) -> Result<Vec<V>, String>;
}

/// Reads [`document`](crate::document) values (a snapshot in the CLI, the tests).
pub struct Documents;

impl ReadValue<Value> for Documents {
    fn read<T: DeserializeOwned>(&self, value: Value) -> Result<T, String> {
        document::from_value(value).map_err(|e| e.to_string())
    }

    fn elements(&self, value: Value) -> Result<Vec<Value>, String> {
        match value {
            Value::Array(list) => Ok(list),
            _ => Err("not a list".to_owned()),
        }
    }
}

/// How far a browser download's start may be from its record's time and still be the
/// recorded download (the record is made when the browser names the download).
const SAME_START_MS: f64 = 10.0 * 60_000.0;

impl Records {
    /// Adds the records of a storage snapshot: every `(key, value)` stored, each value read
    /// with `reader`. `file:…` keys hold one record each; the routed-files list of earlier
    /// versions is converted into records (written back, see [`Loaded::writes`]), and the
    /// keys of earlier versions are removed; other keys are ignored. A malformed record or
    /// list entry is skipped and reported, never fatal.
    ///
    /// A record already held wins over the snapshot's (it is newer), unless `replace`:
    /// then the snapshot replaces what is held (storage is the truth: the clean-up reloads
    /// before it reviews, once the pending writes are done).
    pub fn load<V>(
        &mut self,
        snapshot: impl IntoIterator<Item = (String, V)>,
        reader: &impl ReadValue<V>,
        replace: bool,
    ) -> Loaded {
        if replace {
            self.files.clear();
        }
        let mut out = Loaded::default();
        let mut legacy = None;
        for (key, value) in snapshot {
            if LEGACY_KEYS.contains(&key.as_str()) {
                out.writes.remove.push(key.clone());
            }
            if key == LEGACY_ROUTED_FILES {
                legacy = Some(value);
                continue;
            }
            let Some(name) = key.strip_prefix(KEY_PREFIX) else {
                continue;
            };
            match reader.read::<FileRecord>(value) {
                Ok(r) if name == r.key().to_string() => {
                    out.loaded += 1;
                    self.add(r);
                }
                Ok(r) => out
                    .skipped
                    .push(format!("{key}: holds the record {}", r.key())),
                Err(e) => out.skipped.push(format!("{key}: {e}")),
            }
        }
        // After the file records: a file record of the same download wins over its entry
        // in the old list.
        if let Some(list) = legacy {
            self.convert_legacy(list, reader, &mut out);
        }
        out
    }

    /// Converts the routed-files list kept by versions before one key per file
    /// (`[{downloadId, path, timeMs, ticket}]`) into complete routed files, so retention
    /// keeps tracking them.
    fn convert_legacy<V>(&mut self, list: V, reader: &impl ReadValue<V>, out: &mut Loaded) {
        let entries = match reader.elements(list) {
            Ok(entries) => entries,
            Err(e) => return out.skipped.push(format!("{LEGACY_ROUTED_FILES}: {e}")),
        };
        for (i, v) in entries.into_iter().enumerate() {
            match reader.read::<LegacyRoutedFile>(v) {
                Ok(l) => {
                    out.loaded += 1;
                    let record = l.into_record();
                    if self.add(record.clone()) {
                        out.writes.set.push(record);
                    }
                }
                Err(e) => out.skipped.push(format!("{LEGACY_ROUTED_FILES}[{i}]: {e}")),
            }
        }
    }

    /// Adds `record` unless a record with its key is held already; true when added.
    fn add(&mut self, record: FileRecord) -> bool {
        match self.position(&record.key()) {
            Ok(_) => false,
            Err(i) => {
                self.files.insert(i, record);
                true
            }
        }
    }

    fn position(&self, key: &RecordKey) -> Result<usize, usize> {
        self.files.binary_search_by(|r| r.key().cmp(key))
    }

    fn put(&mut self, record: FileRecord) {
        match self.position(&record.key()) {
            Ok(i) => self.files[i] = record,
            Err(i) => self.files.insert(i, record),
        }
    }

    /// A download started: its record. Never replaces another download's record, even
    /// one with the same download id (see [`RecordKey`]).
    pub fn started(&mut self, record: FileRecord) -> Writes {
        let writes = Writes::set(&record);
        self.put(record);
        writes
    }

    /// The browser started download `download_id` (its `event`) as the router's
    /// `decision` said: its record, with the attachment it is (by the instance of its URL,
    /// or of the decided ticket for a signed URL that names none). Nothing is recorded
    /// for a download the extension does not touch (not Zendesk, switched off, a lookup).
    pub fn download_started(
        &mut self,
        download_id: u64,
        event: &DownloadEvent,
        decision: &Started,
        host_mapped: &[String],
        time_ms: f64,
    ) -> Writes {
        let decided = decision.ticket.as_ref().map(|t| &t.instance);
        let attachment = router::attachment_key(event, decided, host_mapped);
        let url = Some(event.url.clone());
        match FileRecord::started(download_id, decision, attachment, url, time_ms) {
            Some(record) => self.started(record),
            None => Writes::default(),
        }
    }

    /// Download all's sidecar (the ticket-link file) started as download `download_id`
    /// for the file at `path`: recorded like the attachments, since it names the customer
    /// and retention removes it with them.
    pub fn sidecar_started(
        &mut self,
        download_id: u64,
        path: String,
        ticket: TicketRef,
        time_ms: f64,
    ) -> Writes {
        self.started(FileRecord {
            download_id,
            time_ms,
            ticket: Some(ticket),
            organization: None,
            attachment: None,
            url: None,
            route: Route::Sidecar { requested: path },
            state: State::InProgress,
            helper: Work::default(),
        })
    }

    /// The newest record of the download the browser now calls `id`.
    fn newest_with_id(&self, id: u64) -> Option<&FileRecord> {
        self.files.iter().rev().find(|r| r.download_id == id)
    }

    /// The browser says where download `id` is now. Only a record still in progress
    /// changes, and only when the browser's download started when the record did (else
    /// the id is a reused one). Unknown ids and unchanged states write nothing.
    pub fn observe(&mut self, id: u64, observed: &Observed) -> Writes {
        let Some(record) = self.newest_with_id(id) else {
            return Writes::default();
        };
        if record.state != State::InProgress {
            return Writes::default();
        }
        let same_start = observed
            .start_ms
            .is_none_or(|s| (s - record.time_ms).abs() <= SAME_START_MS);
        let browser = if same_start {
            &observed.state
        } else {
            &BrowserState::Unknown
        };
        let state = match browser {
            BrowserState::InProgress => return Writes::default(),
            BrowserState::Complete { filename, bytes } => State::Complete {
                path: real_path(record.requested(), filename),
                absolute: Some(filename.clone()),
                bytes: *bytes,
            },
            BrowserState::Interrupted { reason } => State::Failed {
                reason: reason.clone(),
            },
            BrowserState::Unknown => State::Failed {
                reason: "the browser no longer lists this download".into(),
            },
        };
        let mut updated = record.clone();
        updated.state = state;
        // A file written over an older one (conflict action "overwrite", the sidecar of
        // each Download all): the older record's file is gone, this one describes the path.
        let replaced: Vec<RecordKey> = match &updated.state {
            State::Complete { path, .. } => self
                .files
                .iter()
                .filter(|r| r.key() != updated.key())
                .filter(|r| matches!(&r.state, State::Complete { path: p, .. } if p == path))
                .map(FileRecord::key)
                .collect(),
            _ => Vec::new(),
        };
        let mut writes = self.forget(&replaced);
        writes.set.push(updated.clone());
        self.put(updated);
        writes
    }

    /// Firefox's take-over kept the browser's own copy (`original`) because the routed
    /// copy (`routed`) failed: the routed record becomes the original's, marked kept
    /// unrouted with `reason`; its state is learnt from the browser like any other.
    pub fn kept_unrouted(&mut self, original: u64, routed: u64, reason: String) -> Writes {
        let Some(record) = self.newest_with_id(routed).cloned() else {
            return Writes::default();
        };
        let mut writes = self.forget(&[record.key()]);
        let kept = FileRecord {
            download_id: original,
            route: Route::KeptUnrouted { reason },
            state: State::InProgress,
            // Where the browser put it, outside the base folder: not the helper's.
            helper: Work::default(),
            ..record
        };
        writes.set.push(kept.clone());
        self.put(kept);
        writes
    }

    /// The next request to the local helper for the download the browser calls `id`, once
    /// it is complete and while its decision's after-complete work is not done. Handed out
    /// once until answered: a download reported complete twice is not moved twice.
    pub fn helper_next(&mut self, id: u64) -> Option<HelperStep> {
        let step = self.newest_with_id(id)?.helper_step()?;
        if self.asked.contains(&step.key) {
            return None;
        }
        self.asked.push(step.key);
        Some(step)
    }

    /// What the helper answered (`reply`) to record `key`'s pending request (the one
    /// [`Records::helper_next`] or the previous answer gave): recorded, with the next step.
    /// An answer for a record without a pending request changes nothing.
    pub fn helper_answered(&mut self, key: &RecordKey, reply: &Reply) -> HelperAnswered {
        let Some(mut record) = self.get(key).cloned() else {
            return HelperAnswered::default();
        };
        let Some(step) = record.helper_step() else {
            return HelperAnswered::default();
        };
        record.helper.answered(&step.request, reply);
        let next = record.helper_step();
        if next.is_none() {
            self.asked.retain(|k| k != key);
        }
        let answered = HelperAnswered {
            writes: Writes::set(&record),
            next,
        };
        self.put(record);
        answered
    }

    /// Forgets these records (deleted by retention, found gone, removed from the list by
    /// the user): with them go their ✓ marks and "already saved".
    pub fn forget(&mut self, keys: &[RecordKey]) -> Writes {
        let mut writes = Writes::default();
        for key in keys {
            if let Ok(i) = self.position(key) {
                self.files.remove(i);
                writes.remove.push(key.storage_key());
            }
        }
        writes
    }

    /// One record.
    pub fn get(&self, key: &RecordKey) -> Option<&FileRecord> {
        self.position(key).ok().map(|i| &self.files[i])
    }

    /// True when some record was made for download `id` (this browser session's or an
    /// earlier one's).
    pub fn has_download(&self, id: u64) -> bool {
        self.files.iter().any(|r| r.download_id == id)
    }

    /// The downloads still in progress (to ask the browser about after a worker restart).
    pub fn in_progress(&self) -> Vec<u64> {
        self.files
            .iter()
            .filter(|r| r.state == State::InProgress)
            .map(|r| r.download_id)
            .collect()
    }

    /// The files retention owns (see [`FileRecord::retained`]), oldest first.
    pub fn retained(&self) -> Vec<&FileRecord> {
        self.files.iter().filter(|r| r.retained()).collect()
    }

    /// Where to look for each of these records' files.
    pub fn locate<'a>(&self, records: impl IntoIterator<Item = &'a FileRecord>) -> Vec<Locate> {
        records
            .into_iter()
            .map(|r| Locate {
                key: r.key(),
                download_id: r.download_id,
                absolute: match &r.state {
                    State::Complete { absolute, .. } => absolute.clone(),
                    _ => None,
                },
            })
            .collect()
    }

    /// The files of `keys`, to locate.
    pub fn locate_keys(&self, keys: &[RecordKey]) -> Vec<Locate> {
        self.locate(keys.iter().filter_map(|k| self.get(k)))
    }

    /// The routed downloads of `attachments` the records say are on disk: where to look
    /// for them before [`Records::saved`] ("already saved", the ✓ marks).
    pub fn saved_candidates(&self, attachments: &[AttachmentKey]) -> Vec<Locate> {
        self.locate(self.files.iter().filter(|r| {
            r.saved()
                && r.attachment
                    .as_ref()
                    .is_some_and(|a| attachments.contains(a))
        }))
    }

    /// [`Records::saved_candidates`] of the attachments these links on an agent page point
    /// to (other links are ignored): where to look before [`Records::saved_links`].
    pub fn saved_candidates_of_links(
        &self,
        links: &[String],
        host_mapped: &[String],
    ) -> Vec<Locate> {
        let attachments: Vec<AttachmentKey> = links
            .iter()
            .filter_map(|href| AttachmentKey::of_link(href, host_mapped))
            .collect();
        self.saved_candidates(&attachments)
    }

    /// The saved-attachment candidates of one ticket (for Download all).
    pub fn saved_candidates_of_ticket(&self, ticket: &TicketRef) -> Vec<Locate> {
        self.locate(
            self.files
                .iter()
                .filter(|r| r.saved() && r.ticket.as_ref() == Some(ticket)),
        )
    }

    /// The records among `found` whose file is on disk and is the file the record
    /// describes (not another download that now has its id).
    pub fn existing(&self, found: &[Located]) -> Vec<RecordKey> {
        found
            .iter()
            .filter(|b| self.is_there(b))
            .map(|b| b.key)
            .collect()
    }

    /// Whether `found` is a complete download whose file is there and is its record's.
    fn is_there(&self, found: &Located) -> bool {
        found.exists && found.state == "complete" && self.is_recorded_file(found)
    }

    /// Whether what the browser found for a record (by its download id or its path) is
    /// the file the record describes: deleting through a reused download id would delete
    /// another file.
    pub fn is_recorded_file(&self, found: &Located) -> bool {
        self.get(&found.key)
            .is_some_and(|r| same_file(r, &found.filename))
    }

    /// Whether the files of the history entries `keys` are still where they were saved,
    /// given what the browser `found` for them: the popup offers *Show* only for a file
    /// that is there, and says "deleted or moved" for one that is not.
    pub fn on_disk(&self, keys: &[RecordKey], found: &[Located]) -> Vec<OnDisk> {
        let existing = self.existing(found);
        keys.iter()
            .filter_map(|key| self.get(key).map(|r| (key, r)))
            .map(|(key, r)| {
                let there = found
                    .iter()
                    .find(|b| b.key == *key && existing.contains(key))
                    .map(|b| b.id);
                OnDisk {
                    key: *key,
                    download_id: there,
                    gone: there.is_none()
                        && matches!(r.state, State::Complete { .. })
                        && r.helper.moved_to().is_none(),
                }
            })
            .collect()
    }

    /// The saved attachments among `attachments`, given which records' files still exist
    /// on disk: each with its newest existing record.
    pub fn saved(
        &self,
        attachments: &[AttachmentKey],
        existing: &[RecordKey],
    ) -> Vec<(AttachmentKey, &FileRecord)> {
        attachments
            .iter()
            .filter_map(|a| Some((a.clone(), self.newest_saved(a, existing)?)))
            .collect()
    }

    /// The newest record of `attachment` saved into its ticket's folder whose file is
    /// among the `existing`, or was moved by the local helper (the browser no longer
    /// knows where it is; Download all must not fetch it again).
    fn newest_saved(
        &self,
        attachment: &AttachmentKey,
        existing: &[RecordKey],
    ) -> Option<&FileRecord> {
        self.files.iter().rev().find(|r| {
            r.saved()
                && r.attachment.as_ref() == Some(attachment)
                && (existing.contains(&r.key()) || r.helper.moved_to().is_some())
        })
    }

    /// The ✓ marks: the links among `links` (on an agent page) whose attachment is saved
    /// into its ticket's folder and still there, given what the browser `found` for
    /// [`Records::saved_candidates_of_links`]. Each with the browser's download id of the
    /// file now (a ✓ click shows it) and the file's folder.
    pub fn saved_links(
        &self,
        links: &[String],
        found: &[Located],
        host_mapped: &[String],
    ) -> Vec<SavedLink> {
        let existing = self.existing(found);
        links
            .iter()
            .filter_map(|href| {
                let attachment = AttachmentKey::of_link(href, host_mapped)?;
                let record = self.newest_saved(&attachment, &existing)?;
                let now = found
                    .iter()
                    .find(|b| b.key == record.key() && self.is_there(b))?;
                Some(SavedLink {
                    href: href.clone(),
                    download_id: now.id,
                    folder: record.folder()?.to_owned(),
                })
            })
            .collect()
    }

    /// The organizations (Zendesk names) of the recorded files, sorted, each once: what
    /// the alias editor offers.
    pub fn organizations(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .files
            .iter()
            .filter_map(|r| r.organization.clone())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The folders that held the `deleted` files (paths relative to Downloads) and hold no
    /// file the records still track, deepest first (`zendesk/ACME Corp/4711/`, then
    /// `zendesk/ACME Corp/`). The browser cannot delete folders: the clean-up lists them so
    /// the user can. Only folders below the first component (the base folder) are listed.
    pub fn emptied_folders<'a>(
        &'a self,
        deleted: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let remaining = self.files.iter().filter(|r| r.retained());
        folders_left_empty(deleted, remaining.filter_map(FileRecord::path))
    }

    /// The newest records as the popup's history.
    pub fn history(&self, len: usize) -> Vec<HistoryEntry> {
        self.files
            .iter()
            .rev()
            .take(len)
            .map(history_entry)
            .collect()
    }

    /// Whether the sidecar may replace the file at `path`: only when the newest file the
    /// records put there is a sidecar this extension wrote. So a customer attachment named
    /// `ticket.html` is never replaced (the sidecar gets a new name beside it instead).
    pub fn sidecar_may_replace(&self, path: &str) -> bool {
        self.files
            .iter()
            .rev()
            .find(|r| matches!(&r.state, State::Complete { path: p, .. } if p == path))
            .is_some_and(|r| matches!(r.route, Route::Sidecar { .. }))
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
        key: r.key(),
        download_id: r.download_id,
        url: r.url.clone(),
        time: r.time_ms,
        path: r.path().map(str::to_owned),
        folder: r.folder().map(str::to_owned),
        file_name: r.file_name().map(str::to_owned),
        source,
        note,
        ticket: r.ticket.clone(),
        organization: r.organization.clone(),
        state,
        helper: r.helper.done.clone(),
        helper_pending: matches!(r.state, State::Complete { .. }) && r.helper.pending(),
    }
}

/// The folders of the `deleted` paths that none of the `remaining` paths is in, deepest
/// first; only folders below the first component (the base folder).
fn folders_left_empty<'a>(
    deleted: impl IntoIterator<Item = &'a str>,
    remaining: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    fn folders(path: &str) -> impl Iterator<Item = String> + '_ {
        let parts: Vec<&str> = path.split('/').collect();
        (2..parts.len())
            .rev()
            .map(move |n| parts[..n].join("/") + "/")
    }
    let kept: Vec<String> = remaining.into_iter().flat_map(folders).collect();
    let mut emptied: Vec<String> = Vec::new();
    for folder in deleted.into_iter().flat_map(folders) {
        if !kept.contains(&folder) && !emptied.contains(&folder) {
            emptied.push(folder);
        }
    }
    // Deepest first: a ticket's folder before its organization's.
    let depth = |f: &String| f.matches('/').count();
    let deepest = emptied.iter().map(depth).max().unwrap_or(0);
    (1..=deepest)
        .rev()
        .flat_map(|d| emptied.iter().filter(move |f| depth(f) == d).cloned())
        .collect()
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

    /// A routed download `id` that started at `id` ms.
    fn routed(id: u64, path: &str, token: &str) -> FileRecord {
        FileRecord {
            download_id: id,
            time_ms: id as f64,
            ticket: Some(TicketRef {
                instance: Instance::new("acme"),
                id: TicketId(4711),
            }),
            organization: Some("ACME Corp.".into()),
            attachment: Some(att(token)),
            url: None,
            route: Route::Routed {
                requested: path.into(),
                source: Source::TokenIndex,
                note: None,
            },
            helper: Default::default(),
            state: State::InProgress,
        }
    }

    fn complete(filename: &str) -> Observed {
        Observed {
            start_ms: None,
            state: BrowserState::Complete {
                filename: filename.into(),
                bytes: Some(10),
            },
        }
    }

    fn set_keys(w: &Writes) -> Vec<String> {
        w.set.iter().map(|r| r.key().storage_key()).collect()
    }

    fn key(id: u64) -> RecordKey {
        RecordKey {
            time_ms: id,
            download_id: id,
        }
    }

    /// What the browser answers for a record's file.
    fn found(id: u64, filename: &str) -> Located {
        Located {
            key: key(id),
            id,
            filename: filename.into(),
            exists: true,
            state: "complete".into(),
        }
    }

    /// Loads a snapshot written as a JSON object, as the shell hands it over.
    fn load_json(r: &mut Records, stored: &serde_json::Value, replace: bool) -> Loaded {
        let Value::Object(map) = Value::from(stored.clone()) else {
            panic!("a snapshot is an object")
        };
        r.load(map, &Documents, replace)
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
        assert_eq!(set_keys(&w), ["file:2-2"]);
        let paths: Vec<_> = r
            .retained()
            .iter()
            .map(|f| f.path().unwrap().to_owned())
            .collect();
        assert_eq!(paths, [p, "zendesk/ACME/4711/production_log (1).tar.gz"]);
    }

    #[test]
    fn a_file_written_over_replaces_the_older_record_of_that_path() {
        let mut r = Records::default();
        let p = "zendesk/A/1/ticket.html";
        r.started(routed(1, p, "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/ticket.html"));
        r.started(routed(2, p, "T1"));
        let w = r.observe(2, &complete("/d/zendesk/A/1/ticket.html"));
        assert_eq!(w.remove, ["file:1-1"]);
        assert_eq!(set_keys(&w), ["file:2-2"]);
        let keys: Vec<_> = r.retained().iter().map(|f| f.key()).collect();
        assert_eq!(keys, [key(2)]);
    }

    #[test]
    fn a_download_id_reused_after_a_restart_keeps_both_records() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/old.log", "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/old.log"));
        // Firefox after a restart: download 1 again, another file, a week later.
        let mut new = routed(1, "zendesk/A/1/new.log", "T2");
        new.time_ms = 7.0 * 86_400_000.0;
        r.started(new);
        r.observe(1, &complete("/d/zendesk/A/1/new.log"));
        let paths: Vec<_> = r.retained().iter().map(|f| f.path().unwrap()).collect();
        assert_eq!(paths, ["zendesk/A/1/old.log", "zendesk/A/1/new.log"]);
    }

    #[test]
    fn a_browser_download_that_started_at_another_time_is_not_the_recorded_one() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        let other = Observed {
            start_ms: Some(1.0 + SAME_START_MS + 1.0),
            ..complete("/d/other.pdf")
        };
        r.observe(1, &other);
        let rec = r.get(&key(1)).expect("record");
        assert!(matches!(rec.state, State::Failed { .. }), "{rec:?}");
        assert!(r.retained().is_empty());
        assert_eq!(
            rec.path(),
            Some("zendesk/A/1/a.log"),
            "not the other file's"
        );

        // Within ten minutes of the record: the recorded download.
        r.started(routed(2, "zendesk/A/1/b.log", "T2"));
        let close = Observed {
            start_ms: Some(2.0 + SAME_START_MS - 1.0),
            ..complete("/d/zendesk/A/1/b.log")
        };
        assert_eq!(set_keys(&r.observe(2, &close)), ["file:2-2"]);
        assert_eq!(r.retained().len(), 1);
    }

    #[test]
    fn a_failed_record_stays_failed_whatever_the_browser_says_later() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        let failed = Observed {
            start_ms: None,
            state: BrowserState::Interrupted {
                reason: "NETWORK_FAILED".into(),
            },
        };
        assert_eq!(set_keys(&r.observe(1, &failed)), ["file:1-1"]);
        assert_eq!(
            r.observe(1, &complete("/d/zendesk/A/1/a.log")),
            Writes::default()
        );
        assert!(r.retained().is_empty());
        assert!(r.in_progress().is_empty());
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
        let rec = r.get(&key(1)).expect("record");
        assert!(same_file(rec, "/d/zendesk/ACME/4711/a.log"));
        assert!(same_file(rec, "C:\\d\\zendesk\\ACME\\4711\\a.log"));
        assert!(!same_file(rec, "/d/other.pdf"));
        assert!(!same_file(rec, "/d/zendesk/ACME/4711/xa.log"));
        assert!(r.existing(&[found(1, "/d/other.pdf")]).is_empty());
        assert_eq!(
            r.existing(&[found(1, "/d/zendesk/ACME/4711/a.log")]),
            [key(1)]
        );
    }

    #[test]
    fn the_history_offers_show_only_for_files_still_on_disk() {
        let mut r = Records::default();
        for id in 1..=4 {
            r.started(routed(id, &format!("zendesk/A/1/{id}.log"), "T1"));
        }
        for id in 1..=3 {
            r.observe(id, &complete(&format!("/d/zendesk/A/1/{id}.log")));
        }
        let deleted = Located {
            exists: false,
            ..found(2, "/d/zendesk/A/1/2.log")
        };
        let found = [found(1, "/d/zendesk/A/1/1.log"), deleted];
        let shown = r.on_disk(&[key(1), key(2), key(3), key(4)], &found);
        let summary: Vec<_> = shown.iter().map(|o| (o.download_id, o.gone)).collect();
        assert_eq!(
            summary,
            [
                (Some(1), false), // there
                (None, true),     // deleted
                (None, true),     // the browser no longer knows it
                (None, false),    // still downloading
            ]
        );
    }

    #[test]
    fn a_malformed_record_is_skipped_and_reported() {
        let good = serde_json::to_value(routed(1, "zendesk/A/1/a.log", "T1")).expect("json");
        let elsewhere = serde_json::to_value(routed(4, "zendesk/A/1/b.log", "T2")).expect("json");
        let stored = json!({
            "file:1-1": good,
            "file:2-2": {"downloadId": 2, "timeMs": 2, "route": "routed", "state": "inProgress"},
            "file:3-3": elsewhere,
            "file:5-5": "not an object",
            "settings": {"enabled": true},
        });
        let mut r = Records::default();
        let report = load_json(&mut r, &stored, false);
        assert_eq!(report.loaded, 1);
        assert_eq!(report.skipped.len(), 3, "{:?}", report.skipped);
        assert!(
            report.skipped[0].starts_with("file:2-2: "),
            "{:?}",
            report.skipped
        );
        assert!(
            report.skipped[0].contains("requested"),
            "{:?}",
            report.skipped
        );
        assert_eq!(r.history(10).len(), 1);
    }

    #[test]
    fn records_round_trip_through_storage() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        let w = r.observe(1, &complete("/d/zendesk/A/1/a.log"));
        let stored = serde_json::to_value(&w).expect("json");
        let mut back = Records::default();
        let report = load_json(&mut back, &stored["set"], false);
        assert_eq!(report.loaded, 1);
        assert_eq!(back.get(&key(1)), r.get(&key(1)));
    }

    #[test]
    fn saved_means_routed_into_the_ticket_folder_complete_and_existing() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        r.started(routed(2, "zendesk/A/1/b.log", "T2"));
        r.observe(2, &complete("/d/zendesk/A/1/b.log"));
        let candidates = r.saved_candidates(&[att("T1"), att("T2")]);
        assert_eq!(candidates.len(), 1);
        assert_eq!(
            candidates[0].absolute.as_deref(),
            Some("/d/zendesk/A/1/b.log")
        );
        assert!(r.saved(&[att("T2")], &[]).is_empty(), "gone from disk");
        assert_eq!(r.saved(&[att("T2")], &[key(2)]).len(), 1);
        r.forget(&[key(2)]);
        assert!(
            r.saved_candidates(&[att("T2")]).is_empty(),
            "retention cleared it"
        );

        let mut fallback = routed(3, "zendesk/_unsorted/c.log", "T3");
        fallback.route = Route::Routed {
            requested: "zendesk/_unsorted/c.log".into(),
            source: Source::Fallback,
            note: None,
        };
        r.started(fallback);
        r.observe(3, &complete("/d/zendesk/_unsorted/c.log"));
        assert!(
            r.saved_candidates(&[att("T3")]).is_empty(),
            "not in its ticket folder"
        );
    }

    #[test]
    fn left_alone_downloads_are_recorded_but_not_retained_or_saved() {
        let decision = Decision::Pass {
            reason: PassReason::Rule,
            rule: Some(0),
        };
        let rec = FileRecord::started(7, &Started::from(&decision), Some(att("T7")), None, 1.0)
            .expect("recorded");
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
        let failed = Observed {
            start_ms: None,
            state: BrowserState::Interrupted {
                reason: "NETWORK_FAILED".into(),
            },
        };
        r.observe(3, &failed);
        let w = r.kept_unrouted(2, 3, "NETWORK_FAILED".into());
        assert_eq!(set_keys(&w), ["file:3-2"]);
        assert_eq!(w.remove, ["file:3-3"]);
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
    fn legacy_routed_files_become_records_and_the_old_keys_go() {
        let mut r = Records::default();
        let stored = json!({
            "routedFiles": [
                {"downloadId": 5, "path": "zendesk/A/1/a.log", "timeMs": 3.0, "ticket": null},
                {"downloadId": "x"}
            ],
            "savedAttachments": {"T1": 5},
            "settings": {"enabled": true},
        });
        let loaded = load_json(&mut r, &stored, false);
        assert_eq!((loaded.loaded, loaded.skipped.len()), (1, 1));
        assert!(
            loaded.skipped[0].starts_with("routedFiles[1]: "),
            "{:?}",
            loaded.skipped
        );
        assert_eq!(set_keys(&loaded.writes), ["file:3-5"]);
        let mut removed = loaded.writes.remove.clone();
        removed.sort();
        assert_eq!(removed, ["routedFiles", "savedAttachments"]);
        let rec = r.get(&RecordKey {
            time_ms: 3,
            download_id: 5,
        });
        assert_eq!(rec.and_then(FileRecord::path), Some("zendesk/A/1/a.log"));
        assert_eq!(r.retained().len(), 1, "retention tracks it");
    }

    #[test]
    fn a_file_record_wins_over_its_entry_in_the_legacy_list() {
        let mut record = routed(5, "zendesk/A/1/renamed.log", "T1");
        record.time_ms = 3.0;
        let stored = json!({
            "routedFiles": [{"downloadId": 5, "path": "zendesk/A/1/a.log", "timeMs": 3}],
            "file:3-5": serde_json::to_value(&record).expect("json"),
        });
        let mut r = Records::default();
        let loaded = load_json(&mut r, &stored, false);
        assert!(loaded.writes.set.is_empty(), "{:?}", loaded.writes);
        assert_eq!(loaded.writes.remove, ["routedFiles"]);
        let paths: Vec<_> = r.history(5).into_iter().filter_map(|h| h.path).collect();
        assert_eq!(paths, ["zendesk/A/1/renamed.log"]);
    }

    #[test]
    fn a_legacy_list_that_is_no_list_is_reported_and_removed() {
        let mut r = Records::default();
        let loaded = load_json(&mut r, &json!({"routedFiles": {"a": 1}}), false);
        assert_eq!(loaded.loaded, 0);
        assert_eq!(loaded.skipped.len(), 1);
        assert!(loaded.skipped[0].starts_with("routedFiles: not a list"));
        assert_eq!(loaded.writes.remove, ["routedFiles"]);
    }

    #[test]
    fn a_record_held_wins_over_the_snapshot_unless_it_replaces() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/a.log"));
        let stale = routed(1, "zendesk/A/1/a.log", "T1");
        let other = routed(2, "zendesk/A/1/b.log", "T2");
        let stored = json!({
            "file:1-1": serde_json::to_value(&stale).expect("json"),
            "file:2-2": serde_json::to_value(&other).expect("json"),
        });
        let loaded = load_json(&mut r, &stored, false);
        assert_eq!(loaded.loaded, 2);
        assert_eq!(loaded.writes, Writes::default(), "nothing to convert");
        let state = |r: &Records, id| r.get(&key(id)).map(|f| f.state.clone());
        assert!(
            matches!(state(&r, 1), Some(State::Complete { .. })),
            "the newer record in memory stays"
        );
        assert_eq!(state(&r, 2), Some(State::InProgress));

        load_json(
            &mut r,
            &json!({"file:2-2": serde_json::to_value(&other).expect("json")}),
            true,
        );
        assert_eq!(state(&r, 1), None, "storage no longer holds it");
        assert_eq!(state(&r, 2), Some(State::InProgress));
    }

    /// The decision the router gives a download of ticket 4711 (`source`).
    fn route_decision(path: &str, source: &str) -> Started {
        serde_json::from_value(json!({
            "action": "route", "path": path, "source": source, "conflictAction": "uniquify",
            "ticket": {"instance": "acme", "id": 4711}, "organization": "ACME Corp."
        }))
        .expect("a decision as the router serializes it")
    }

    fn event(url: &str) -> DownloadEvent {
        DownloadEvent {
            url: url.into(),
            ..DownloadEvent::default()
        }
    }

    #[test]
    fn a_started_download_is_recorded_with_the_attachment_its_url_names() {
        let mut r = Records::default();
        let url = "https://acme.zendesk.com/attachments/token/T1/?name=a.log";
        let w = r.download_started(
            7,
            &event(url),
            &route_decision("zendesk/ACME Corp/4711/a.log", "tokenIndex"),
            &[],
            1_000.0,
        );
        assert_eq!(set_keys(&w), ["file:1000-7"]);
        let rec = &w.set[0];
        assert_eq!(rec.attachment, Some(att("T1")));
        assert_eq!(rec.url.as_deref(), Some(url));
        assert_eq!(rec.organization.as_deref(), Some("ACME Corp."));
        assert_eq!(rec.requested(), Some("zendesk/ACME Corp/4711/a.log"));
        assert_eq!(rec.state, State::InProgress);
    }

    /// The record of [`completed_with`].
    const K7: RecordKey = RecordKey {
        time_ms: 1_000,
        download_id: 7,
    };

    /// Records download 7 of `gitlabsos.tar.gz` decided with `after_complete`, complete at
    /// its requested path below `/home/me/Downloads`.
    fn completed_with(after_complete: serde_json::Value) -> Records {
        let mut r = Records::default();
        let url = "https://acme.zendesk.com/attachments/token/T1/?name=gitlabsos.tar.gz";
        let mut decision = route_decision("zendesk/ACME Corp/4711/gitlabsos.tar.gz", "tokenIndex");
        decision.after_complete = serde_json::from_value(after_complete).expect("afterComplete");
        r.download_started(7, &event(url), &decision, &[], 1_000.0);
        r.observe(
            7,
            &complete("/home/me/Downloads/zendesk/ACME Corp/4711/gitlabsos.tar.gz"),
        );
        r
    }

    fn reply(v: serde_json::Value) -> Reply {
        serde_json::from_value(v).expect("a helper reply")
    }

    #[test]
    fn a_completed_download_is_moved_then_unpacked_and_the_history_says_so() {
        let mut r = completed_with(json!({"unpack": true, "moveTo": "/srv/customers"}));
        let pending = |r: &Records| {
            serde_json::to_value(r.history(1)).expect("json")[0]
                .get("helperPending")
                .cloned()
        };
        assert_eq!(pending(&r), Some(json!(true)), "waiting for the helper");
        let step = serde_json::to_value(r.helper_next(7)).expect("json");
        assert_eq!(r.helper_next(7), None, "handed out once until answered");
        assert_eq!(
            step,
            json!({"key": "1000-7", "request": {"type": "move",
                "path": "/home/me/Downloads/zendesk/ACME Corp/4711/gitlabsos.tar.gz", "to": "/srv/customers"}})
        );
        let moved = r.helper_answered(
            &K7,
            &reply(json!({"ok": true, "path": "/srv/customers/ACME Corp/4711/gitlabsos.tar.gz"})),
        );
        assert_eq!(
            serde_json::to_value(&moved.next).expect("json"),
            json!({"key": "1000-7", "request": {"type": "unpack", "path": "/srv/customers/ACME Corp/4711/gitlabsos.tar.gz"}})
        );
        let stored = serde_json::to_value(&moved.writes).expect("json");
        assert_eq!(
            stored["set"]["file:1000-7"]["helper"],
            json!({"state": "moved", "path": "/srv/customers/ACME Corp/4711/gitlabsos.tar.gz"})
        );
        let unpacked = r.helper_answered(&K7, &reply(json!({"ok": true, "folder": "/srv/customers/ACME Corp/4711/gitlabsos", "files": 12, "skipped": 0})));
        assert_eq!(unpacked.next, None);
        assert_eq!(r.helper_next(7), None, "done");
        assert_eq!(pending(&r), None, "no longer waiting");
        let history = serde_json::to_value(r.history(1)).expect("json");
        assert_eq!(
            history[0]["helper"],
            json!({"state": "unpacked", "path": "/srv/customers/ACME Corp/4711/gitlabsos.tar.gz",
                   "folder": "/srv/customers/ACME Corp/4711/gitlabsos", "files": 12, "skipped": 0})
        );
        let gone = r.on_disk(&[K7], &[]);
        assert!(!gone[0].gone, "moved, not gone: the history says where");
        let mut again = Records::default();
        load_json(
            &mut again,
            &json!({"file:1000-7": stored["set"]["file:1000-7"]}),
            false,
        );
        assert_eq!(
            again.helper_next(7).map(|s| s.request),
            Some(Request::Unpack {
                path: "/srv/customers/ACME Corp/4711/gitlabsos.tar.gz".into()
            }),
            "a worker restarted between the steps goes on where it stopped"
        );
    }

    #[test]
    fn a_file_the_helper_moved_counts_as_saved_though_the_browser_no_longer_finds_it() {
        let mut r = completed_with(json!({"unpack": false, "moveTo": "/srv/customers"}));
        assert!(
            r.saved(&[att("T1")], &[]).is_empty(),
            "not found, not moved: not saved"
        );
        r.helper_answered(
            &K7,
            &reply(json!({"ok": true, "path": "/srv/customers/a.tgz"})),
        );
        let saved = r.saved(&[att("T1")], &[]);
        assert_eq!(saved.iter().map(|(_, f)| f.key()).collect::<Vec<_>>(), [K7]);
    }

    #[test]
    fn the_helper_is_asked_nothing_before_completion_or_without_work_and_a_stray_answer_changes_nothing(
    ) {
        let mut r = Records::default();
        let url = "https://acme.zendesk.com/attachments/token/T1/?name=a.zip";
        let mut decision = route_decision("zendesk/ACME Corp/4711/a.zip", "tokenIndex");
        decision.after_complete = Some(AfterComplete {
            unpack: true,
            move_to: None,
        });
        r.download_started(7, &event(url), &decision, &[], 1_000.0);
        assert_eq!(r.helper_next(7), None, "still downloading");
        let stray = r.helper_answered(&K7, &reply(json!({"ok": true, "folder": "/x"})));
        assert_eq!(stray, HelperAnswered::default(), "nothing pending yet");
        r.observe(7, &complete("/dl/zendesk/ACME Corp/4711/a.zip"));
        let step = r.helper_next(7).map(|s| s.request);
        let path = "/dl/zendesk/ACME Corp/4711/a.zip".to_owned();
        assert_eq!(step, Some(Request::Unpack { path }));
        let done = r.helper_answered(&K7, &reply(json!({"ok": true, "folder": "/dl/x"})));
        assert_eq!(done.next, None);
        assert_eq!(r.helper_next(7), None, "done");
        let mut plain = completed_with(json!(null));
        assert_eq!(plain.helper_next(7), None, "nothing to do");
        assert_eq!(
            serde_json::to_value(plain.history(1)).expect("json")[0].get("helper"),
            None
        );
    }

    #[test]
    fn a_helper_that_cannot_be_reached_leaves_the_file_where_the_browser_put_it() {
        let mut r = completed_with(json!({"unpack": true, "moveTo": "/srv/customers"}));
        let failed = r.helper_answered(
            &K7,
            &reply(json!({"failed": "Specified native messaging host not found."})),
        );
        assert_eq!(
            failed.next, None,
            "no unpack in Downloads after a failed move"
        );
        let history = serde_json::to_value(r.history(1)).expect("json");
        assert_eq!(
            history[0]["helper"],
            json!({"state": "failed", "reason": "Specified native messaging host not found."})
        );
        assert_eq!(
            history[0]["path"],
            "zendesk/ACME Corp/4711/gitlabsos.tar.gz"
        );
    }

    #[test]
    fn a_signed_url_takes_the_instance_of_the_decided_ticket() {
        let mut r = Records::default();
        let signed = "https://p3.zdusercontent.com/attachment/1/T1?token=eyJ";
        let decision = route_decision("zendesk/ACME Corp/4711/a.log", "referrer");
        let w = r.download_started(7, &event(signed), &decision, &[], 1.0);
        assert_eq!(w.set[0].attachment, Some(att("T1")));

        let no_ticket = Started {
            ticket: None,
            ..decision
        };
        let w = r.download_started(8, &event(signed), &no_ticket, &[], 1.0);
        assert_eq!(w.set[0].attachment, None, "a token alone names no instance");
    }

    #[test]
    fn only_routed_and_left_alone_downloads_are_recorded() {
        let mut r = Records::default();
        let url = "https://acme.zendesk.com/attachments/token/T1/?name=a.har";
        let pass = |reason: &str| -> Started {
            serde_json::from_value(json!({"action": "pass", "reason": reason, "rule": 0}))
                .expect("a pass decision")
        };
        for decision in [pass("disabled"), pass("notZendesk")] {
            assert_eq!(
                r.download_started(1, &event(url), &decision, &[], 1.0),
                Writes::default(),
                "{decision:?}"
            );
        }
        let need: Started =
            serde_json::from_value(json!({"action": "needTicket", "instance": "acme"}))
                .expect("decision");
        assert_eq!(
            r.download_started(1, &event(url), &need, &[], 1.0),
            Writes::default()
        );
        let w = r.download_started(2, &event(url), &pass("rule"), &[], 1.0);
        assert_eq!(w.set[0].route, Route::LeftAlone { rule: Some(0) });
        assert!(!r.has_download(1));
    }

    #[test]
    fn the_sidecar_is_recorded_for_retention_but_is_no_saved_attachment() {
        let mut r = Records::default();
        let ticket = TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(4711),
        };
        let p = "zendesk/ACME Corp/4711/ticket.html";
        let w = r.sidecar_started(9, p.into(), ticket.clone(), 5.0);
        assert_eq!(set_keys(&w), ["file:5-9"]);
        r.observe(9, &complete("/d/zendesk/ACME Corp/4711/ticket.html"));
        assert_eq!(r.retained().len(), 1);
        assert!(r.saved_candidates_of_ticket(&ticket).is_empty());
        assert!(r.sidecar_may_replace(p));
        assert_eq!(r.history(1)[0].source, "sidecar");
    }

    #[test]
    fn saved_links_are_the_attachment_links_whose_file_is_there() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/ACME/4711/a.log", "T1"));
        r.observe(1, &complete("/d/zendesk/ACME/4711/a (1).log"));
        let links = [
            "https://acme.zendesk.com/attachments/token/T1/?name=a.log".to_owned(),
            "https://acme.zendesk.com/attachments/token/T2/?name=b.log".to_owned(),
            "https://acme.zendesk.com/agent/tickets/4711".to_owned(),
            "https://globex.zendesk.com/attachments/token/T1/?name=a.log".to_owned(),
        ];
        let candidates = r.saved_candidates_of_links(&links, &[]);
        assert_eq!(candidates.len(), 1, "{candidates:?}");
        assert_eq!(candidates[0].key, key(1));

        // After a browser restart the file is download 4.
        let renumbered = Located {
            id: 4,
            ..found(1, "/d/zendesk/ACME/4711/a (1).log")
        };
        let saved = r.saved_links(&links, &[renumbered], &[]);
        assert_eq!(
            saved,
            [SavedLink {
                href: links[0].clone(),
                download_id: 4,
                folder: "zendesk/ACME/4711/".into(),
            }]
        );
        let reused = found(1, "/d/other.pdf");
        assert!(r.saved_links(&links, &[reused], &[]).is_empty());
        let deleted = Located {
            exists: false,
            ..found(1, "/d/zendesk/ACME/4711/a (1).log")
        };
        assert!(r.saved_links(&links, &[deleted], &[]).is_empty());
    }

    #[test]
    fn host_mapped_links_are_attachments_too() {
        let host_mapped = ["support.example.com".to_owned()];
        let link = "https://support.example.com/attachments/token/T1/?name=a.log";
        let key = AttachmentKey::of_link(link, &host_mapped).expect("an attachment");
        assert_eq!(key.instance, Instance::new("support.example.com"));
        assert_eq!(key.token.as_str(), "T1");
        assert_eq!(AttachmentKey::of_link(link, &[]), None);
    }

    #[test]
    fn a_recorded_file_is_the_one_at_its_path() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/a.log"));
        assert!(r.is_recorded_file(&found(1, "/d/zendesk/A/1/a.log")));
        assert!(!r.is_recorded_file(&found(1, "/d/other.pdf")));
        assert!(
            !r.is_recorded_file(&found(2, "/d/zendesk/A/1/a.log")),
            "no such record"
        );
    }

    #[test]
    fn the_history_names_the_folder_and_the_file_apart() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/A/1/a.log", "T1"));
        r.observe(1, &complete("/d/zendesk/A/1/a (1).log"));
        let mut left = routed(2, "", "T2");
        left.route = Route::LeftAlone { rule: None };
        r.started(left);
        r.observe(2, &complete("/d/b.har"));
        let h = r.history(2);
        let parts: Vec<_> = h
            .iter()
            .map(|e| (e.folder.as_deref(), e.file_name.as_deref()))
            .collect();
        assert_eq!(
            parts,
            [
                (Some(""), Some("b.har")),
                (Some("zendesk/A/1/"), Some("a (1).log"))
            ]
        );
    }

    #[test]
    fn emptied_folders_are_those_no_tracked_file_remains_in() {
        let mut r = Records::default();
        r.started(routed(1, "zendesk/ACME/4712/d.log", "T1"));
        r.observe(1, &complete("/d/zendesk/ACME/4712/d.log"));
        // Not on disk: does not keep its folder.
        r.started(routed(2, "zendesk/Globex/9/e.log", "T2"));
        let got = r.emptied_folders([
            "zendesk/ACME/4711/a.log",
            "zendesk/ACME/4712/b.log",
            "zendesk/Globex/9/c.log",
        ]);
        assert_eq!(
            got,
            ["zendesk/ACME/4711/", "zendesk/Globex/9/", "zendesk/Globex/"]
        );
    }
}
