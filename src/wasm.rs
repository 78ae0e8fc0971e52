//! The JavaScript boundary: a `Router` object over the core. It converts JS values to
//! core types and back (serde-wasm-bindgen) and turns errors into JS `Error`s with
//! readable messages. No decision is made here.

use crate::lookup::{AgentTab, Reloads};
use crate::records::{
    self, AttachmentKey, FileRecord, Located, Observed, RecordKey, Records, Route, Started,
};
use crate::router::{self, DownloadEvent, Lookup};
use crate::settings::{self, FieldError, SettingsErrors, ValidSettings};
use crate::tickets::{Evidence, Knowledge, Limits, Ticket, TicketRef};
use crate::zendesk::{self, CommentsResponse, Instance, TicketId, TicketResponse, Token};
use crate::{bulk, retention, takeover, view};
use serde::Serialize;
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

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

fn settings_from_js(value: JsValue) -> Result<ValidSettings, SettingsErrors> {
    let json: serde_json::Value = serde_wasm_bindgen::from_value(value)
        .map_err(|e| SettingsErrors(vec![FieldError::new("", e.to_string())]))?;
    ValidSettings::from_value(json)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Validation<'a> {
    ok: bool,
    errors: &'a [FieldError],
    settings: Option<&'a settings::Settings>,
    incomplete_rules: Vec<usize>,
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
            settings: settings_from_js(settings).map_err(|e| JsError::new(&e.to_string()))?,
            knowledge: Knowledge::with_limits(Limits::default()),
            records: Records::default(),
            reloads: Reloads::default(),
        })
    }

    /// Replaces the settings; on error the old ones stay in force.
    #[wasm_bindgen(js_name = setSettings)]
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsError> {
        self.settings = settings_from_js(settings).map_err(|e| JsError::new(&e.to_string()))?;
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
        match zendesk::recognize(url, &self.settings.settings().host_mapped_domains) {
            Some(u) => to_js(&u),
            None => Ok(JsValue::UNDEFINED),
        }
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
        let response: TicketResponse = from_js(response, "ticket response")?;
        let ticket =
            Ticket::from_api(Instance::new(instance), &response).map_err(|e| JsError::new(&e))?;
        let out = to_js(&ticket);
        self.knowledge.observe_ticket(ticket, now_ms);
        out
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
        let tokens: Vec<Token> = tokens.iter().filter_map(|t| Token::parse(t)).collect();
        self.knowledge
            .observe_tokens(&key, tokens, Evidence::Page, now_ms);
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
        to_js(&view::view(
            &self.settings,
            &self.knowledge,
            front.as_ref(),
            now_ms,
        ))
    }

    /// The toolbar badge `{text, color, title}` for the files placed since the browser
    /// started.
    pub fn badge(&self, routed: u32, fell_back: u32) -> Result<JsValue, JsError> {
        to_js(&view::badge(
            self.settings.settings().enabled,
            routed,
            fell_back,
        ))
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
        let mut names = self.records.organizations();
        names.extend(self.knowledge.organizations());
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The alias keys that match none of `organizations` (the options page warns).
    #[wasm_bindgen(js_name = unmatchedAliases)]
    pub fn unmatched_aliases(keys: Vec<String>, organizations: Vec<String>) -> Vec<String> {
        router::unmatched_aliases(keys.iter().map(String::as_str), &organizations)
    }

    /// The known ticket record, or `undefined`.
    pub fn ticket(&self, instance: &str, ticket_id: f64, now_ms: f64) -> Result<JsValue, JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        match self.knowledge.ticket(&key, now_ms) {
            Some(t) => to_js(t),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// "Download all": the plan for every attachment in `pages` (the comments API pages)
    /// of a known ticket, skipping what is saved (per the records and `found`, the
    /// browser's answers for [`Router::saved_candidates_of_ticket`]) unless `force`:
    /// `{items: [{attachmentId, url, fileName, size, decision, status, scanResult?}],
    /// sidecar: {path, text, mime, conflictAction} | null}`.
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
        let key = ticket_ref(instance, ticket_id)?;
        let ticket = self
            .knowledge
            .ticket(&key, now_ms)
            .ok_or_else(|| JsError::new(&format!("ticket {} is not loaded yet", key.id)))?;
        let pages: Vec<CommentsResponse> = from_js(pages, "comments pages")?;
        let found: Vec<Located> = from_js(found, "downloads")?;
        let attachments: Vec<AttachmentKey> = pages
            .iter()
            .flat_map(|p| &p.comments)
            .flat_map(|c| &c.attachments)
            .filter_map(|a| a.token())
            .map(|token| AttachmentKey {
                instance: key.instance.clone(),
                token,
            })
            .collect();
        let existing = self.records.existing(&found);
        let saved: Vec<Token> = self
            .records
            .saved(&attachments, &existing)
            .into_iter()
            .map(|(a, _)| a.token)
            .collect();
        let items = bulk::plan(
            &self.settings,
            ticket,
            &pages,
            &saved,
            bulk::Options { force },
            now_ms,
        );
        let sidecar = bulk::sidecar(&self.settings, ticket, &self.records, now_ms);
        to_js(&serde_json::json!({ "items": items, "sidecar": sidecar }))
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
    /// converts the routed-files list of earlier versions: `{loaded, skipped: [reason],
    /// writes}`. A malformed record is skipped and reported, never fatal.
    ///
    /// With `replace`, the snapshot replaces what is in memory (storage is the truth:
    /// the clean-up reloads before it reviews, once the pending writes are done).
    #[wasm_bindgen(js_name = loadRecords)]
    pub fn load_records(&mut self, stored: JsValue, replace: bool) -> Result<JsValue, JsError> {
        let entries: Vec<(String, JsValue)> = js_sys::Object::entries(&stored.into())
            .iter()
            .map(|pair| {
                let pair: js_sys::Array = pair.into();
                (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
            })
            .collect();
        if replace {
            self.records = Records::default();
        }
        let stored = entries.iter().map(|(k, v)| (k.as_str(), v.clone()));
        let mut report = self.records.load(stored, read_js);
        let mut writes = records::Writes::default();
        let legacy = entries
            .iter()
            .find(|(k, _)| k == records::LEGACY_ROUTED_FILES);
        if let Some((_, list)) = legacy {
            let list = js_sys::Array::from(list).to_vec();
            let (w, r) = self.records.migrate_legacy(list, read_js);
            writes = w;
            report.loaded += r.loaded;
            report.skipped.extend(r.skipped);
        }
        let present = |k: &&&str| entries.iter().any(|(key, _)| key == **k);
        let legacy_keys = records::LEGACY_KEYS.iter().filter(present);
        writes.remove.extend(legacy_keys.map(|k| (*k).to_owned()));
        #[derive(Serialize)]
        struct Loaded {
            loaded: usize,
            skipped: Vec<String>,
            writes: records::Writes,
        }
        to_js(&Loaded {
            loaded: report.loaded,
            skipped: report.skipped,
            writes,
        })
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
        let started: Started = from_js(decision, "decision")?;
        let decided = started.ticket.as_ref().map(|t| &t.instance);
        let host_mapped = &self.settings.settings().host_mapped_domains;
        let attachment = router::attachment_key(&event, decided, host_mapped);
        let url = Some(event.url.clone());
        match FileRecord::started(id, &started, attachment, url, now_ms) {
            Some(record) => to_js(&self.records.started(record)),
            None => to_js(&records::Writes::default()),
        }
    }

    /// The sidecar of Download all started as download `download_id`.
    #[wasm_bindgen(js_name = recordSidecar)]
    pub fn record_sidecar(
        &mut self,
        download_id: f64,
        path: String,
        instance: &str,
        ticket_id: f64,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let record = FileRecord {
            download_id: download_id_of(download_id)?,
            time_ms: now_ms,
            ticket: Some(ticket_ref(instance, ticket_id)?),
            organization: None,
            attachment: None,
            url: None,
            route: Route::Sidecar { requested: path },
            state: records::State::InProgress,
        };
        to_js(&self.records.started(record))
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
        let observed: Observed = from_js(state, "download state")?;
        to_js(
            &self
                .records
                .observe(download_id_of(download_id)?, &observed),
        )
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
        ids_to_js(self.records.in_progress())
    }

    /// True when some record was made for download `download_id`.
    #[wasm_bindgen(js_name = hasDownload)]
    pub fn has_download(&self, download_id: f64) -> bool {
        download_id_of(download_id).is_ok_and(|id| self.records.has_download(id))
    }

    /// The popup's history: the newest records, real paths, what happened.
    pub fn history(&self) -> Result<JsValue, JsError> {
        to_js(&self.records.history(records::HISTORY_LEN))
    }

    /// Where to look before [`Router::saved_links`]: `[{key, downloadId, absolute}]`.
    #[wasm_bindgen(js_name = savedCandidates)]
    pub fn saved_candidates(&self, links: Vec<String>) -> Result<JsValue, JsError> {
        let keys: Vec<_> = links.iter().filter_map(|l| self.attachment_of(l)).collect();
        to_js(&self.records.saved_candidates(&keys))
    }

    /// Which attachment links are saved into their ticket's folder and still on disk
    /// (`found`: what the browser answered for the candidates, `[{key, id, filename,
    /// exists, state}]`): `[{href, downloadId, folder}]`, `downloadId` being the
    /// browser's id now.
    #[wasm_bindgen(js_name = savedLinks)]
    pub fn saved_links(&self, links: Vec<String>, found: JsValue) -> Result<JsValue, JsError> {
        let found: Vec<Located> = from_js(found, "downloads")?;
        let existing = self.records.existing(&found);
        let keyed: Vec<(String, AttachmentKey)> = links
            .into_iter()
            .filter_map(|l| Some((self.attachment_of(&l)?, l)))
            .map(|(k, l)| (l, k))
            .collect();
        let keys: Vec<_> = keyed.iter().map(|(_, k)| k.clone()).collect();
        let saved = self.records.saved(&keys, &existing);
        let out: Vec<serde_json::Value> = keyed
            .iter()
            .filter_map(|(href, k)| {
                let (_, r) = saved.iter().find(|(a, _)| a == k)?;
                let now = found.iter().find(|f| f.key == r.key())?;
                let path = r.path().unwrap_or_default();
                let folder = &path[..path.rfind('/').map_or(0, |i| i + 1)];
                Some(serde_json::json!({"href": href, "downloadId": now.id, "folder": folder}))
            })
            .collect();
        to_js(&out)
    }

    fn attachment_of(&self, url: &str) -> Option<AttachmentKey> {
        let host_mapped = &self.settings.settings().host_mapped_domains;
        match zendesk::recognize(url, host_mapped)? {
            zendesk::ZendeskUrl::Attachment {
                instance, token, ..
            } => Some(AttachmentKey { instance, token }),
            _ => None,
        }
    }

    /// Retention: the tickets whose status the clean-up must read.
    #[wasm_bindgen(js_name = ticketsToCheck)]
    pub fn tickets_to_check(&self) -> Result<JsValue, JsError> {
        to_js(&retention::tickets_to_check(
            &self.records.retained(),
            self.settings.retention(),
        ))
    }

    /// Retention: reviews every retained file given what reading each ticket gave
    /// (`[{ticket, response?, error?}]`, `response` being the tickets API JSON):
    /// `[{downloadId, path, timeMs, ticket, ageDays, verdict: "delete"|"keep"|"keepUnknown",
    /// reason?}]`.
    #[wasm_bindgen(js_name = reviewRetention)]
    pub fn review_retention(&self, answers: JsValue, now_ms: f64) -> Result<JsValue, JsError> {
        let answers: Vec<StatusAnswer> = from_js(answers, "ticket statuses")?;
        let statuses = answers
            .into_iter()
            .map(|a| {
                let status = match (a.response, a.error) {
                    (Some(r), _) => retention::TicketStatus::from_api(&r)
                        .ok_or_else(|| "no status in the answer".to_owned()),
                    (None, Some(e)) => Err(e),
                    (None, None) => Err("no answer".to_owned()),
                };
                (a.ticket, status)
            })
            .collect();
        to_js(&retention::review(
            &self.records.retained(),
            &statuses,
            self.settings.retention(),
            now_ms,
        ))
    }

    /// Whether what the browser answered for a record (`{key, id, filename, exists,
    /// state}`) is the file the record describes: deleting through a reused download id
    /// would delete another file.
    #[wasm_bindgen(js_name = isRecordedFile)]
    pub fn is_recorded_file(&self, found: JsValue) -> Result<bool, JsError> {
        let found: Located = from_js(found, "download")?;
        Ok(self
            .records
            .get(&found.key)
            .is_some_and(|r| records::same_file(r, &found.filename)))
    }

    /// The folders the deleted `paths` leave without any file the records track (the
    /// browser cannot delete folders; the clean-up report lists them).
    #[wasm_bindgen(js_name = emptiedFolders)]
    pub fn emptied_folders(&self, paths: Vec<String>) -> Vec<String> {
        let retained = self.records.retained();
        records::emptied_folders(
            paths.iter().map(String::as_str),
            retained.iter().filter_map(|r| r.path()),
        )
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
        to_js(
            &self
                .reloads
                .plan(&Instance::new(instance), &lookup, &tabs, now_ms),
        )
    }

    /// The knowledge as JSON, for `storage.session` across worker restarts.
    #[wasm_bindgen(js_name = exportKnowledge)]
    pub fn export_knowledge(&self) -> Result<String, JsError> {
        serde_json::to_string(&self.knowledge).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Restores knowledge saved by `exportKnowledge`; expired entries are dropped.
    #[wasm_bindgen(js_name = importKnowledge)]
    pub fn import_knowledge(&mut self, json: &str, now_ms: f64) -> Result<(), JsError> {
        let mut k: Knowledge = serde_json::from_str(json)
            .map_err(|e| JsError::new(&format!("stored ticket knowledge is unreadable: {e}")))?;
        k.set_limits(Limits::default(), now_ms);
        self.knowledge = k;
        Ok(())
    }

    /// Validates settings without applying them: `{ok, errors: [{field, message}],
    /// settings, incompleteRules}` (settings normalised, present when ok; the 0-based
    /// rules without a condition, which are kept but not applied).
    #[wasm_bindgen(js_name = validateSettings)]
    pub fn validate_settings(settings: JsValue) -> Result<JsValue, JsError> {
        match settings_from_js(settings) {
            Ok(v) => to_js(&Validation {
                ok: true,
                errors: &[],
                settings: Some(v.settings()),
                incomplete_rules: v.incomplete_rules(),
            }),
            Err(e) => to_js(&Validation {
                ok: false,
                errors: &e.0,
                settings: None,
                incomplete_rules: Vec::new(),
            }),
        }
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
        let local: serde_json::Value = from_js(local, "settings")?;
        optional(settings::for_sync(&local))
    }

    /// The local settings after another computer changed the sync copy, or `undefined`.
    #[wasm_bindgen(js_name = mergeSyncedSettings)]
    pub fn merge_synced_settings(local: JsValue, synced: JsValue) -> Result<JsValue, JsError> {
        let local: serde_json::Value = from_js(local, "settings")?;
        let synced: serde_json::Value = from_js(synced, "synced settings")?;
        optional(settings::merge_synced(&local, &synced))
    }

    /// Start-up: `{writeLocal?, sync?}` for the settings found in `storage.local` and
    /// `storage.sync` (either may be `undefined`).
    #[wasm_bindgen(js_name = settingsStorageMigration)]
    pub fn settings_storage_migration(local: JsValue, sync: JsValue) -> Result<JsValue, JsError> {
        let local: Option<serde_json::Value> = from_js(local, "settings")?;
        let sync: Option<serde_json::Value> = from_js(sync, "synced settings")?;
        to_js(&settings::storage_migration(local.as_ref(), sync.as_ref()))
    }

    /// Overlays an administrator policy on user settings: `{settings, locked}`.
    #[wasm_bindgen(js_name = applyPolicy)]
    pub fn apply_policy(user: JsValue, policy: JsValue) -> Result<JsValue, JsError> {
        let user: serde_json::Value = from_js(user, "user settings")?;
        let policy: serde_json::Value = from_js(policy, "policy")?;
        let (settings, locked) =
            settings::apply_policy(user, policy).map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&serde_json::json!({ "settings": settings, "locked": locked }))
    }

    /// The decision for a sample `{ticket, filename, timeMs}` under `settings`, or
    /// `{action: "invalid", errors}` — the options page's live preview.
    #[wasm_bindgen(js_name = renderPreview)]
    pub fn render_preview(settings: JsValue, sample: JsValue) -> Result<JsValue, JsError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sample {
            ticket: Ticket,
            filename: String,
            time_ms: f64,
        }
        let sample: Sample = from_js(sample, "preview sample")?;
        match settings_from_js(settings) {
            Ok(v) => to_js(&router::preview(
                &v,
                &sample.ticket,
                &sample.filename,
                &Default::default(),
                sample.time_ms,
            )),
            Err(e) => to_js(&serde_json::json!({ "action": "invalid", "errors": e.0 })),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusAnswer {
    ticket: TicketRef,
    #[serde(default)]
    response: Option<TicketResponse>,
    #[serde(default)]
    error: Option<String>,
}

fn optional<T: Serialize>(value: Option<T>) -> Result<JsValue, JsError> {
    value.map_or(Ok(JsValue::UNDEFINED), |v| to_js(&v))
}

fn ids_to_js(ids: Vec<u64>) -> Vec<f64> {
    ids.into_iter().map(|id| id as f64).collect()
}

fn read_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

fn record_keys(keys: &[String]) -> Result<Vec<RecordKey>, JsError> {
    keys.iter()
        .map(|k| k.parse().map_err(|e: String| JsError::new(&e)))
        .collect()
}

fn download_id_of(id: f64) -> Result<u64, JsError> {
    if id.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&id) {
        Ok(id as u64)
    } else {
        Err(JsError::new(&format!("invalid download id {id}")))
    }
}

fn ticket_ref(instance: &str, ticket_id: f64) -> Result<TicketRef, JsError> {
    let valid = ticket_id.fract() == 0.0 && (1.0..=9_007_199_254_740_991.0).contains(&ticket_id);
    if !valid {
        return Err(JsError::new(&format!("invalid ticket id {ticket_id}")));
    }
    Ok(TicketRef {
        instance: Instance::new(instance),
        id: TicketId(ticket_id as u64),
    })
}
