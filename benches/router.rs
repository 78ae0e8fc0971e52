//! Native benchmarks of the routing core (`cargo bench --bench router`, also run by
//! `./build.sh bench`). A plain `std::time::Instant` harness: each case is warmed up, then
//! timed in batches for about `BENCH_MS` (default 400) ms; the best batch's per-operation
//! time is reported (the least disturbed by other processes on the machine).
//!
//! Output: a human table on stderr and, with `--json`, one JSON object on stdout:
//! `{"cases":[{"name","nsPerOp","opsPerSec","iterations"}]}` (read by tests/bench/run.mjs).
//!
//! Single-threaded: "decisions/s on one core" is `opsPerSec`.

use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};
use zd_dl_router::router::{decide, Decision, DownloadEvent};
use zd_dl_router::sanitize::component;
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::template::{split_extension, Field, Template};
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{Instance, TicketId, Token};

const NOW: f64 = 1_795_456_906_000.0; // 2026-11-23
const TOKEN: &str = "Tk1aBcDeFgHiJkLmNoPqRsTuV";

struct Case {
    name: &'static str,
    ns_per_op: f64,
    iterations: u64,
}

/// Times `f` for about `budget`: batches sized to ~2 ms each, best batch wins.
fn bench(name: &'static str, budget: Duration, mut f: impl FnMut() -> usize) -> Case {
    // Warm-up and batch sizing.
    let mut batch: u64 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        if t.elapsed() >= Duration::from_millis(2) || batch >= 1 << 30 {
            break;
        }
        batch *= 2;
    }
    let start = Instant::now();
    let mut best = f64::INFINITY;
    let mut iterations = 0;
    while start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        let ns = t.elapsed().as_nanos() as f64 / batch as f64;
        best = best.min(ns);
        iterations += batch;
    }
    Case {
        name,
        ns_per_op: best,
        iterations,
    }
}

fn acme_ticket(id: u64) -> Ticket {
    Ticket {
        instance: Instance::new("acme"),
        id: TicketId(id),
        organization: Some(Organization {
            id: 9,
            name: "ACME Corp.".into(),
        }),
        subject: Some("Production logs after upgrade".into()),
        requester: Some("Jane Doe".into()),
        status: Some("open".into()),
    }
}

/// Knowledge as after a day of work: 200 tickets, 10 attachment tokens each.
fn busy_knowledge() -> Knowledge {
    let mut k = Knowledge::default();
    for i in 0..200u64 {
        let id = 4000 + i;
        k.observe_ticket(acme_ticket(id), NOW);
        let key = TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(id),
        };
        let tokens = (0..10).filter_map(|a| Token::parse(&format!("Tk{id}x{a}aBcDeFgHiJkLmNoPq")));
        k.observe_tokens(&key, tokens, Evidence::Comments, NOW);
    }
    k.observe_ticket(acme_ticket(4711), NOW);
    let key = TicketRef {
        instance: Instance::new("acme"),
        id: TicketId(4711),
    };
    k.observe_tokens(&key, Token::parse(TOKEN), Evidence::Comments, NOW);
    k
}

fn event(url: &str, referrer: Option<&str>, filename: &str) -> DownloadEvent {
    DownloadEvent {
        url: url.into(),
        referrer: referrer.map(Into::into),
        filename: Some(filename.into()),
        mime: Some("application/gzip".into()),
        size: Some(1 << 20),
        time_ms: NOW,
        ..DownloadEvent::default()
    }
}

/// Settings a power user might have: rules that do not match the benchmarked file
/// (every rule is checked before the template).
fn settings_json() -> serde_json::Value {
    json!({
        "baseFolder": "zendesk",
        "template": "{date:%Y-%m}/{org}/{ticket_id}/{filename}",
        "conflictAction": "uniquify",
        "hostMappedDomains": ["support.example.com"],
        "aliases": {"ACME Corporation (EMEA)": "acme"},
        "rules": [
            {"fileName": "^(?P<host>[a-z0-9-]+)_gitlabsos\\.tar\\.gz$", "template": "{org}/{ticket_id}/sos/{host}/{filename}"},
            {"extensions": ["har"], "leaveAlone": true},
            {"mime": "image/*", "template": "{org}/{ticket_id}/images/{filename}"},
            {"organization": "^Globex", "minSize": 1000000000u64, "template": "big/{filename}"}
        ]
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let as_json = args.iter().any(|a| a == "--json");
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(400),
    );

    let knowledge = busy_knowledge();
    let defaults = ValidSettings::defaults();
    let custom =
        ValidSettings::from_json(&settings_json().to_string()).expect("valid bench settings");
    let attachment_url =
        format!("https://acme.zendesk.com/attachments/token/{TOKEN}/?name=production_log.tar.gz");
    let signed_url = format!("https://p12.zdusercontent.com/attachment/1234/{TOKEN}?token=xyz");

    let by_token = event(&attachment_url, None, "production_log.tar.gz");
    let by_referrer = DownloadEvent {
        url: "https://acme.zendesk.com/attachments/token/ZZunindexedTokenAbCdEfGh/?name=x.log"
            .into(),
        ..event(
            "",
            Some("https://acme.zendesk.com/agent/tickets/4711"),
            "x.log",
        )
    };
    let signed = DownloadEvent {
        final_url: Some(signed_url.clone()),
        ..by_token.clone()
    };
    let pass = event(
        "https://files.example.org/downloads/tool-1.2.3-linux-x86_64.tar.gz",
        Some("https://files.example.org/"),
        "tool-1.2.3-linux-x86_64.tar.gz",
    );
    // Sanity: the cases decide what they claim to.
    for (e, s, want) in [
        (&by_token, &defaults, "route"),
        (&by_referrer, &defaults, "route"),
        (&signed, &defaults, "route"),
        (&by_token, &custom, "route"),
        (&pass, &defaults, "pass"),
    ] {
        let got = match decide(e, &knowledge, s) {
            Decision::Route { .. } => "route",
            Decision::Pass { .. } => "pass",
            Decision::NeedTicket { .. } => "needTicket",
        };
        assert_eq!(got, want, "{e:?}");
    }

    // A long hostile file name: reserved device name, control and format characters,
    // path separators, trailing dots/spaces, 1,000+ bytes, a dangerous extension.
    let hostile = format!(
        "CON\u{202e}..\\..//etc/passwd\u{0}\u{7}:*?\"<>|{}\u{200b}{} .lnk. . ",
        "日本語のファイル名".repeat(40),
        "A".repeat(600)
    );
    let template = Template::parse("{org}/{ticket_id}/{subject}/{filename}").expect("template");
    let (stem, ext) = split_extension(&hostile);
    assert!(!stem.is_empty() || !ext.is_empty());

    let settings_text = serde_json::to_string(&settings_json()).expect("json");

    let mut cases = vec![
        bench(
            "decide: routed, ticket known (token index)",
            budget,
            || match decide(black_box(&by_token), &knowledge, &defaults) {
                Decision::Route { path, .. } => path.as_str().len(),
                _ => 0,
            },
        ),
        bench(
            "decide: routed, ticket known (referrer)",
            budget,
            || match decide(black_box(&by_referrer), &knowledge, &defaults) {
                Decision::Route { path, .. } => path.as_str().len(),
                _ => 0,
            },
        ),
        bench(
            "decide: routed, signed zdusercontent URL",
            budget,
            || match decide(black_box(&signed), &knowledge, &defaults) {
                Decision::Route { path, .. } => path.as_str().len(),
                _ => 0,
            },
        ),
        bench(
            "decide: routed, 4 rules + date template",
            budget,
            || match decide(black_box(&by_token), &knowledge, &custom) {
                Decision::Route { path, .. } => path.as_str().len(),
                _ => 0,
            },
        ),
        bench(
            "decide: pass-through (not Zendesk)",
            budget,
            || match decide(black_box(&pass), &knowledge, &defaults) {
                Decision::Pass { .. } => 1,
                _ => 0,
            },
        ),
    ];
    cases.push(bench(
        "template render + sanitize (hostile 2 KB name)",
        budget,
        || {
            let path = template.render(|f| match f {
                Field::Org => "ACME\u{0}/../Corp. ".to_owned(),
                Field::TicketId => "4711".to_owned(),
                Field::Subject => hostile.clone(),
                Field::Filename => hostile.clone(),
                _ => String::new(),
            });
            path.as_str().len()
        },
    ));
    cases.push(bench(
        "sanitize one component (hostile 2 KB name)",
        budget,
        || component(black_box(&hostile), true).len(),
    ));
    cases.push(bench("settings: validate defaults ({})", budget, || {
        ValidSettings::from_json(black_box("{}")).map_or(0, |s| s.rules().len() + 1)
    }));
    cases.push(bench(
        "settings: validate 4 rules (regex compile)",
        budget,
        || ValidSettings::from_json(black_box(&settings_text)).map_or(0, |s| s.rules().len()),
    ));
    cases.push(bench(
        "settings: reject invalid (3 field errors)",
        budget,
        || {
            ValidSettings::from_json(black_box(
                r#"{"template":"/abs","watchdogMs":5,"rules":[{"fileName":"(unclosed"}]}"#,
            ))
            .map_or_else(|e| e.0.len(), |_| 0)
        },
    ));

    eprintln!("{:<50} {:>12} {:>14}", "case", "ns/op", "ops/s");
    for c in &cases {
        eprintln!(
            "{:<50} {:>12.1} {:>14.0}",
            c.name,
            c.ns_per_op,
            1e9 / c.ns_per_op
        );
    }
    if as_json {
        let out = json!({
            "cases": cases.iter().map(|c| json!({
                "name": c.name,
                "nsPerOp": c.ns_per_op,
                "opsPerSec": 1e9 / c.ns_per_op,
                "iterations": c.iterations,
            })).collect::<Vec<_>>()
        });
        println!("{out}");
    }
}
