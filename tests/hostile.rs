//! The hostile-name corpus (`tests/fixtures/hostile-names`) through the whole router: every
//! name as organization, subject, requester and attachment file name (in the URL's `?name=`
//! encoded and raw, and as the browser's suggested file name) must give a path inside the
//! base folder that both browsers save unchanged on every OS (judged by `tests/oracle`, not
//! by the product's sanitizer), and with the default template the folders that template
//! names.

use crate::common::{corpus, default_layout_violation, encode_uri_component, unescape};
use serde_json::json;
use zd_dl_router::router::{decide, Decision, DownloadEvent, Source};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{Instance, TicketId, Token};

const NOW: f64 = 1_795_456_906_000.0;
const PAGE: &str = "https://acme.zendesk.com/agent/tickets/4711";
const SIGNED: &str = "https://p12.zdusercontent.com/attachment/1234/Tk1?token=xyz";

/// Asserts every invariant of a routed path below `base`.
pub fn assert_safe(path: &str, base: &[&str], what: &str) {
    if let Some(v) = crate::common::violation(path, base) {
        panic!("{what}: {v}");
    }
}

fn ticket(org: Option<&str>, subject: &str) -> Ticket {
    Ticket {
        instance: Instance::new("acme"),
        id: TicketId(4711),
        organization: org.map(|name| Organization {
            id: 9,
            name: name.into(),
        }),
        subject: Some(subject.into()),
        requester: Some(subject.into()),
        status: Some(subject.into()),
    }
}

fn knowing(t: Ticket, by_token: bool) -> Knowledge {
    let mut k = Knowledge::default();
    let key = TicketRef {
        instance: t.instance.clone(),
        id: t.id,
    };
    k.observe_ticket(t, NOW);
    if by_token {
        k.observe_tokens(&key, Token::parse("Tk1"), Evidence::Comments, NOW);
    }
    k
}

fn route(event: &DownloadEvent, k: &Knowledge, s: &ValidSettings) -> (String, Source) {
    match decide(event, k, s) {
        Decision::Route { path, source, .. } => (path.as_str().to_owned(), source),
        other => panic!("expected a route for {event:?}, got {other:?}"),
    }
}

fn event(
    url: String,
    filename: Option<&str>,
    referrer: Option<&str>,
    final_url: Option<&str>,
) -> DownloadEvent {
    DownloadEvent {
        url,
        final_url: final_url.map(Into::into),
        referrer: referrer.map(Into::into),
        filename: filename.map(Into::into),
        time_ms: NOW,
        lookup_done: true,
        ..DownloadEvent::default()
    }
}

fn attachment_url(name: &str) -> String {
    format!("https://acme.zendesk.com/attachments/token/Tk1/?name={name}")
}

#[test]
fn corpus_decodes_with_every_category() {
    let names = corpus();
    assert!(names.len() > 100, "{} names", names.len());
    for must in [
        "",
        "..",
        "\u{202E}",
        "\0",
        "CON",
        "a\0b.txt",
        "\\\\server\\share",
        "%c0%ae%c0%ae%c0%af",
        " ",
    ] {
        assert!(names.iter().any(|n| n == must), "corpus lacks {must:?}");
    }
    assert!(names.iter().any(|n| n.len() >= 1000));
    assert_eq!(
        unescape("a\\*{3}b\\u{1F680}\\x7f\\s\\\\").unwrap(),
        "aaab🚀\u{7f} \\"
    );
}

#[test]
fn every_name_as_organization_subject_and_file_stays_inside_the_base_folder() {
    let settings = [
        (ValidSettings::defaults(), vec!["zendesk"]),
        (
            ValidSettings::from_value(json!({
                "template": "{subject}/{requester}/{status}/{ticket_id}/{stem}.{ext}",
                "fallbackTemplate": "_unsorted/{stem}-{ext}"
            }))
            .unwrap(),
            vec!["zendesk"],
        ),
        (
            ValidSettings::from_value(json!({
                "baseFolder": "a/b",
                "template": "{org}-{subject}/{date:%Y-%m}/{ticket_id}/{org} {filename}",
                "rules": [{"fileName": "^(?P<head>[^.]*)\\.(.*)$", "template": "{org}/{head}/{2}/{filename}"}]
            }))
            .unwrap(),
            vec!["a", "b"],
        ),
        (ValidSettings::from_value(json!({"baseFolder": ""})).unwrap(), vec![]),
    ];
    let names = corpus();
    let mut checked = 0;
    for name in &names {
        let n = name.as_str();
        for org in [Some(n), None] {
            for (by_token, referrer) in [(true, None), (false, Some(PAGE))] {
                let k = knowing(ticket(org, n), by_token);
                let events = [
                    (
                        "encoded ?name=",
                        event(
                            attachment_url(&encode_uri_component(n)),
                            Some("x.bin"),
                            referrer,
                            Some(SIGNED),
                        ),
                    ),
                    ("raw ?name=", event(attachment_url(n), None, referrer, None)),
                    (
                        "browser filename",
                        event(
                            "https://acme.zendesk.com/attachments/token/Tk1/".into(),
                            Some(n),
                            referrer,
                            None,
                        ),
                    ),
                    (
                        "signed url only",
                        event(SIGNED.into(), Some(n), referrer, None),
                    ),
                ];
                for (how, e) in &events {
                    for (s, base) in &settings {
                        let (path, source) = route(e, &k, s);
                        let what = format!("name {n:?} ({how}, org {org:?}, by_token {by_token})");
                        assert_safe(&path, base, &what);
                        checked += 1;
                        // The default layout: one folder per level, from the values themselves.
                        if s.settings().template == "{org}/{ticket_id}/{filename}"
                            && *base == ["zendesk"]
                            && *how == "encoded ?name="
                            && !n.is_empty()
                            && source != Source::Fallback
                        {
                            if let Some(v) = default_layout_violation(&path, org, n) {
                                panic!("{what}: {v}");
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "hostile corpus: {} names, {checked} routed paths checked",
        names.len()
    );
}

#[test]
fn an_empty_or_blank_organization_files_under_the_no_organization_folder() {
    // Dropping the folder would put the ticket directly below the base folder, where an
    // organization literally named "4711" puts its folder.
    let k = knowing(ticket(Some(" "), "s"), true);
    let e = event(attachment_url("a.txt"), None, None, None);
    assert_eq!(
        route(&e, &k, &ValidSettings::defaults()).0,
        "zendesk/_no-organization/4711/a.txt"
    );
}

#[test]
fn names_differing_only_by_case_keep_their_case() {
    // The router does not fold case: on case-insensitive file systems (Windows, macOS) the
    // browser's conflict handling (uniquify) separates them.
    let k = knowing(ticket(Some("ACME"), "s"), true);
    let paths: Vec<String> = ["Report.txt", "report.txt", "REPORT.TXT"]
        .iter()
        .map(|n| {
            route(
                &event(attachment_url(n), None, None, None),
                &k,
                &ValidSettings::defaults(),
            )
            .0
        })
        .collect();
    assert_eq!(
        paths,
        [
            "zendesk/ACME/4711/Report.txt",
            "zendesk/ACME/4711/report.txt",
            "zendesk/ACME/4711/REPORT.TXT"
        ]
    );
}

#[test]
fn names_both_browsers_keep_everywhere_are_kept_as_they_are() {
    // Each name is checked with the oracle first, so the list cannot hold a name that needs
    // repair; the router must then leave it alone as organization folder and as file name.
    let names = [
        "ACME Corp",
        "株式会社\u{3000}日本",
        "Q3 v1. final.pdf",
        "v1.\u{3000}final",
        "a. b.txt",
        "Cafe\u{301} déjà vu.txt",
        "📎 Report 🚀.pdf",
        "COM10",
        "console.log",
        "x.lnk.gz",
        "_CON",
        "x.lnk_",
        "(1) [draft] {v2} #3 & more!",
    ];
    for name in names {
        let asked = format!("zendesk/{name}/4711/{name}");
        let rejected = crate::oracle::rejections(&asked);
        assert!(rejected.is_empty(), "{asked:?}: {rejected:#?}");
        let k = knowing(ticket(Some(name), "s"), true);
        let e = event(
            attachment_url(&encode_uri_component(name)),
            None,
            None,
            None,
        );
        assert_eq!(route(&e, &k, &ValidSettings::defaults()).0, asked);
    }
}
