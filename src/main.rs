//! `zd-dl-router`: the extension's routing core on the command line.
//!
//! ```text
//! zd-dl-router route   [--settings FILE]   JSON lines in (download events), one decision per line out
//! zd-dl-router explain [--settings FILE]   the same input, a human-readable account of each decision
//! zd-dl-router check-settings FILE         exit 1 and list every field error when invalid;
//!                                          name the incomplete rules (kept, not applied)
//! zd-dl-router patterns --js               the content scripts' Zendesk URL module
//!                                          (zdPatterns, generated from the core; build.sh)
//! zd-dl-router records [--settings FILE] [--history]
//!                                          JSON lines in (records events), the storage
//!                                          writes of each out (and the popup's history)
//! zd-dl-router rule-from [--settings FILE] JSON lines in (downloads as the popup lists
//!                                          them: `fileName`, `url`?, `organization`?,
//!                                          `ticket`?: {instance, id}), the rule *Make a
//!                                          rule…* prefills for each out, with its preview
//!                                          sample (the settings' host-mapped domains
//!                                          count as Zendesk links)
//! zd-dl-router unpack ARCHIVE [--into DIR] [--max-bytes N] [--max-entries N] [--max-ratio N]
//!                     [--max-total-ratio N] [--min-free N]
//!                                          unpack into DIR/<stem>/ (default: the archive's
//!                                          folder), never writing outside it: one JSON line
//!                                          per entry, then {"summary": …} or {"refused": …};
//!                                          exit 0 unpacked (skips included), 1 refused
//! zd-dl-router completions bash|zsh|fish   the shell's completion script (also elvish,
//!                                          powershell)
//! zd-dl-router helper                      the local helper: serve the browsers (native
//!                                          messaging), with the roots of helper.json; also
//!                                          what a browser starting it runs (Chrome passes
//!                                          `chrome-extension://<id>/`, Firefox the host
//!                                          manifest's path and the extension's id)
//! zd-dl-router helper install [--browser chrome|chromium|firefox|all]… [--root DIR]…
//!                             [--profile DIR] [--extension-id ID]…
//!                                          register it with the browsers (host manifests)
//!                                          and write its roots (helper.json)
//! zd-dl-router helper uninstall [--profile DIR]   remove both
//! zd-dl-router helper status [--profile DIR] [--json]
//!                                          what is installed where, the roots, whether the
//!                                          manifests point at this binary
//! ```
//!
//! Every command has `--help`. Bad usage (an unknown command or flag, a missing argument)
//! exits 2 naming it, as does input a command cannot read or a file it cannot write.
//!
//! Each input line is a download event (`url`, `finalUrl`, `referrer`, `filename`, `mime`,
//! `size`, `timeMs`, `lookupDone`, `lookupError`) that may also carry what is
//! known so far: `tickets` (`[{id, instance?, organization?: {id, name}, subject?,
//! requester?, status?}]`), `attachments` (`[{token, ticketId, instance?}]`) and
//! `comments` (`[{ticketId, instance?, page}]`, `page` one answer of the comments API, which
//! also gives `{comment_id}`, `{author}`, `{uploaded}` …). Knowledge accumulates over the
//! lines, as it does in the extension. The code path is the extension's: `router::decide`.
//!
//! `records` drives the records of downloads (`records::Records`) through the same calls
//! the extension's worker makes, one event per line, tagged by `event`:
//! `{"event": "load", "snapshot": {<storage.local>}, "replace"?: bool}`,
//! `{"event": "started", "downloadId", "download": <download event>, "decision": <as
//! route prints it>, "timeMs"?}`, `{"event": "sidecar", "downloadId", "path", "ticket":
//! {instance, id}, "timeMs"?}`, `{"event": "observed", "downloadId", "state": {"state":
//! "complete", "filename", "bytes"?, "startMs"?} | {"state": "interrupted", "reason"} |
//! {"state": "inProgress"} | {"state": "unknown"}}`, `{"event": "keptUnrouted",
//! "original", "routed", "reason"}`, `{"event": "forget", "keys": ["<time>-<id>"]}`,
//! `{"event": "helper", "key": "<time>-<id>", "reply": <the local helper's answer, or
//! {"failed": "<why>"}>}`; `observed` and `helper` also print `next`, the next request to
//! the local helper (`{key, request}` or `null`). Each
//! prints `{"writes": {"set": {"file:<key>": record}, "remove": [key]}}` — what the worker
//! writes to `storage.local` — (`load` also `loaded` and `skipped`), plus `history` with
//! `--history`.

// Native only: clap never reaches the WASM. On wasm32 this crate is empty (and has no
// `main`), so `cargo clippy --tests --target wasm32-unknown-unknown` checks the library
// without it, and the wasm-bindgen tests, which build every binary, still build.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use serde::Deserialize;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use zd_dl_router::document::Value;
use zd_dl_router::helper::Reply;
use zd_dl_router::native::host::{self, Config};
use zd_dl_router::native::install::{self, Browser, Places};
use zd_dl_router::native::unpack::{self, Limits};
use zd_dl_router::records::{self, Documents, Observed, RecordKey, Records, Started};
use zd_dl_router::router::{decide, DownloadEvent};
use zd_dl_router::rule_draft::{self, FromDownload};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{recognize, CommentsResponse, Instance, TicketId, Token, ZendeskUrl};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    #[serde(flatten)]
    event: DownloadEvent,
    #[serde(default)]
    tickets: Vec<CliTicket>,
    #[serde(default)]
    attachments: Vec<CliAttachment>,
    #[serde(default)]
    comments: Vec<CliComments>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CliTicket {
    id: TicketId,
    instance: Option<String>,
    organization: Option<Organization>,
    subject: Option<String>,
    requester: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CliAttachment {
    token: String,
    ticket_id: TicketId,
    instance: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CliComments {
    ticket_id: TicketId,
    instance: Option<String>,
    page: CommentsResponse,
}

/// The routing core of the zd-dl-router browser extension on the command line.
#[derive(Parser)]
#[command(name = "zd-dl-router", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// JSON lines in (download events), one decision per line out
    Route(SettingsArg),
    /// The same input as `route`, a human-readable account of each decision
    Explain(SettingsArg),
    /// Exit 1 and list every field error when FILE is invalid; name the incomplete rules
    CheckSettings { file: PathBuf },
    /// The content scripts' Zendesk URL module (zdPatterns, generated from the core)
    Patterns {
        /// As a JavaScript module (the only form there is)
        #[arg(long, required = true)]
        js: bool,
    },
    /// JSON lines in (records events), the storage writes of each out
    Records {
        #[command(flatten)]
        settings: SettingsArg,
        /// Also print the popup's history after each event
        #[arg(long)]
        history: bool,
    },
    /// JSON lines in (downloads as the popup lists them), the rule "Make a rule…" prefills
    RuleFrom(SettingsArg),
    /// Unpack ARCHIVE into DIR/<stem>/, never writing outside it: one JSON line per entry,
    /// then {"summary": …} (exit 0, skips included) or {"refused": "<reason>"} (exit 1)
    Unpack(UnpackArgs),
    /// A shell's completion script for this command, on stdout
    Completions { shell: Shell },
    /// The local helper: without a subcommand, serve the browsers (native messaging)
    Helper {
        #[command(subcommand)]
        action: Option<HelperAction>,
    },
}

#[derive(Args)]
struct SettingsArg {
    /// The extension's settings as JSON (default: the defaults)
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
}

#[derive(Args)]
struct UnpackArgs {
    /// A .zip, .tar, .tar.gz/.tgz, .tar.xz, .tar.bz2, .tar.zst or .gz file
    archive: PathBuf,
    /// The folder to unpack into (default: the archive's folder)
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
    /// Most bytes unpacked in all
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_total_bytes)]
    max_bytes: u64,
    /// Most entries
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    max_entries: u64,
    /// Most unpacked bytes per compressed byte of one entry
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entry_ratio)]
    max_ratio: u64,
    /// Most unpacked bytes per byte of the archive
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_total_ratio)]
    max_total_ratio: u64,
    /// Free disk space to keep, in bytes
    #[arg(long, value_name = "N", default_value_t = Limits::default().min_free_bytes)]
    min_free: u64,
}

#[derive(Subcommand)]
enum HelperAction {
    /// Register the helper with the browsers and write its configuration (its roots)
    Install {
        /// The browser to register with (repeatable; default: all)
        #[arg(long = "browser", value_name = "BROWSER",
              value_parser = ["chrome", "chromium", "firefox", "all"])]
        browsers: Vec<String>,
        /// A folder the helper may touch (repeatable; default: <Downloads>/zendesk)
        #[arg(long = "root", value_name = "DIR")]
        roots: Vec<PathBuf>,
        #[command(flatten)]
        profile: ProfileArg,
        /// Another Chrome extension id allowed to start the helper (the store's; repeatable)
        #[arg(long = "extension-id", value_name = "ID")]
        extension_ids: Vec<String>,
    },
    /// Remove the manifests (all browsers', and the profile's) and the configuration
    Uninstall(ProfileArg),
    /// What is installed where, the roots, and whether the manifests point at this binary
    Status {
        #[command(flatten)]
        profile: ProfileArg,
        /// As JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct ProfileArg {
    /// A Chrome/Chromium user data folder (--user-data-dir) to register in instead
    #[arg(long, value_name = "DIR")]
    profile: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if host::is_browser_launch(&args) {
        return exit_code(serve_browsers());
    }
    let result = match Cli::parse().command {
        Command::Route(s) => s.load().and_then(|s| run(&s, false)),
        Command::Explain(s) => s.load().and_then(|s| run(&s, true)),
        Command::Records { settings, history } => {
            settings.load().and_then(|s| run_records(&s, history))
        }
        Command::CheckSettings { file } => return check_settings(&file),
        Command::RuleFrom(s) => s.load().and_then(|s| {
            let host_mapped = &s.settings().host_mapped_domains;
            each_line(|download: FromDownload| {
                let draft = rule_draft::draft(&download, host_mapped)?;
                serde_json::to_string(&draft).map_err(|e| e.to_string())
            })
        }),
        Command::Patterns { js: _ } => {
            print!("{}", zd_dl_router::patterns::js());
            Ok(())
        }
        Command::Unpack(args) => return unpack_command(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "zd-dl-router",
                &mut io::stdout(),
            );
            Ok(())
        }
        Command::Helper { action: None } => serve_browsers(),
        Command::Helper {
            action: Some(action),
        } => helper(action).map_err(|e| e.to_string()),
    };
    exit_code(result)
}

fn exit_code(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zd-dl-router: {e}");
            ExitCode::from(2)
        }
    }
}

/// `helper` without a subcommand, or a browser starting it: serve until the browser closes
/// the pipe. Without a readable `helper.json` there are no roots, and every request but
/// `hello` answers `noConfig` (the extension then tells the user to run `helper install`).
fn serve_browsers() -> Result<(), String> {
    let config = Config::load(&install::config_path()).unwrap_or_else(|e| {
        eprintln!("zd-dl-router helper: {e}: serving without roots");
        Config::default()
    });
    host::serve(io::stdin().lock(), io::stdout().lock(), &config)
        .map_err(|e| format!("helper: {e}"))
}

/// `helper install|uninstall|status` for the current user.
fn helper(action: HelperAction) -> Result<(), Box<dyn std::error::Error>> {
    let places = Places::from_env();
    let binary = std::env::current_exe()?.canonicalize()?;
    match action {
        HelperAction::Install {
            browsers,
            roots,
            profile,
            extension_ids,
        } => {
            let all = browsers.iter().any(|b| b == "all");
            let request = install::Request {
                browsers: Browser::ALL
                    .into_iter()
                    .filter(|b| !all && browsers.iter().any(|name| name == b.name()))
                    .collect(),
                profile: profile.profile,
                roots,
                extension_ids,
            };
            for w in install::install(&places, &request, &binary)? {
                println!("{:<9} wrote {}", w.what, w.path.display());
            }
            let status = install::status(&places, None, &binary)?;
            for root in status.roots.unwrap_or_default() {
                println!("  root    {}", root.display());
            }
        }
        HelperAction::Uninstall(profile) => {
            let removed = install::uninstall(&places, profile.profile.as_deref())?;
            if removed.is_empty() {
                println!("nothing to remove: the helper was not installed");
            }
            for w in removed {
                println!("{:<9} removed {}", w.what, w.path.display());
            }
        }
        HelperAction::Status { profile, json } => {
            let status = install::status(&places, profile.profile.as_deref(), &binary)?;
            if json {
                println!("{}", serde_json::to_string(&status)?);
            } else {
                print!("{status}");
            }
        }
    }
    Ok(())
}

impl SettingsArg {
    /// The settings file's valid settings, or the defaults without one.
    fn load(&self) -> Result<ValidSettings, String> {
        match &self.settings {
            None => Ok(ValidSettings::defaults()),
            Some(file) => load_settings(file).map_err(|e| format!("{}: {e}", file.display())),
        }
    }
}

fn load_settings(file: &Path) -> Result<ValidSettings, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    ValidSettings::from_json(&text).map_err(|e| e.to_string())
}

/// `unpack`: the entries and the summary (or refusal) as JSON lines on stdout.
fn unpack_command(args: UnpackArgs) -> ExitCode {
    let limits = Limits {
        max_total_bytes: args.max_bytes,
        max_entries: args.max_entries,
        max_entry_ratio: args.max_ratio,
        max_total_ratio: args.max_total_ratio,
        min_free_bytes: args.min_free,
    };
    let into = args.into.unwrap_or_else(|| match args.archive.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    });
    let mut out = io::stdout().lock();
    let mut print = |line: String| {
        let _ = writeln!(out, "{line}");
    };
    // Serializing fails only on a path that is not UTF-8 (an `--into` given so): an empty
    // line then, the exit code still tells.
    let result = unpack::unpack(&args.archive, &into, &limits, &mut |entry| {
        print(serde_json::to_string(entry).unwrap_or_default())
    });
    /// The last line: `{"summary": …}` or `{"refused": "<reason>"}`.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Last {
        Summary(unpack::Summary),
        Refused(unpack::Refusal),
    }
    let (last, code) = match result {
        Ok(summary) => (Last::Summary(summary), ExitCode::SUCCESS),
        Err(refusal) => (Last::Refused(refusal), ExitCode::from(1)),
    };
    print(serde_json::to_string(&last).unwrap_or_default());
    code
}

fn check_settings(path: &Path) -> ExitCode {
    let file = path.display();
    match std::fs::read_to_string(path).map_err(|e| e.to_string()) {
        Err(e) => {
            eprintln!("{file}: {e}");
            ExitCode::from(2)
        }
        Ok(text) => match ValidSettings::from_json(&text) {
            Ok(valid) => {
                println!("{file}: ok");
                for i in valid.incomplete_rules() {
                    println!("{file}: rules[{i}]: incomplete — not applied (it has no condition)");
                }
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in &errors.0 {
                    println!("{file}: {e}");
                }
                ExitCode::from(1)
            }
        },
    }
}

fn run(settings: &ValidSettings, explain: bool) -> Result<(), String> {
    let mut knowledge = Knowledge::default();
    each_line(|mut input: Line| {
        if input.event.time_ms == 0.0 {
            input.event.time_ms = now_ms();
        }
        learn(&mut knowledge, &input);
        let decision = decide(&input.event, &knowledge, settings);
        if explain {
            Ok(format!("{}\n{}\n", input.event.url, decision.explain()))
        } else {
            serde_json::to_string(&decision).map_err(|e| e.to_string())
        }
    })
}

/// Reads stdin as JSON lines of `T` (blank lines skipped) and prints `answer`'s text for each.
fn each_line<T: serde::de::DeserializeOwned>(
    mut answer: impl FnMut(T) -> Result<String, String>,
) -> Result<(), String> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for (n, line) in io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let input = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        writeln!(out, "{}", answer(input)?).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Adds the line's tickets and attachments; a missing `instance` is the download's own.
fn learn(knowledge: &mut Knowledge, input: &Line) {
    let e = &input.event;
    let default_instance = [Some(&e.url), e.final_url.as_ref(), e.referrer.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|u| match recognize(u, &[]) {
            Some(
                ZendeskUrl::Attachment { instance, .. } | ZendeskUrl::TicketPage { instance, .. },
            ) => Some(instance),
            _ => None,
        })
        .unwrap_or_else(|| Instance::new(""));
    let instance_of = |i: &Option<String>| {
        i.as_deref()
            .map(Instance::new)
            .unwrap_or_else(|| default_instance.clone())
    };
    for t in &input.tickets {
        let ticket = Ticket {
            instance: instance_of(&t.instance),
            id: t.id,
            organization: t.organization.clone(),
            subject: t.subject.clone(),
            requester: t.requester.clone(),
            status: t.status.clone(),
        };
        knowledge.observe_ticket(ticket, e.time_ms);
    }
    for a in &input.attachments {
        let key = TicketRef {
            instance: instance_of(&a.instance),
            id: a.ticket_id,
        };
        knowledge.observe_tokens(&key, Token::parse(&a.token), Evidence::Comments, e.time_ms);
    }
    for c in &input.comments {
        let key = TicketRef {
            instance: instance_of(&c.instance),
            id: c.ticket_id,
        };
        knowledge.observe_comments(&key, &c.page, e.time_ms);
    }
}

/// One line of `records`: what the worker tells the records.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
enum RecordsEvent {
    /// `Router.loadRecords`: a `storage.local` snapshot.
    Load {
        snapshot: Value,
        #[serde(default)]
        replace: bool,
    },
    /// `Router.recordStarted`: a download started with a decision.
    #[serde(rename_all = "camelCase")]
    Started {
        download_id: u64,
        download: Box<DownloadEvent>,
        decision: Started,
        time_ms: Option<f64>,
    },
    /// `Router.recordSidecar`: Download all's ticket-link file started.
    #[serde(rename_all = "camelCase")]
    Sidecar {
        download_id: u64,
        path: String,
        ticket: TicketRef,
        time_ms: Option<f64>,
    },
    /// `Router.observeDownload`: what the browser says about a download.
    #[serde(rename_all = "camelCase")]
    Observed { download_id: u64, state: Observed },
    /// `Router.recordKeptUnrouted`: Firefox's take-over kept the browser's copy.
    KeptUnrouted {
        original: u64,
        routed: u64,
        reason: String,
    },
    /// `Router.forgetRecords`.
    Forget { keys: Vec<RecordKey> },
    /// `Router.recordHelper`: what the local helper answered (or `{failed}`).
    Helper { key: RecordKey, reply: Reply },
}

fn run_records(settings: &ValidSettings, history: bool) -> Result<(), String> {
    let host_mapped = &settings.settings().host_mapped_domains;
    let mut records = Records::default();
    each_line(|event: RecordsEvent| {
        let time = |t: Option<f64>| t.unwrap_or_else(now_ms);
        let mut answer = serde_json::Map::new();
        let writes = match event {
            RecordsEvent::Load { snapshot, replace } => {
                let Value::Object(snapshot) = snapshot else {
                    return Err("a snapshot is an object of storage keys".to_owned());
                };
                let loaded = records.load(snapshot, &Documents, replace);
                answer.insert("loaded".into(), loaded.loaded.into());
                answer.insert("skipped".into(), loaded.skipped.into());
                loaded.writes
            }
            RecordsEvent::Started {
                download_id,
                download,
                decision,
                time_ms,
            } => records.download_started(
                download_id,
                &download,
                &decision,
                host_mapped,
                time(time_ms),
            ),
            RecordsEvent::Sidecar {
                download_id,
                path,
                ticket,
                time_ms,
            } => records.sidecar_started(download_id, path, ticket, time(time_ms)),
            RecordsEvent::Observed { download_id, state } => {
                let writes = records.observe(download_id, &state);
                let next = serde_json::to_value(records.helper_next(download_id));
                answer.insert("next".into(), next.map_err(|e| e.to_string())?);
                writes
            }
            RecordsEvent::Helper { key, reply } => {
                let answered = records.helper_answered(&key, &reply);
                let next = serde_json::to_value(answered.next);
                answer.insert("next".into(), next.map_err(|e| e.to_string())?);
                answered.writes
            }
            RecordsEvent::KeptUnrouted {
                original,
                routed,
                reason,
            } => records.kept_unrouted(original, routed, reason),
            RecordsEvent::Forget { keys } => records.forget(&keys),
        };
        let writes = serde_json::to_value(writes).map_err(|e| e.to_string())?;
        answer.insert("writes".into(), writes);
        if history {
            let entries = serde_json::to_value(records.history(records::HISTORY_LEN));
            answer.insert("history".into(), entries.map_err(|e| e.to_string())?);
        }
        serde_json::to_string(&answer).map_err(|e| e.to_string())
    })
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or_default()
}
