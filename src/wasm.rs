//! The JavaScript boundary: a `Router` object over the core, for the extension's worker
//! and pages.
//!
//! Each method converts its JS arguments to core types (a JS value becomes a
//! [`document::Value`], which serde reads into the core's types; ids and ticket numbers
//! checked on the way in), makes one call into the core — a function the
//! CLI or a native test calls too — and converts the answer back; errors become JS
//! `Error`s with the core's message. Answers go out through serde-wasm-bindgen's
//! serializer, as plain objects. No decision is made here, so nothing here needs a
//! browser to be tested: `tests/wasm.rs` checks only the conversions.

use crate::document::{self, Map, Value};
use crate::lookup::{AgentTab, Reloads};
use crate::records::{Located, Observed, ReadValue, RecordKey, Records, Started};
use crate::router::{self, DownloadEvent, Lookup};
use crate::settings::{self, ValidSettings};
use crate::tickets::{Knowledge, TicketRef};
use crate::zendesk::{self, CommentsResponse, Instance, TicketId};
use crate::{bulk, cleanup, host_mapped, retention, rule_draft, takeover, view};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;
use wasm_bindgen::prelude::*;

/// The router with its settings, what it knows about tickets, and the records of the
/// downloads it touched.
#[wasm_bindgen]
pub struct Router {
    settings: ValidSettings,
    knowledge: Knowledge,
    records: Records,
    reloads: Reloads,
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot convert the result for JavaScript: {e}")))
}

/// A JS value as a `T`: through a [`Value`] (one conversion for every type, and serde's
/// reading of each type compiled once, for [`document`]), not a deserializer per type
/// over `JsValue` — the smaller module (BENCHMARKS.md, "Size").
fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    read_js(&value).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

fn read_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let document = document_of(value, 0)?;
    document::from_value(document).map_err(|e| e.to_string())
}

/// Deeper than this is no value the extension sends (and a cycle would never end).
const MAX_NESTING: usize = 32;

/// `value` as a document: `undefined` members are left out, as `JSON.stringify` does.
fn document_of(value: &JsValue, depth: usize) -> Result<Value, String> {
    if depth > MAX_NESTING {
        return Err(format!("nested more than {MAX_NESTING} deep"));
    }
    let member = |v: &JsValue| document_of(v, depth + 1);
    Ok(if value.is_null() || value.is_undefined() {
        Value::Null
    } else if let Some(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = value.as_f64() {
        Value::Number(n)
    } else if let Some(s) = value.as_string() {
        Value::String(s)
    } else if js_sys::Array::is_array(value) {
        let list = js_sys::Array::from(value);
        Value::Array(list.iter().map(|v| member(&v)).collect::<Result<_, _>>()?)
    } else if value.is_object() {
        let mut map = Map::new();
        for pair in js_sys::Object::entries(value.unchecked_ref()).iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            let (key, v) = (pair.get(0), pair.get(1));
            if !v.is_undefined() {
                map.insert(key.as_string().unwrap_or_default(), member(&v)?);
            }
        }
        Value::Object(map)
    } else {
        return Err("not a JSON value (a function, symbol or bigint)".to_owned());
    })
}

/// A core error as a JS `Error` with the core's message.
fn js_error(e: impl Display) -> JsError {
    JsError::new(&e.to_string())
}

fn settings_from_js(value: JsValue) -> Result<ValidSettings, JsError> {
    ValidSettings::from_value(from_js::<Value>(value, "settings")?).map_err(js_error)
}

#[wasm_bindgen]
impl Router {
    /// A router with validated settings (`{}` for the defaults). Throws with every field
    /// error when the settings are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<Router, JsError> {
        #[cfg(feature = "debug-panics")]
        console_error_panic_hook::set_once();
        Ok(Router {
            settings: settings_from_js(settings)?,
            knowledge: Knowledge::default(),
            records: Records::default(),
            reloads: Reloads::default(),
        })
    }

    /// Replaces the settings; on error the old ones stay in force.
    #[wasm_bindgen(js_name = setSettings)]
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsError> {
        self.settings = settings_from_js(settings)?;
        Ok(())
    }

    /// The settings in force, normalised, with defaults filled in.
    #[wasm_bindgen(getter)]
    pub fn settings(&self) -> Result<JsValue, JsError> {
        to_js(self.settings.settings())
    }

    /// Decides where a download goes: `{action: "route", path, conflictAction, ticket,
    /// source, note?}`, `{action: "pass", reason}` or `{action: "needTicket", instance,
    /// lookup}`.
    pub fn decide(&self, event: JsValue) -> Result<JsValue, JsError> {
        let event: DownloadEvent = from_js(event, "download event")?;
        to_js(&router::decide(&event, &self.knowledge, &self.settings))
    }

    /// What a URL is to Zendesk (`{kind: "ticketPage", instance, ticketId}`,
    /// `{kind: "attachment", instance, token, name}`, `{kind: "signedAttachment", …}`),
    /// or `undefined`. The shim never parses Zendesk URLs itself.
    pub fn recognize(&self, url: &str) -> Result<JsValue, JsError> {
        optional(zendesk::recognize(url, self.host_mapped()))
    }

    /// Records a `/api/v2/tickets/{id}.json?include=organizations,users` response and
    /// returns the ticket record.
    #[wasm_bindgen(js_name = observeTicket)]
    pub fn observe_ticket(
        &mut self,
        instance: &str,
        response: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let response = from_js(response, "ticket response")?;
        let ticket = self
            .knowledge
            .observe_response(Instance::new(instance), &response, now_ms);
        to_js(&ticket.map_err(js_error)?)
    }

    /// Records one page of `/api/v2/tickets/{id}/comments.json`.
    #[wasm_bindgen(js_name = observeComments)]
    pub fn observe_comments(
        &mut self,
        instance: &str,
        ticket_id: f64,
        page: JsValue,
        now_ms: f64,
    ) -> Result<(), JsError> {
        let page: CommentsResponse = from_js(page, "comments response")?;
        let key = ticket_ref(instance, ticket_id)?;
        self.knowledge.observe_comments(&key, &page, now_ms);
        Ok(())
    }

    /// Records attachment tokens seen as links on a ticket's page (weaker evidence than
    /// the comments API, which they never override).
    #[wasm_bindgen(js_name = observeAttachments)]
    pub fn observe_attachments(
        &mut self,
        instance: &str,
        ticket_id: f64,
        tokens: Vec<String>,
        now_ms: f64,
    ) -> Result<(), JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        self.knowledge.observe_page_tokens(&key, &tokens, now_ms);
        Ok(())
    }

    /// The details of ticket `ticket_id` could not be loaded (`error`: `HTTP 500`).
    #[wasm_bindgen(js_name = observeFailure)]
    pub fn observe_failure(
        &mut self,
        instance: &str,
        ticket_id: f64,
        error: String,
        now_ms: f64,
    ) -> Result<(), JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        self.knowledge.observe_failure(key, error, now_ms);
        Ok(())
    }

    /// The popup's view of the ticket the front agent tab shows (`ticket_id` 0: none):
    /// `{routing, front: {ticket, details?, headline?, folder?} | null, downloadAll:
    /// {enabled, reason?}}`.
    pub fn view(&self, instance: &str, ticket_id: f64, now_ms: f64) -> Result<JsValue, JsError> {
        let front = if ticket_id == 0.0 {
            None
        } else {
            Some(ticket_ref(instance, ticket_id)?)
        };
        let view = view::view(&self.settings, &self.knowledge, front.as_ref(), now_ms);
        to_js(&view)
    }

    /// The toolbar badge `{text, color, title}` for the files placed since the browser
    /// started.
    pub fn badge(&self, routed: u32, fell_back: u32) -> Result<JsValue, JsError> {
        let routing = self.settings.settings().enabled;
        to_js(&view::badge(routing, routed, fell_back))
    }

    /// Which history entries' files are still on disk, given what the browser found for
    /// [`Router::locate`] of their keys: `[{key, downloadId?, gone}]`.
    #[wasm_bindgen(js_name = onDisk)]
    pub fn on_disk(&self, keys: Vec<String>, found: JsValue) -> Result<JsValue, JsError> {
        let found: Vec<Located> = from_js(found, "downloads found")?;
        to_js(&self.records.on_disk(&record_keys(&keys)?, &found))
    }

    /// The organization names seen (in the records and the ticket knowledge), sorted.
    pub fn organizations(&self) -> Vec<String> {
        view::organizations(&self.records, &self.knowledge)
    }

    /// The alias keys that match none of `organizations` (the options page warns).
    #[wasm_bindgen(js_name = unmatchedAliases)]
    pub fn unmatched_aliases(keys: Vec<String>, organizations: Vec<String>) -> Vec<String> {
        router::unmatched_aliases(keys.iter().map(String::as_str), &organizations)
    }

    /// The known ticket record, or `undefined`.
    pub fn ticket(&self, instance: &str, ticket_id: f64, now_ms: f64) -> Result<JsValue, JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        optional(self.knowledge.ticket(&key, now_ms))
    }

    /// "Download all": the plan for every attachment in `pages` (the comments API pages)
    /// of a known ticket, skipping what is saved (per the records and `found`, the
    /// browser's answers for [`Router::saved_candidates_of_ticket`]) unless `force`:
    /// `{items: [{attachmentId, url, fileName, size, decision, filename, conflictAction,
    /// status, scanResult?}], sidecar: {path, text, mime, conflictAction} | null}`. Throws
    /// when the ticket's details are not known.
    #[wasm_bindgen(js_name = planDownloadAll)]
    pub fn plan_download_all(
        &self,
        instance: &str,
        ticket_id: f64,
        pages: JsValue,
        found: JsValue,
        force: bool,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let run = bulk::Run {
            ticket: &ticket_ref(instance, ticket_id)?,
            pages: &from_js::<Vec<CommentsResponse>>(pages, "comments pages")?,
            found: &from_js::<Vec<Located>>(found, "downloads")?,
            options: bulk::Options { force },
        };
        let plan = bulk::plan_run(&self.settings, &self.knowledge, &self.records, run, now_ms);
        to_js(&plan.map_err(js_error)?)
    }

    /// Where to look for the saved files of a ticket before planning its Download all:
    /// `[{key, downloadId, absolute}]`.
    #[wasm_bindgen(js_name = savedCandidatesOfTicket)]
    pub fn saved_candidates_of_ticket(
        &self,
        instance: &str,
        ticket_id: f64,
    ) -> Result<JsValue, JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        to_js(&self.records.saved_candidates_of_ticket(&key))
    }

    // ---- records ------------------------------------------------------------------------

    /// Adds the records of a `storage.local` snapshot (every key; others are ignored) and
    /// converts what earlier versions stored: `{loaded, skipped: [reason], writes}`. A
    /// malformed record is skipped and reported, never fatal. With `replace`, the snapshot
    /// replaces what is in memory.
    #[wasm_bindgen(js_name = loadRecords)]
    pub fn load_records(&mut self, stored: JsValue, replace: bool) -> Result<JsValue, JsError> {
        if !stored.is_object() {
            return Err(JsError::new("the storage snapshot is not an object"));
        }
        let entries = js_sys::Object::entries(&stored.into());
        let entries = entries.iter().map(|pair| {
            let pair: js_sys::Array = pair.into();
            (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
        });
        to_js(&self.records.load(entries, &JsValues, replace))
    }

    /// A download started with `decision` (as the router returned it): its record.
    /// Returns the storage writes (`{set, remove}`), empty for a download the extension
    /// does not touch.
    #[wasm_bindgen(js_name = recordStarted)]
    pub fn record_started(
        &mut self,
        download_id: f64,
        event: JsValue,
        decision: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let id = download_id_of(download_id)?;
        let event: DownloadEvent = from_js(event, "download event")?;
        let decision: Started = from_js(decision, "decision")?;
        let host_mapped = &self.settings.settings().host_mapped_domains;
        let writes = self
            .records
            .download_started(id, &event, &decision, host_mapped, now_ms);
        to_js(&writes)
    }

    /// The sidecar of Download all started as download `download_id`: the writes.
    #[wasm_bindgen(js_name = recordSidecar)]
    pub fn record_sidecar(
        &mut self,
        download_id: f64,
        path: String,
        instance: &str,
        ticket_id: f64,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let (id, ticket) = (
            download_id_of(download_id)?,
            ticket_ref(instance, ticket_id)?,
        );
        to_js(&self.records.sidecar_started(id, path, ticket, now_ms))
    }

    /// What the browser says about download `download_id` (`{state: "complete",
    /// filename, bytes, startMs}`, `{state: "interrupted", reason, startMs}`, `{state:
    /// "inProgress"}`, `{state: "unknown"}`): the writes.
    #[wasm_bindgen(js_name = observeDownload)]
    pub fn observe_download(
        &mut self,
        download_id: f64,
        state: JsValue,
    ) -> Result<JsValue, JsError> {
        let id = download_id_of(download_id)?;
        let observed: Observed = from_js(state, "download state")?;
        to_js(&self.records.observe(id, &observed))
    }

    /// The next request to the local helper for download `download_id` once it is
    /// complete (after [`Router::observe_download`]): `{key, request: {type: "move", path,
    /// to} | {type: "unpack", path}}`, or `undefined` when there is nothing (more) to do
    /// or the step is handed out already (asked once until answered).
    #[wasm_bindgen(js_name = helperNext)]
    pub fn helper_next(&mut self, download_id: f64) -> Result<JsValue, JsError> {
        optional(self.records.helper_next(download_id_of(download_id)?))
    }

    /// What the local helper answered to record `key`'s request (its answer as it came, or
    /// `{failed: "<why>"}` when it could not be asked): `{writes, next?: {key, request}}`.
    #[wasm_bindgen(js_name = recordHelper)]
    pub fn record_helper(&mut self, key: &str, answer: JsValue) -> Result<JsValue, JsError> {
        let key: RecordKey = key.parse().map_err(|e: String| JsError::new(&e))?;
        let reply = from_js(answer, "helper answer")?;
        to_js(&self.records.helper_answered(&key, &reply))
    }

    /// Firefox's take-over kept the browser's own copy (download `original`) because the
    /// routed copy (download `routed`) failed: the writes.
    #[wasm_bindgen(js_name = recordKeptUnrouted)]
    pub fn record_kept_unrouted(
        &mut self,
        original: f64,
        routed: f64,
        reason: String,
    ) -> Result<JsValue, JsError> {
        let (original, routed) = (download_id_of(original)?, download_id_of(routed)?);
        to_js(&self.records.kept_unrouted(original, routed, reason))
    }

    /// Forgets these records (keys as the reviews give them): the writes.
    #[wasm_bindgen(js_name = forgetRecords)]
    pub fn forget_records(&mut self, keys: Vec<String>) -> Result<JsValue, JsError> {
        let keys = record_keys(&keys)?;
        to_js(&self.records.forget(&keys))
    }

    /// Where to look for the files of these records: `[{key, downloadId, absolute}]`.
    pub fn locate(&self, keys: Vec<String>) -> Result<JsValue, JsError> {
        to_js(&self.records.locate_keys(&record_keys(&keys)?))
    }

    /// The recorded downloads still in progress (to ask the browser about on start-up).
    #[wasm_bindgen(js_name = downloadsInProgress)]
    pub fn downloads_in_progress(&self) -> Vec<f64> {
        let ids = self.records.in_progress();
        ids.into_iter().map(|id| id as f64).collect()
    }

    /// True when some record was made for download `download_id`.
    #[wasm_bindgen(js_name = hasDownload)]
    pub fn has_download(&self, download_id: f64) -> bool {
        download_id_of(download_id).is_ok_and(|id| self.records.has_download(id))
    }

    /// The popup's history: the newest records, real paths (and their folder and file
    /// name apart), what happened.
    pub fn history(&self) -> Result<JsValue, JsError> {
        to_js(&self.records.history(crate::records::HISTORY_LEN))
    }

    /// Where to look before [`Router::saved_links`]: `[{key, downloadId, absolute}]`.
    #[wasm_bindgen(js_name = savedCandidates)]
    pub fn saved_candidates(&self, links: Vec<String>) -> Result<JsValue, JsError> {
        to_js(
            &self
                .records
                .saved_candidates_of_links(&links, self.host_mapped()),
        )
    }

    /// Which attachment links are saved into their ticket's folder and still on disk
    /// (`found`: what the browser answered for the candidates, `[{key, id, filename,
    /// exists, state}]`): `[{href, downloadId, folder}]`, `downloadId` being the
    /// browser's id now.
    #[wasm_bindgen(js_name = savedLinks)]
    pub fn saved_links(&self, links: Vec<String>, found: JsValue) -> Result<JsValue, JsError> {
        let found: Vec<Located> = from_js(found, "downloads")?;
        to_js(&self.records.saved_links(&links, &found, self.host_mapped()))
    }

    /// Retention: the tickets the clean-up must read, by the message that reads them:
    /// `{status: [ticket], comments: [ticket]}`.
    #[wasm_bindgen(js_name = ticketsToCheck)]
    pub fn tickets_to_check(&self) -> Result<JsValue, JsError> {
        let retained = self.records.retained();
        to_js(&retention::reads(&retained, self.settings.retention()))
    }

    /// Retention: reviews every retained file given what reading each ticket gave
    /// (`answers`: `[{ticket, response?, error?}]`, `response` being the tickets API JSON;
    /// `comments`: `[{ticket, comments?, error?}]`, `comments` its comment pages):
    /// `[{key, downloadId, path, moved?, timeMs, ticket, ageDays, verdict:
    /// "delete"|"keep"|"keepUnknown", reason?}]`.
    #[wasm_bindgen(js_name = reviewRetention)]
    pub fn review_retention(
        &self,
        answers: JsValue,
        comments: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let answers = from_js(answers, "ticket statuses")?;
        let comments = from_js(comments, "ticket comments")?;
        let retained = self.records.retained();
        let policy = self.settings.retention();
        to_js(&retention::review_answers(
            &retained, answers, comments, policy, now_ms,
        ))
    }

    /// Whether what the browser answered for a record (`{key, id, filename, exists,
    /// state}`) is the file the record describes: deleting through a reused download id
    /// would delete another file.
    #[wasm_bindgen(js_name = isRecordedFile)]
    pub fn is_recorded_file(&self, found: JsValue) -> Result<bool, JsError> {
        Ok(self.records.is_recorded_file(&from_js(found, "download")?))
    }

    /// What asking the browser (and the local helper) to delete a file came to (`{due,
    /// listed, exists, removeError?, moved?, helper?}`, `helper` the helper's answer to
    /// the file's `helperDelete`): `{outcome: "deleted"|"alreadyGone"|"notDue"|"notListed"|
    /// "failed"|"needsHelper", error?, path?, removed}`.
    #[wasm_bindgen(js_name = deletionOutcome)]
    pub fn deletion_outcome(attempt: JsValue) -> Result<JsValue, JsError> {
        to_js(&cleanup::Deletion::of(&from_js(
            attempt,
            "deletion attempt",
        )?))
    }

    /// How the clean-up deletes the files of these records (keys as the reviews give
    /// them), with the local helper there (`helper`) or not: `{files: [{key, browser,
    /// moved?, helperDelete?: {type: "delete", paths}}], prune?: {type:
    /// "deleteEmptyFolders", paths}}`. Pass each file's `moved` and the helper's answer to
    /// its `helperDelete` to [`Router::deletion_outcome`]; send `prune` last.
    #[wasm_bindgen(js_name = removalPlan)]
    pub fn removal_plan(&self, keys: Vec<String>, helper: bool) -> Result<JsValue, JsError> {
        let keys = record_keys(&keys)?;
        let files: Vec<_> = keys.iter().filter_map(|k| self.records.get(k)).collect();
        let cleanup = self.settings.settings().helper_cleanup;
        to_js(&cleanup::plan(&files, helper, cleanup))
    }

    /// The folders the deleted `paths` leave without any file the records track (the
    /// browser cannot delete folders; the clean-up report lists them).
    #[wasm_bindgen(js_name = emptiedFolders)]
    pub fn emptied_folders(&self, paths: Vec<String>) -> Vec<String> {
        self.records
            .emptied_folders(paths.iter().map(String::as_str))
    }

    /// Which agent tab loads which ticket for a `needTicket` decision's `lookup`, given
    /// the instance's agent tabs (`[{tabId, ticketId?}]`): `[{tabId, ticketId, fresh}]`.
    #[wasm_bindgen(js_name = planLookup)]
    pub fn plan_lookup(
        &mut self,
        instance: &str,
        lookup: JsValue,
        tabs: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let lookup: Lookup = from_js(lookup, "lookup")?;
        let tabs: Vec<AgentTab> = from_js(tabs, "agent tabs")?;
        let instance = Instance::new(instance);
        to_js(&self.reloads.plan(&instance, &lookup, &tabs, now_ms))
    }

    /// The knowledge as a plain object, for `storage.session` across worker restarts.
    #[wasm_bindgen(js_name = exportKnowledge)]
    pub fn export_knowledge(&self) -> Result<JsValue, JsError> {
        to_js(&self.knowledge)
    }

    /// Restores knowledge saved by `exportKnowledge`; expired entries are dropped.
    #[wasm_bindgen(js_name = importKnowledge)]
    pub fn import_knowledge(&mut self, saved: JsValue, now_ms: f64) -> Result<(), JsError> {
        let saved = from_js(saved, "saved knowledge")?;
        self.knowledge = Knowledge::restore(saved, now_ms).map_err(js_error)?;
        Ok(())
    }

    /// Validates settings without applying them: `{ok, errors: [{field, message}],
    /// settings, incompleteRules}` (settings normalised, present when ok; the 0-based
    /// rules without a condition, which are kept but not applied).
    #[wasm_bindgen(js_name = validateSettings)]
    pub fn validate_settings(settings: JsValue) -> Result<JsValue, JsError> {
        to_js(&settings::Validation::of(from_js::<Value>(
            settings, "settings",
        )?))
    }

    /// Firefox's take-over: the next step (`{step: "wait"|"removeOriginal"|"cancelOriginal"|
    /// "done"|"keepOriginal", reason?}`) from the states of the browser's own download and
    /// the routed copy (`{state: "inProgress"}`, `{state: "complete", bytes}`, `{state:
    /// "failed", reason}`).
    #[wasm_bindgen(js_name = takeoverStep)]
    pub fn takeover_step(original: JsValue, routed: JsValue) -> Result<JsValue, JsError> {
        let original: takeover::Download = from_js(original, "original download")?;
        let routed: takeover::Download = from_js(routed, "routed download")?;
        to_js(&takeover::next(&original, &routed))
    }

    /// What `storage.sync` must hold for the user's `local` settings (`undefined`: remove
    /// the sync copy).
    #[wasm_bindgen(js_name = settingsForSync)]
    pub fn settings_for_sync(local: JsValue) -> Result<JsValue, JsError> {
        let local: Value = from_js(local, "settings")?;
        optional(settings::for_sync(&local))
    }

    /// The local settings after another computer changed the sync copy, or `undefined`.
    #[wasm_bindgen(js_name = mergeSyncedSettings)]
    pub fn merge_synced_settings(local: JsValue, synced: JsValue) -> Result<JsValue, JsError> {
        let local: Value = from_js(local, "settings")?;
        let synced: Value = from_js(synced, "synced settings")?;
        optional(settings::merge_synced(&local, &synced))
    }

    /// Start-up: `{writeLocal?, sync?}` for the settings found in `storage.local` and
    /// `storage.sync` (either may be `undefined`).
    #[wasm_bindgen(js_name = settingsStorageMigration)]
    pub fn settings_storage_migration(local: JsValue, sync: JsValue) -> Result<JsValue, JsError> {
        let local: Option<Value> = from_js(local, "settings")?;
        let sync: Option<Value> = from_js(sync, "synced settings")?;
        to_js(&settings::storage_migration(local.as_ref(), sync.as_ref()))
    }

    /// What host-mapped domain `domain` needs: `{domain, origin, matches, id}` (the host
    /// permission to ask for, its content script's match patterns and id), or `null` when
    /// it is no valid host-mapped domain.
    #[wasm_bindgen(js_name = hostAccess)]
    pub fn host_access(domain: &str) -> Result<JsValue, JsError> {
        to_js(&host_mapped::host_access(domain))
    }

    /// `{unregister: [id], register: [{domain, origin, matches, id}]}`: the content script
    /// registrations to drop and add so that each `granted` host-mapped domain has one
    /// (`registered`: the ids `scripting.getRegisteredContentScripts` gives).
    #[wasm_bindgen(js_name = contentScriptChanges)]
    pub fn content_script_changes(
        granted: Vec<String>,
        registered: Vec<String>,
    ) -> Result<JsValue, JsError> {
        to_js(&host_mapped::script_changes(&granted, &registered))
    }

    /// Overlays an administrator policy on user settings: `{settings, locked}`.
    #[wasm_bindgen(js_name = applyPolicy)]
    pub fn apply_policy(user: JsValue, policy: JsValue) -> Result<JsValue, JsError> {
        let user = from_js(user, "user settings")?;
        let policy = from_js(policy, "policy")?;
        to_js(&settings::Policied::apply(user, policy).map_err(js_error)?)
    }

    /// The decision for a sample `{ticket, filename, timeMs}` under `settings`, or
    /// `{action: "invalid", errors}` — the options page's live preview.
    #[wasm_bindgen(js_name = renderPreview)]
    pub fn render_preview(settings: JsValue, sample: JsValue) -> Result<JsValue, JsError> {
        let settings: Value = from_js(settings, "settings")?;
        let sample: router::Sample = from_js(sample, "preview sample")?;
        to_js(&router::preview_sample(settings, &sample))
    }

    /// *Make a rule…*: the rule a popup history entry (`{fileName, url?, organization?,
    /// ticket?}`) suggests, with the preview's sample: `{rule, ticket?, filename}`.
    /// `host_mapped`: the host-mapped domains of the settings (their links count as Zendesk's).
    #[wasm_bindgen(js_name = ruleFromDownload)]
    pub fn rule_from_download(
        download: JsValue,
        host_mapped: Vec<String>,
    ) -> Result<JsValue, JsError> {
        let download: rule_draft::FromDownload = from_js(download, "download")?;
        to_js(&rule_draft::draft(&download, &host_mapped).map_err(js_error)?)
    }
}

impl Router {
    /// The host-mapped domains of the settings in force (Zendesk on a customer's domain).
    fn host_mapped(&self) -> &[String] {
        &self.settings.settings().host_mapped_domains
    }
}

/// Reads the values of a `storage.local` snapshot for [`Records::load`].
struct JsValues;

impl ReadValue<JsValue> for JsValues {
    fn read<T: DeserializeOwned>(&self, value: JsValue) -> Result<T, String> {
        read_js(&value)
    }

    fn elements(&self, value: JsValue) -> Result<Vec<JsValue>, String> {
        if js_sys::Array::is_array(&value) {
            Ok(js_sys::Array::from(&value).to_vec())
        } else {
            Err("not a list".to_owned())
        }
    }
}

fn optional<T: Serialize>(value: Option<T>) -> Result<JsValue, JsError> {
    value.map_or(Ok(JsValue::UNDEFINED), |v| to_js(&v))
}

fn record_keys(keys: &[String]) -> Result<Vec<RecordKey>, JsError> {
    keys.iter()
        .map(|k| k.parse().map_err(|e: String| JsError::new(&e)))
        .collect()
}

// The messages below do not print the number: `f64`'s `Display` is several KB of WASM.

fn download_id_of(id: f64) -> Result<u64, JsError> {
    Value::Number(id)
        .as_u64()
        .ok_or_else(|| JsError::new("invalid download id: not a whole number from 0 to 2^53"))
}

fn ticket_ref(instance: &str, ticket_id: f64) -> Result<TicketRef, JsError> {
    match Value::Number(ticket_id).as_u64() {
        Some(id) if id >= 1 => Ok(TicketRef {
            instance: Instance::new(instance),
            id: TicketId(id),
        }),
        _ => Err(JsError::new(
            "invalid ticket id: not a whole number from 1 to 2^53",
        )),
    }
}
