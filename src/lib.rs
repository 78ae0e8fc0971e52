//! # zd-dl-router
//!
//! The routing core of a Chrome and Firefox extension that files every attachment a
//! support engineer downloads from a Zendesk ticket into
//! `<Downloads>/zendesk/<organization>/<ticket id>/<file>`.
//!
//! Every decision lives here, in plain Rust tested natively; the browser side is a thin
//! shim that moves events in and decisions out (see `src/wasm.rs` and `extension/`).
//!
//! ## Data flow
//!
//! ```text
//!  agent page / API JSON ──observe──► tickets::Knowledge ─┐
//!  settings JSON ──► settings::ValidSettings (templates, rules compiled once) ─┤
//!  browser download ──► router::DownloadEvent ──────────────────────────────────┴─► router::decide
//!        ──► Decision::Route { path: sanitize::SafePath, .. } | Pass | NeedTicket
//! ```
//!
//! ## Modules
//!
//! - [`zendesk`]: recognise agent ticket pages and attachment URLs; the API's JSON shapes.
//! - [`patterns`]: the content scripts' `zendesk-patterns.js`, generated from [`zendesk`].
//! - [`tickets`]: ticket records and the attachment-token → ticket index (bounded, expiring).
//! - [`host_mapped`]: host-mapped agent domains: their host permission and content script.
//! - [`settings`]: schema, defaults, validation with field paths, migration, policy overlay.
//! - [`document`]: a JSON document in memory (settings, policies, saved knowledge) and
//!   typed reads out of it; keeps `serde_json` out of the WASM.
//! - [`field_error`]: a problem in the settings at a structured path (`["rules", 2, "fileName"]`).
//! - [`template`]: path templates, parsed once, rendered per download.
//! - [`calendar`]: UTC dates ⇄ milliseconds: `{date}` formats and Zendesk's timestamps.
//! - [`sanitize`]: any string → a path component every OS and both browsers accept;
//!   [`sanitize::SafePath`] can only be built here.
//! - [`rules`]: user rules (first match wins) → a template or "leave alone".
//! - [`rule_draft`]: *Make a rule…*: a rule prefilled from a download the popup lists.
//! - [`router`]: `decide(event, knowledge, settings) -> Decision`.
//! - [`archive`]: which file names are archives the local helper unpacks, and their folder.
//! - [`bulk`]: "download all attachments of this ticket" — the plan and the sidecar file.
//! - [`lookup`]: which agent tab loads which ticket when a download needs one (bounded).
//! - [`records`]: one record per download the extension touched (real path, state), the
//!   ground truth of retention, the ✓ marks, "already saved" and the history.
//! - [`retention`]: which recorded files are due for deletion.
//! - [`redaction`]: which recorded attachments Zendesk redacted or deleted since.
//! - [`native`] (native builds only): the local helper — the native messaging host the
//!   browsers start, its installation, unpacking archives safely.
//! - [`takeover`]: Firefox's take-over of a download it could not name: when the
//!   browser's own copy may be removed, and when it must be kept.
//!
//! ```
//! use zd_dl_router::{router::{decide, Decision, DownloadEvent}, settings::ValidSettings,
//!     tickets::{Knowledge, Organization, Ticket}, zendesk::{Instance, TicketId}};
//!
//! let mut known = Knowledge::default();
//! known.observe_ticket(Ticket {
//!     instance: Instance::new("acme"), id: TicketId(4711),
//!     organization: Some(Organization { id: 9, name: "ACME Corp.".into() }),
//!     subject: None, requester: None, status: None,
//! }, 0.0);
//! let event = DownloadEvent {
//!     url: "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz".into(),
//!     referrer: Some("https://acme.zendesk.com/agent/tickets/4711".into()),
//!     ..DownloadEvent::default()
//! };
//! match decide(&event, &known, &ValidSettings::defaults()) {
//!     Decision::Route { path, .. } => {
//!         assert_eq!(path.as_str(), "zendesk/ACME Corp/4711/production_log.tar.gz")
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod archive;
pub mod bulk;
pub mod calendar;
pub mod cleanup;
pub mod document;
pub mod field_error;
pub mod helper;
pub mod host_mapped;
pub mod lookup;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod patterns;
pub mod records;
pub mod redaction;
pub mod retention;
pub mod router;
pub mod rule_draft;
pub mod rules;
pub mod sanitize;
pub mod settings;
pub mod takeover;
pub mod template;
pub mod tickets;
pub mod view;
pub mod zendesk;

/// The `#[wasm_bindgen]` boundary (WASM builds only).
#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The WASM's allocator: `talc` instead of the standard library's `dlmalloc` is 2.7 KB
/// gzipped less in the module every worker start loads; it grows the memory on demand.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
