//! `zd-dl-router`: the extension's routing core on the command line.
//!
//! ```text
//! zd-dl-router route   [--settings FILE]   JSON lines in (download events), one decision per line out
//! zd-dl-router explain [--settings FILE]   the same input, a human-readable account of each decision
//! zd-dl-router check-settings FILE         exit 1 and list every field error when invalid;
//!                                          name the incomplete rules (kept, not applied)
//! ```
//!
//! Each input line is a download event (`url`, `finalUrl`, `referrer`, `filename`, `mime`,
//! `size`, `timeMs`, `lookupDone`, `lookupError`) that may also carry what is
//! known so far: `tickets` (`[{id, instance?, organization?: {id, name}, subject?,
//! requester?, status?}]`) and `attachments` (`[{token, ticketId, instance?}]`). Knowledge
//! accumulates over the lines, as it does in the extension. The code path is the
//! extension's: `router::decide`.

use serde::Deserialize;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use zd_dl_router::router::{decide, DownloadEvent};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{recognize, Instance, TicketId, Token, ZendeskUrl};

const USAGE: &str = "usage: zd-dl-router route [--settings FILE]
       zd-dl-router explain [--settings FILE]
       zd-dl-router check-settings FILE";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    #[serde(flatten)]
    event: DownloadEvent,
    #[serde(default)]
    tickets: Vec<CliTicket>,
    #[serde(default)]
    attachments: Vec<CliAttachment>,
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["route", rest @ ..] => settings_arg(rest).and_then(|s| run(&s, false)),
        ["explain", rest @ ..] => settings_arg(rest).and_then(|s| run(&s, true)),
        ["check-settings", file] => return check_settings(file),
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zd-dl-router: {e}");
            ExitCode::from(2)
        }
    }
}

fn settings_arg(rest: &[&str]) -> Result<ValidSettings, String> {
    match rest {
        [] => Ok(ValidSettings::defaults()),
        ["--settings", file] => load_settings(file).map_err(|e| format!("{file}: {e}")),
        _ => Err(USAGE.to_owned()),
    }
}

fn load_settings(file: &str) -> Result<ValidSettings, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    ValidSettings::from_json(&text).map_err(|e| e.to_string())
}

fn check_settings(file: &str) -> ExitCode {
    match std::fs::read_to_string(file).map_err(|e| e.to_string()) {
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
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for (n, line) in io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let mut input: Line =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        if input.event.time_ms == 0.0 {
            input.event.time_ms = now_ms();
        }
        learn(&mut knowledge, &input);
        let decision = decide(&input.event, &knowledge, settings);
        let text = if explain {
            format!("{}\n{}\n", input.event.url, decision.explain())
        } else {
            serde_json::to_string(&decision).map_err(|e| e.to_string())?
        };
        writeln!(out, "{text}").map_err(|e| e.to_string())?;
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
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or_default()
}
