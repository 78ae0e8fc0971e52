//! The JavaScript boundary: a `Router` object over the core. It converts JS values to
//! core types and back (serde-wasm-bindgen) and turns errors into JS `Error`s with
//! readable messages. No decision is made here.

use crate::router::{self, DownloadEvent};
use crate::settings::{self, FieldError, SettingsErrors, ValidSettings};
use crate::tickets::{Evidence, Knowledge, Limits, Ticket, TicketRef};
use crate::zendesk::{self, CommentsResponse, Instance, TicketId, TicketResponse, Token};
use crate::{bulk, retention};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The router with its settings and what it knows about tickets.
#[wasm_bindgen]
pub struct Router {
    settings: ValidSettings,
    knowledge: Knowledge,
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

    /// The known ticket record, or `undefined`.
    pub fn ticket(&self, instance: &str, ticket_id: f64, now_ms: f64) -> Result<JsValue, JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        match self.knowledge.ticket(&key, now_ms) {
            Some(t) => to_js(t),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// "Download all": the plan for every attachment in `pages` (the comments API pages)
    /// of a known ticket, skipping `downloaded` attachment ids unless `force`:
    /// `{items: [{attachmentId, url, fileName, size, path, status, scanResult?}], sidecar:
    /// {path, text, mime} | null}`.
    #[wasm_bindgen(js_name = planDownloadAll)]
    pub fn plan_download_all(
        &self,
        instance: &str,
        ticket_id: f64,
        pages: JsValue,
        downloaded: Vec<f64>,
        force: bool,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let key = ticket_ref(instance, ticket_id)?;
        let ticket = self
            .knowledge
            .ticket(&key, now_ms)
            .ok_or_else(|| JsError::new(&format!("ticket {} is not loaded yet", key.id)))?;
        let pages: Vec<CommentsResponse> = from_js(pages, "comments pages")?;
        let downloaded = downloaded.iter().map(|&id| id as u64).collect();
        let items = bulk::plan(
            &self.settings,
            ticket,
            &pages,
            &downloaded,
            bulk::Options { force },
            now_ms,
        );
        let sidecar = bulk::sidecar(&self.settings, ticket, now_ms);
        to_js(&serde_json::json!({ "items": items, "sidecar": sidecar }))
    }

    /// Retention: the tickets whose status the clean-up must read, for `files`
    /// (`[{downloadId, path, timeMs, ticket}]`).
    #[wasm_bindgen(js_name = ticketsToCheck)]
    pub fn tickets_to_check(&self, files: JsValue) -> Result<JsValue, JsError> {
        let files: Vec<retention::RoutedFile> = from_js(files, "routed files")?;
        to_js(&retention::tickets_to_check(
            &files,
            self.settings.retention(),
        ))
    }

    /// Retention: reviews `files` given what reading each ticket gave (`[{ticket,
    /// response?, error?}]`, `response` being the tickets API JSON):
    /// `[{downloadId, path, timeMs, ticket, ageDays, verdict: "delete"|"keep"|"keepUnknown", reason?}]`.
    #[wasm_bindgen(js_name = reviewRetention)]
    pub fn review_retention(
        &self,
        files: JsValue,
        answers: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let files: Vec<retention::RoutedFile> = from_js(files, "routed files")?;
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
            &files,
            &statuses,
            self.settings.retention(),
            now_ms,
        ))
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
    /// settings}` (settings normalised, present when ok).
    #[wasm_bindgen(js_name = validateSettings)]
    pub fn validate_settings(settings: JsValue) -> Result<JsValue, JsError> {
        match settings_from_js(settings) {
            Ok(v) => to_js(&Validation {
                ok: true,
                errors: &[],
                settings: Some(v.settings()),
            }),
            Err(e) => to_js(&Validation {
                ok: false,
                errors: &e.0,
                settings: None,
            }),
        }
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
