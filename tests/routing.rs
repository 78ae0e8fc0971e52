//! The routing decision, end to end through the public API.

use crate::oracle;
use serde_json::{json, Value};
use zd_dl_router::bulk;
use zd_dl_router::router::{decide, preview, Decision, DownloadEvent, Lookup, PassReason, Source};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{CommentsResponse, Instance, TicketId, Token};

const ATTACHMENT: &str =
    "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz";
const SIGNED: &str = "https://p12.zdusercontent.com/attachment/1234/Tk1?token=xyz";
const PAGE_4711: &str = "https://acme.zendesk.com/agent/tickets/4711";
const NOW: f64 = 1_795_456_906_000.0; // 2026-11-23

fn ticket(id: u64, org: Option<&str>) -> Ticket {
    Ticket {
        instance: Instance::new("acme"),
        id: TicketId(id),
        organization: org.map(|name| Organization {
            id: 9,
            name: name.into(),
        }),
        subject: Some("Production logs after upgrade".into()),
        requester: Some("Jane Doe".into()),
        status: Some("open".into()),
    }
}

fn key(id: u64) -> TicketRef {
    TicketRef {
        instance: Instance::new("acme"),
        id: TicketId(id),
    }
}

fn event(url: &str, referrer: Option<&str>) -> DownloadEvent {
    DownloadEvent {
        url: url.into(),
        referrer: referrer.map(Into::into),
        filename: Some("production_log.tar.gz".into()),
        time_ms: NOW,
        ..DownloadEvent::default()
    }
}

fn knowing(tickets: &[Ticket], tokens: &[(&str, u64)]) -> Knowledge {
    let mut k = Knowledge::default();
    for t in tickets {
        k.observe_ticket(t.clone(), NOW);
    }
    for (token, id) in tokens {
        k.observe_tokens(&key(*id), Token::parse(token), Evidence::Comments, NOW);
    }
    k
}

fn settings(v: Value) -> ValidSettings {
    ValidSettings::from_value(v).expect("valid settings")
}

fn routed(d: &Decision) -> (&str, Source) {
    match d {
        Decision::Route { path, source, .. } => (path.as_str(), *source),
        other => panic!("expected a route, got {other:?}"),
    }
}

#[test]
fn routes_by_referrer_into_org_and_ticket_with_the_trailing_dot_sanitized() {
    let k = knowing(&[ticket(4711, Some("ACME Corp."))], &[]);
    let d = decide(
        &event(ATTACHMENT, Some(PAGE_4711)),
        &k,
        &ValidSettings::defaults(),
    );
    assert_eq!(
        routed(&d),
        (
            "zendesk/ACME Corp/4711/production_log.tar.gz",
            Source::Referrer
        )
    );
}

#[test]
fn the_token_index_beats_the_referrer() {
    // Agent Workspace: the tab shows 4712 but the attachment belongs to 4711.
    let k = knowing(
        &[ticket(4711, Some("ACME")), ticket(4712, Some("Globex"))],
        &[("Tk1", 4711)],
    );
    let referrer = "https://acme.zendesk.com/agent/tickets/4712";
    let d = decide(
        &event(ATTACHMENT, Some(referrer)),
        &k,
        &ValidSettings::defaults(),
    );
    assert_eq!(
        routed(&d),
        (
            "zendesk/ACME/4711/production_log.tar.gz",
            Source::TokenIndex
        )
    );
}

#[test]
fn the_signed_url_alone_is_enough_when_the_token_is_indexed() {
    let k = knowing(&[ticket(4711, Some("ACME"))], &[("Tk1", 4711)]);
    let d = decide(&event(SIGNED, None), &k, &ValidSettings::defaults());
    assert_eq!(routed(&d).0, "zendesk/ACME/4711/production_log.tar.gz");
}

#[test]
fn a_ticket_without_organization_goes_to_the_no_org_folder() {
    let k = knowing(&[ticket(4712, None)], &[("Tk1", 4712)]);
    let d = decide(&event(ATTACHMENT, None), &k, &ValidSettings::defaults());
    assert_eq!(
        routed(&d).0,
        "zendesk/_no-organization/4712/production_log.tar.gz"
    );
}

#[test]
fn a_blank_organization_name_counts_as_no_organization() {
    for blank in ["", "   "] {
        let k = knowing(&[ticket(4712, Some(blank))], &[("Tk1", 4712)]);
        let d = decide(&event(ATTACHMENT, None), &k, &ValidSettings::defaults());
        assert_eq!(
            routed(&d).0,
            "zendesk/_no-organization/4712/production_log.tar.gz"
        );
    }
}

#[test]
fn an_unknown_ticket_is_looked_up_once_then_falls_back() {
    let k = Knowledge::default();
    let mut e = event(ATTACHMENT, Some(PAGE_4711));
    let d = decide(&e, &k, &ValidSettings::defaults());
    assert_eq!(
        d,
        Decision::NeedTicket {
            instance: Instance::new("acme"),
            lookup: Lookup::TicketId(TicketId(4711))
        }
    );

    e.lookup_done = true;
    e.lookup_error = Some("HTTP 500".into());
    match decide(&e, &k, &ValidSettings::defaults()) {
        Decision::Route {
            path,
            source,
            ticket,
            note,
            ..
        } => {
            assert_eq!(
                path.as_str(),
                "zendesk/_unsorted/4711/production_log.tar.gz",
                "the known ticket number is kept"
            );
            assert_eq!(source, Source::Fallback);
            assert_eq!(ticket, Some(key(4711)));
            assert_eq!(
                note.as_deref(),
                Some("ticket details could not be loaded (HTTP 500)")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_token_without_referrer_asks_once_then_falls_back() {
    // A link pasted from chat or e-mail: no referrer, and no open ticket lists the token.
    // Never a guess from whatever agent tab was used last.
    let k = knowing(&[ticket(4711, Some("ACME"))], &[]);
    let mut e = event(ATTACHMENT, None);
    assert_eq!(
        decide(&e, &k, &ValidSettings::defaults()),
        Decision::NeedTicket {
            instance: Instance::new("acme"),
            lookup: Lookup::Token(Token::parse("Tk1").expect("token"))
        }
    );
    e.lookup_done = true;
    assert_eq!(
        routed(&decide(&e, &k, &ValidSettings::defaults())),
        ("zendesk/_unsorted/production_log.tar.gz", Source::Fallback)
    );
}

#[test]
fn non_zendesk_and_disabled_downloads_pass() {
    let k = Knowledge::default();
    let d = decide(
        &event("https://example.com/tool.bin", Some(PAGE_4711)),
        &k,
        &ValidSettings::defaults(),
    );
    assert_eq!(
        d,
        Decision::Pass {
            reason: PassReason::NotZendesk,
            rule: None
        }
    );
    let off = settings(json!({"enabled": false}));
    assert_eq!(
        decide(&event(ATTACHMENT, None), &k, &off),
        Decision::Pass {
            reason: PassReason::Disabled,
            rule: None
        }
    );
}

#[test]
fn the_name_in_the_url_wins_and_the_browser_name_is_the_fallback() {
    let k = knowing(&[ticket(4711, Some("ACME"))], &[("Tk1", 4711)]);
    let mut e = event("https://acme.zendesk.com/attachments/token/Tk1/", None);
    e.filename = Some("/tmp/from-browser.txt".into());
    assert_eq!(
        routed(&decide(&e, &k, &ValidSettings::defaults())).0,
        "zendesk/ACME/4711/from-browser.txt"
    );
}

#[test]
fn rules_route_with_captures_or_leave_alone_and_the_first_match_wins() {
    let s = settings(json!({
        "rules": [
            {"extensions": ["har"], "leaveAlone": true},
            {"fileName": "^(?P<host>[a-z0-9]+)_gitlabsos", "template": "{org}/{ticket_id}/sos/{host}/{filename}"},
            {"fileName": "gitlabsos", "template": "never/{filename}"}
        ],
        "aliases": {"acme corp.": "acme"}
    }));
    let k = knowing(&[ticket(4711, Some("ACME Corp."))], &[("Tk1", 4711)]);
    let mut e = event(
        "https://acme.zendesk.com/attachments/token/Tk1/?name=web01_gitlabsos.tar.gz",
        None,
    );
    let d = decide(&e, &k, &s);
    assert_eq!(
        routed(&d).0,
        "zendesk/acme/4711/sos/web01/web01_gitlabsos.tar.gz"
    );
    e.url = "https://acme.zendesk.com/attachments/token/Tk1/?name=session.HAR".into();
    assert_eq!(
        decide(&e, &k, &s),
        Decision::Pass {
            reason: PassReason::Rule,
            rule: Some(0)
        }
    );
}

#[test]
fn hostile_org_and_file_names_never_escape() {
    let hostile = [
        "../../etc",
        "..",
        ".",
        "",
        "CON",
        "a/b\\c",
        "evil\u{202E}gpj.exe",
        "x.lnk",
        "C:\\Windows",
        "\\\\server\\share",
        "/etc/passwd",
        "name. . ",
        "\u{0}\u{1}\u{7f}",
        &"A".repeat(1000),
    ];
    for org in hostile {
        for file in hostile {
            let mut t = ticket(4711, Some(org));
            t.subject = Some(file.to_owned());
            let k = knowing(&[t], &[("Tk1", 4711)]);
            let url = format!(
                "https://acme.zendesk.com/attachments/token/Tk1/?name={}",
                percent(file)
            );
            let s = settings(json!({"template": "{org}/{subject}/{ticket_id}/{filename}"}));
            let d = decide(&event(&url, None), &k, &s);
            let path = routed(&d).0;
            assert!(path.starts_with("zendesk/"), "{org:?} {file:?} → {path}");
            let rejected = oracle::rejections(path);
            assert!(
                rejected.is_empty(),
                "{org:?} {file:?} → {path}: {rejected:#?}"
            );
        }
    }
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn the_preview_applies_rules_and_base_folder() {
    let s = settings(json!({"baseFolder": "customers", "template": "zd-{ticket_id}/{filename}"}));
    let d = preview(
        &s,
        &ticket(4711, Some("ACME")),
        "a.log",
        Some(&Default::default()),
        NOW,
    );
    assert_eq!(routed(&d).0, "customers/zd-4711/a.log");
}

#[test]
fn dates_come_from_the_download_time() {
    let s = settings(json!({"template": "{date:%Y-%m}/{ticket_id}/{filename}"}));
    let k = knowing(&[ticket(4711, Some("ACME"))], &[("Tk1", 4711)]);
    assert_eq!(
        routed(&decide(&event(ATTACHMENT, None), &k, &s)).0,
        "zendesk/2026-11/4711/production_log.tar.gz"
    );
}

#[test]
fn decisions_serialize_to_the_shape_the_extension_reads() {
    let k = knowing(&[ticket(4711, Some("ACME Corp."))], &[("Tk1", 4711)]);
    let d = decide(&event(ATTACHMENT, None), &k, &ValidSettings::defaults());
    assert_eq!(
        serde_json::to_value(&d).expect("serializable"),
        json!({"action": "route", "path": "zendesk/ACME Corp/4711/production_log.tar.gz",
               "conflictAction": "uniquify", "ticket": {"instance": "acme", "id": 4711}, "source": "tokenIndex",
               "organization": "ACME Corp."})
    );
    let need = decide(
        &event(ATTACHMENT, None),
        &Knowledge::default(),
        &ValidSettings::defaults(),
    );
    assert_eq!(
        serde_json::to_value(&need).expect("serializable"),
        json!({"action": "needTicket", "instance": "acme", "lookup": {"token": "Tk1"}})
    );
}

#[test]
fn a_click_and_download_all_apply_type_and_size_rules_alike() {
    // The browser knows neither type nor size (`application/octet-stream`, no size): the
    // click must use what the comments API said, as Download all does.
    let s = settings(json!({"rules": [
        {"mime": "application/gzip", "template": "{org}/{ticket_id}/archives/{filename}"},
        {"minSize": 1_000_000, "template": "{org}/{ticket_id}/big/{filename}"},
        {"mime": "image/*", "leaveAlone": true}
    ]}));
    let t = ticket(4711, Some("ACME Corp."));
    let cases = [
        // (token, file name, API content_type, API size, expected path; None: left alone)
        (
            "Tk1",
            "production_log.tar.gz",
            "application/gzip",
            2_048,
            Some("zendesk/ACME Corp/4711/archives/production_log.tar.gz"),
        ),
        (
            "Tk2",
            "screen.mp4",
            "video/mp4",
            5_000_000,
            Some("zendesk/ACME Corp/4711/big/screen.mp4"),
        ),
        (
            "Tk3",
            "notes.txt",
            "text/plain",
            10,
            Some("zendesk/ACME Corp/4711/notes.txt"),
        ),
        ("Tk4", "shot.png", "image/png", 10, None),
    ];
    for (token, name, content_type, size, want) in cases {
        let url = format!("https://acme.zendesk.com/attachments/token/{token}/?name={name}");
        let page: CommentsResponse = serde_json::from_value(json!({"comments": [{"id": 1,
            "attachments": [{"id": 1, "file_name": name, "content_url": url,
                "content_type": content_type, "size": size,
                "malware_scan_result": "malware_not_found"}]}]}))
        .expect("comments page");
        let mut k = knowing(std::slice::from_ref(&t), &[]);
        k.observe_comments(&key(4711), &page, NOW);
        let mut click = event(&url, Some(PAGE_4711));
        click.mime = Some("application/octet-stream".into());
        click.size = None;
        let clicked = decide(&click, &k, &s);
        let items = bulk::plan(&s, &t, &[page], &[], Default::default(), NOW);
        let all = &items[0].decision;
        match want {
            Some(want) => {
                assert_eq!(routed(&clicked).0, want, "click on {name}");
                assert_eq!(routed(all).0, want, "Download all of {name}");
            }
            None => {
                let alone = Decision::Pass {
                    reason: PassReason::Rule,
                    rule: Some(2),
                };
                assert_eq!(clicked, alone, "click on {name}");
                assert_eq!(*all, alone, "Download all of {name}");
            }
        }
    }
}

#[test]
fn an_alias_matches_the_zendesk_name_or_the_folder_name_it_produces() {
    let k = knowing(&[ticket(4711, Some("ACME Corp."))], &[("Tk1", 4711)]);
    for key in ["ACME Corp.", "ACME Corp", "acme corp", " ACME Corp "] {
        let s = settings(json!({"aliases": {key: "acme"}}));
        assert_eq!(
            routed(&decide(&event(ATTACHMENT, None), &k, &s)).0,
            "zendesk/acme/4711/production_log.tar.gz",
            "alias keyed {key:?}"
        );
    }
    let s = settings(json!({"aliases": {"ACME Crop": "acme"}}));
    assert_eq!(
        routed(&decide(&event(ATTACHMENT, None), &k, &s)).0,
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
}

#[test]
fn a_rule_without_a_condition_is_not_applied_and_decisions_name_their_rule() {
    let k = knowing(&[ticket(4711, Some("ACME"))], &[("Tk1", 4711)]);
    let s = settings(json!({
        "template": "zd-{ticket_id}/{filename}",
        "rules": [
            {"fileName": "", "template": "new/{filename}"},
            {"name": "logs", "extensions": ["gz"], "template": "logs/{ticket_id}/{filename}"},
        ]
    }));
    match decide(&event(ATTACHMENT, None), &k, &s) {
        Decision::Route { path, rule, .. } => {
            assert_eq!(path.as_str(), "zendesk/logs/4711/production_log.tar.gz");
            assert_eq!(rule, Some(1), "rule 2 decided (0-based 1)");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.incomplete_rules(), vec![0]);
    let s = settings(
        json!({"template": "zd-{ticket_id}/{filename}", "rules": [{"template": "new/{filename}"}]}),
    );
    match decide(&event(ATTACHMENT, None), &k, &s) {
        Decision::Route { path, rule, .. } => {
            assert_eq!(path.as_str(), "zendesk/zd-4711/production_log.tar.gz");
            assert_eq!(rule, None, "the template decided");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_same_ticket_id_on_two_instances_routes_to_each_instances_organization() {
    // Two Zendesk instances open side by side; both have a ticket 4711 and both list the
    // token Tk1 (tokens are unique only within their Zendesk).
    let eu = Instance::new("acme-eu");
    let mut k = knowing(&[ticket(4711, Some("ACME Corp."))], &[("Tk1", 4711)]);
    k.observe_ticket(
        Ticket {
            instance: eu.clone(),
            organization: Some(Organization {
                id: 77,
                name: "ACME Europe GmbH".into(),
            }),
            ..ticket(4711, None)
        },
        NOW,
    );
    let eu_4711 = TicketRef {
        instance: eu,
        id: TicketId(4711),
    };
    k.observe_tokens(&eu_4711, Token::parse("Tk1"), Evidence::Comments, NOW);
    let eu_link = "https://acme-eu.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz";
    let s = settings(json!({"template": "{instance}/{org}/{ticket_id}/{filename}"}));
    assert_eq!(
        routed(&decide(&event(ATTACHMENT, None), &k, &s)).0,
        "zendesk/acme/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(
        routed(&decide(&event(eu_link, None), &k, &s)).0,
        "zendesk/acme-eu/ACME Europe GmbH/4711/production_log.tar.gz"
    );
    // The signed URL names no instance, and both list the token: never a guess.
    let signed = decide(&event(SIGNED, None), &k, &s);
    assert_eq!(routed(&signed).0, "zendesk/_unsorted/production_log.tar.gz");
}

/// The preset "one folder per comment", as the README writes it.
const PER_COMMENT: &str = "{org}/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{filename}";

/// A comments page of ticket 4711: two comments with a file each, `author` wrote the first.
fn two_comments(author: &str) -> CommentsResponse {
    let file = |id: u64, token: &str, name: &str| {
        json!({"id": id, "file_name": name, "content_type": "application/gzip", "size": 10,
            "content_url": format!("https://acme.zendesk.com/attachments/token/{token}/?name={name}"),
            "malware_scan_result": "malware_not_found"})
    };
    serde_json::from_value(json!({
        "comments": [
            {"id": 900000001, "author_id": 501, "created_at": "2026-11-20T09:14:03Z",
             "attachments": [file(700000001, "Tk1", "production_log.tar.gz")]},
            {"id": 900000002, "author_id": 601, "created_at": "2026-11-21T23:59:59Z", "attachments": []},
            {"id": 900000003, "author_id": 601, "created_at": "2026-11-22T00:00:00Z",
             "attachments": [file(700000002, "Tk2", "gitlabsos.tar.gz")]}
        ],
        "users": [{"id": 501, "name": author}, {"id": 601, "name": "Alex Agent"}]
    }))
    .expect("comments page")
}

fn knowing_comments(page: &CommentsResponse, seen_ms: f64) -> Knowledge {
    let mut k = knowing(&[ticket(4711, Some("ACME Corp."))], &[]);
    k.observe_comments(&key(4711), page, seen_ms);
    k
}

fn click(token: &str, name: &str) -> DownloadEvent {
    DownloadEvent {
        filename: Some(name.into()),
        ..event(
            &format!("https://acme.zendesk.com/attachments/token/{token}/?name={name}"),
            Some(PAGE_4711),
        )
    }
}

#[test]
fn a_click_lands_in_the_folder_of_its_comment_named_by_the_day_it_was_added() {
    let k = knowing_comments(&two_comments("Jane Doe"), NOW);
    let s = settings(json!({ "template": PER_COMMENT }));
    let cases = [
        (
            "Tk1",
            "production_log.tar.gz",
            "zendesk/ACME Corp/4711/2026-11-20_900000001/production_log.tar.gz",
        ),
        (
            "Tk2",
            "gitlabsos.tar.gz",
            "zendesk/ACME Corp/4711/2026-11-22_900000003/gitlabsos.tar.gz",
        ),
    ];
    for (token, name, want) in cases {
        assert_eq!(
            routed(&decide(&click(token, name), &k, &s)),
            (want, Source::TokenIndex)
        );
    }
    let s = settings(
        json!({"template": "{author}/{attachment_id}_{uploaded:%H%M%S}_{uploaded}_{filename}"}),
    );
    assert_eq!(
        routed(&decide(&click("Tk2", "gitlabsos.tar.gz"), &k, &s)).0,
        "zendesk/Alex Agent/700000002_000000_2026-11-22_gitlabsos.tar.gz"
    );
}

#[test]
fn download_all_puts_each_attachment_where_a_click_puts_it() {
    let page = two_comments("Jane Doe");
    let k = knowing_comments(&page, NOW);
    let s = settings(
        json!({"template": "{author}/{comment_id}-{attachment_id}/{uploaded}/{filename}"}),
    );
    let t = ticket(4711, Some("ACME Corp."));
    let items = bulk::plan(&s, &t, &[page], &[], Default::default(), NOW);
    let want = [
        (
            "Tk1",
            "zendesk/Jane Doe/900000001-700000001/2026-11-20/production_log.tar.gz",
        ),
        (
            "Tk2",
            "zendesk/Alex Agent/900000003-700000002/2026-11-22/gitlabsos.tar.gz",
        ),
    ];
    assert_eq!(items.len(), want.len());
    for (item, (token, path)) in items.iter().zip(want) {
        assert_eq!(routed(&item.decision).0, path, "Download all");
        let clicked = decide(&click(token, &item.file_name), &k, &s);
        assert_eq!(routed(&clicked).0, path, "click");
    }
}

#[test]
fn an_unknown_comment_renders_the_documented_words_and_the_download_date() {
    let s = settings(json!({
        "template": "{author}/{uploaded:%Y-%m-%d}_{comment_id}/{attachment_id}-{filename}",
        "fallbackTemplate": "_unsorted/{uploaded}_{comment_id}/{filename}"
    }));
    let by_page = "zendesk/unknown-author/2026-11-23_unknown-comment/unknown-attachment-production_log.tar.gz";
    // Attributed through the referrer: the comments API never listed the attachment.
    let k = knowing(&[ticket(4711, Some("ACME Corp."))], &[]);
    assert_eq!(
        routed(&decide(&event(ATTACHMENT, Some(PAGE_4711)), &k, &s)),
        (by_page, Source::Referrer)
    );
    // Listed once, but more than the token index keeps (7 days) ago.
    let mut k = knowing_comments(&two_comments("Jane Doe"), NOW - 8.0 * 86_400_000.0);
    k.observe_ticket(ticket(4711, Some("ACME Corp.")), NOW);
    assert_eq!(
        routed(&decide(&click("Tk1", "production_log.tar.gz"), &k, &s)),
        (by_page, Source::Referrer)
    );
    // Nothing known at all: the fallback folder, the comment's folder still there.
    let mut nothing = event(ATTACHMENT, None);
    nothing.lookup_done = true;
    assert_eq!(
        routed(&decide(&nothing, &Knowledge::default(), &s)),
        (
            "zendesk/_unsorted/2026-11-23_unknown-comment/production_log.tar.gz",
            Source::Fallback
        )
    );
}

#[test]
fn a_hostile_author_name_stays_inside_its_one_folder() {
    let long = "Ω".repeat(5_000);
    let names = [
        "../../etc",
        "..",
        ".",
        "a/b\\c",
        "\u{0}\u{1}\u{1f}\u{7f}",
        "CON",
        "nul.txt",
        "Jane \u{202e}gpj.exe",
        "trailing dot. ",
        long.as_str(),
    ];
    let s = settings(json!({"template": "{author}/{ticket_id}/{author}_{filename}"}));
    for name in names {
        let k = knowing_comments(&two_comments(name), NOW);
        let decision = decide(&click("Tk1", "production_log.tar.gz"), &k, &s);
        let (path, _) = routed(&decision);
        let shown: String = name.chars().take(20).collect();
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!(parts.len(), 4, "{shown:?} → {path}");
        assert_eq!(
            (parts[0], parts[2]),
            ("zendesk", "4711"),
            "{shown:?} → {path}"
        );
        // A very long name leaves no room for the whole stem: the extension stays.
        assert!(parts[3].ends_with(".tar.gz"), "{shown:?} → {path}");
        assert!(!parts[1].trim().is_empty(), "{shown:?} → {path}");
        assert_eq!(
            oracle::rejections(path),
            Vec::<String>::new(),
            "{shown:?} → {path}"
        );
    }
    for blank in ["", "   ", "\t"] {
        let k = knowing_comments(&two_comments(blank), NOW);
        assert_eq!(
            routed(&decide(&click("Tk1", "production_log.tar.gz"), &k, &s)).0,
            "zendesk/unknown-author/4711/unknown-author_production_log.tar.gz",
            "{blank:?}"
        );
    }
}

#[test]
fn the_ticket_link_file_goes_to_the_tickets_folder_not_a_comments() {
    let s = settings(json!({"template": PER_COMMENT, "sidecar": "html"}));
    let file = bulk::sidecar(
        &s,
        &ticket(4711, Some("ACME Corp.")),
        &Default::default(),
        NOW,
    )
    .expect("a ticket-link file");
    assert_eq!(file.path.as_str(), "zendesk/ACME Corp/4711/ticket.html");
}
