//! Property runs of the core against hostile input: URL recognition, templates, the
//! sanitizer, settings JSON and the whole router.
//!
//! `cargo test --test fuzz` runs every property with `FUZZ_CASES` cases (default 2,000), so
//! CI stays fast. `./build.sh fuzz` runs the `#[ignore]`d long variants
//! (`cargo test --release --test fuzz -- --ignored --nocapture`): each property with
//! `FUZZ_LONG_CASES` cases (default 200,000), and `sanitizer_ten_million`, a fast custom
//! generator that pushes `FUZZ_SANITIZER_ITERS` (default 10,000,000) strings through
//! `sanitize::component`. Every run prints its case count and time. `FUZZ_SEED` (a number)
//! makes the proptest runs reproducible; failures print the shrunk input.
//!
//! The hostile-name corpus (`tests/fixtures/hostile-names`) seeds the generators. Paths are
//! judged by the browsers' rules (`tests/oracle`), not by the product's own checker.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // the fuzz binary uses only part of it
mod common;
mod oracle;

use common::encode_uri_component;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Instant;
use zd_dl_router::bulk;
use zd_dl_router::router::{self, decide, Decision, DownloadEvent, PassReason};
use zd_dl_router::rule_draft;
use zd_dl_router::rules::RuleSpec;
use zd_dl_router::sanitize::{
    component, SafePath, MAX_DEPTH, MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES,
};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::template::{Field, Template};
use zd_dl_router::tickets::{Evidence, Knowledge, Organization, Ticket, TicketRef};
use zd_dl_router::zendesk::{
    percent_decode, recognize, CommentsResponse, Instance, TicketId, Token, ZendeskUrl,
};

// ---- running ------------------------------------------------------------------------------

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn short_cases() -> u32 {
    env_number("FUZZ_CASES", 2_000) as u32
}

fn long_cases() -> u32 {
    env_number("FUZZ_LONG_CASES", 200_000) as u32
}

/// Runs `test` on `cases` values of `strategy`; panics with the shrunk failing input.
fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        ..Config::default()
    };
    let mut runner = match std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(seed) => {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
        }
        None => TestRunner::new(config),
    };
    let start = Instant::now();
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
    println!(
        "fuzz {name}: {cases} cases passed in {:.2} s",
        start.elapsed().as_secs_f64()
    );
}

/// One quick test (`FUZZ_CASES`) and one ignored long test (`FUZZ_LONG_CASES`) per property.
macro_rules! property {
    ($quick:ident, $long:ident, $body:path) => {
        #[test]
        fn $quick() {
            $body(stringify!($quick), short_cases());
        }

        #[test]
        #[ignore = "long run: ./build.sh fuzz"]
        fn $long() {
            $body(stringify!($long), long_cases());
        }
    };
}

// ---- generators -------------------------------------------------------------------------

/// The hostile-name corpus, decoded.
fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(common::corpus)
}

/// Characters that break file names, URLs and templates.
const NASTY: &[char] = &[
    '.',
    ' ',
    '/',
    '\\',
    ':',
    '%',
    '~',
    '_',
    '{',
    '}',
    '$',
    '?',
    '&',
    '=',
    '+',
    '#',
    '"',
    '*',
    '<',
    '>',
    '|',
    '\u{A0}',
    '\u{3000}',
    '\u{202E}',
    '\u{202D}',
    '\u{2066}',
    '\u{200B}',
    '\u{200D}',
    '\u{FEFF}',
    '\0',
    '\n',
    '\r',
    '\t',
    '\u{7F}',
    '\u{85}',
    '\u{2028}',
    '\u{180E}',
    '\u{FFFE}',
    '\u{FFFF}',
    '\u{FDD0}',
    '\u{FFFD}',
    '\u{E0041}',
    '\u{AD}',
    '¹',
    'é',
    'İ',
    'ß',
    '日',
    '🚀',
    '\u{301}',
    '\u{1F3FB}',
    '\u{10FFFF}',
];

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(NASTY),
        4 => prop::char::range('a', 'z'),
        1 => prop::char::range('A', 'Z'),
        1 => prop::char::range('0', '9'),
        1 => any::<char>(),
    ]
}

/// Arbitrary strings, weighted towards what breaks file names; also corpus names,
/// corpus names mutated, and long names.
fn hostile_string() -> BoxedStrategy<String> {
    let from_corpus = prop::sample::select(corpus().to_vec());
    let mutated = (
        prop::sample::select(corpus().to_vec()),
        prop::collection::vec((any::<prop::sample::Index>(), hostile_char()), 0..4),
    )
        .prop_map(|(s, edits)| {
            let mut v: Vec<char> = s.chars().collect();
            for (i, c) in edits {
                let at = i.index(v.len() + 1);
                v.insert(at, c);
            }
            v.into_iter().collect()
        });
    prop_oneof![
        2 => any::<String>(),
        2 => "\\PC{0,40}",
        6 => prop::collection::vec(hostile_char(), 0..40).prop_map(|v| v.into_iter().collect::<String>()),
        3 => "[ .]{0,2}(?i:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|clock\\$|conin\\$|conout\\$|desktop\\.ini|thumbs\\.db|[a-z]{1,3})( {0,2}\\.(?i:lnk|local|url|scf|desktop|txt|tar|gz|\\{[0-9a-f-]{0,6}\\}| ?[a-z]{0,3})){0,3}[ .]{0,2}",
        2 => "[a-zé日🚀 .~-]{0,400}(\\.(tar\\.gz|pdf|lnk|[a-z ]{1,20}))?",
        3 => from_corpus,
        3 => mutated,
        1 => (prop::sample::select(vec!["a", "é", "日", "🚀", ". ", " .", "\u{202E}", "%2e"]), 100usize..700)
            .prop_map(|(s, n)| s.repeat(n)),
    ]
    .boxed()
}

const SEED_URLS: &[&str] = &[
    "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz",
    "https://acme.zendesk.com/attachments/token/hQ3ZuHbGrqpW5fk8RkBkbZ2xE/?name=Screen%20Shot%202026-11-20%20at%2009.14.03.png",
    "https://acme.zendesk.com/attachments/token/Tk1?name=a%20b+c%C3%A9.txt&x=1",
    "https://acme.zendesk.com/attachments/token/Tk1/?name=..%2F..%2Fetc%2Fpasswd",
    "https://acme.zendesk.com/attachments/token/Tk1/?name=%c0%ae%c0%ae%c0%af",
    "https://acme.zendesk.com/agent/tickets/4711/events?brand_id=1#comment-1",
    "https://ACME.Zendesk.com.:443/agent/tickets/4711",
    "https://user:pw@acme.zendesk.com:8443/attachments/token/Tk1/",
    "https://p12.zdusercontent.com/attachment/1234/Tk1?token=eyJhbGciOi.x.y",
    "https://support.example.com/attachments/token/abc/?name=x.har",
    "https://support.example.com/agent/tickets/88",
    "https://evil.io/?https://acme.zendesk.com/agent/tickets/4711",
    "http://acme.zendesk.com/attachments/token/abc/?name=x",
];

/// A seed URL with byte-level edits: insert, delete, replace, duplicate a slice.
fn mutated_url() -> impl Strategy<Value = String> {
    let edit = (
        0u8..4,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        hostile_char(),
    );
    (
        prop::sample::select(SEED_URLS),
        prop::collection::vec(edit, 0..6),
    )
        .prop_map(|(url, edits)| {
            let mut v: Vec<char> = url.chars().collect();
            for (kind, i, j, c) in edits {
                let at = i.index(v.len() + 1);
                match kind {
                    0 => v.insert(at, c),
                    1 if at < v.len() => {
                        v.remove(at);
                    }
                    2 if at < v.len() => v[at] = c,
                    _ => {
                        let end = (at + j.index(8)).min(v.len());
                        let slice: Vec<char> = v[at..end].to_vec();
                        v.splice(at..at, slice);
                    }
                }
            }
            v.into_iter().collect()
        })
}

fn any_url() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => mutated_url(),
        1 => any::<String>(),
        1 => hostile_string().prop_map(|s| format!("https://acme.zendesk.com/attachments/token/Tk1/?name={s}")),
        1 => hostile_string().prop_map(|s| format!("https://acme.zendesk.com/{s}")),
        1 => hostile_string().prop_map(|s| format!("https://{s}.zendesk.com/attachments/token/Tk1/?name=a")),
    ]
}

// ---- path invariants ---------------------------------------------------------------------

/// Every invariant of a routed path; `base` = the base folder's components.
fn check_path(path: &str, base: &[&str]) -> Result<(), TestCaseError> {
    match common::violation(path, base) {
        Some(v) => Err(TestCaseError::fail(v)),
        None => Ok(()),
    }
}

/// The oracle's objections to `c` as a file name (`is_file`) or as a folder name.
fn component_rejections(c: &str, is_file: bool) -> Vec<String> {
    if is_file {
        oracle::rejections(c)
    } else {
        oracle::rejections(&format!("{c}/f"))
    }
}

// ---- URL recognition ----------------------------------------------------------------------

fn url_recognition(name: &str, cases: u32) {
    let mapped = ["support.example.com".to_string()];
    check(name, cases, any_url(), |url| {
        for hm in [&mapped[..], &[]] {
            match recognize(&url, hm) {
                Some(ZendeskUrl::Attachment { name, instance, .. }) => {
                    prop_assert!(name.as_deref() != Some(""), "empty name from {url:?}");
                    prop_assert_eq!(instance.as_str(), instance.as_str().to_ascii_lowercase());
                }
                Some(ZendeskUrl::TicketPage { instance, .. }) => {
                    prop_assert_eq!(instance.as_str(), instance.as_str().to_ascii_lowercase());
                }
                Some(ZendeskUrl::SignedAttachment { .. }) | None => {}
            }
        }
        Ok(())
    });
}
property!(
    url_recognition_never_panics,
    url_recognition_long,
    url_recognition
);

/// A URL built from known parts, and what recognising it must give back.
#[derive(Debug, Clone)]
enum Built {
    /// An agent ticket page of `instance`, ticket `id` (0: none, not a ticket page).
    Page { instance: String, id: u64 },
    /// An attachment link of `instance` with `token` and `?name=` `name` ("": none).
    Attachment {
        instance: String,
        token: String,
        name: String,
    },
    /// A signed `pNN.zdusercontent.com` URL of Zendesk account `account`.
    Signed { account: u64, token: String },
    /// An attachment link whose token has a character no token has: not an attachment.
    BadToken { instance: String, token: String },
}

/// The instance's host as a browser may write it: any ASCII case, maybe a trailing dot,
/// credentials and a port; `support.example.com` is the host-mapped domain.
fn host_of(instance: &str, case: &[bool], dot: bool, user: bool, port: Option<u16>) -> String {
    let host = if instance.contains('.') {
        instance.to_owned()
    } else {
        format!("{instance}.zendesk.com")
    };
    let host: String = host
        .chars()
        .zip(case.iter().cycle())
        .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
        .collect();
    format!(
        "{}{host}{}{}",
        if user { "agent:pw@" } else { "" },
        if dot { "." } else { "" },
        port.map(|p| format!(":{p}")).unwrap_or_default()
    )
}

fn built_url() -> impl Strategy<Value = (String, Built)> {
    let instance = prop_oneof![
        4 => "[a-z0-9][a-z0-9-]{0,20}".prop_filter("www is not an instance", |s| s != "www"),
        1 => Just("support.example.com".to_owned()),
    ];
    let token = "[A-Za-z0-9_-]{1,64}";
    let host = (
        prop::collection::vec(any::<bool>(), 1..8),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.2, prop::sample::select(vec![443u16, 8443])),
    );
    let page_suffix = prop::sample::select(vec![
        "",
        "/",
        "/events",
        "/events?x=1",
        "?brand_id=1",
        "#comment-1",
        "/events#x",
    ]);
    let built = prop_oneof![
        3 => (instance.clone(), prop_oneof![4 => 1u64..10_000_000, 1 => 1u64..=9_999_999_999_999_999_999, 1 => Just(0u64)])
            .prop_map(|(instance, id)| Built::Page { instance, id }),
        3 => (instance.clone(), token, prop_oneof![Just(String::new()), "[a-zA-Z0-9 ._()-]{1,30}", hostile_string()])
            .prop_map(|(instance, token, name)| Built::Attachment { instance, token, name }),
        2 => (any::<u64>(), token).prop_map(|(account, token)| Built::Signed { account, token }),
        1 => (instance, "[A-Za-z0-9_-]{0,8}[./%~+][A-Za-z0-9_-]{0,8}")
            .prop_map(|(instance, token)| Built::BadToken { instance, token }),
    ];
    (built, host, page_suffix, any::<bool>(), 1u32..100).prop_map(
        |(built, (case, dot, user, port), suffix, slash, pod)| {
            let host = |i: &str| host_of(i, &case, dot, user, port);
            let url = match &built {
                Built::Page { instance, id } => {
                    format!("https://{}/agent/tickets/{id}{suffix}", host(instance))
                }
                Built::Attachment {
                    instance,
                    token,
                    name,
                } => format!(
                    "https://{}/attachments/token/{token}{}?x=1&name={}&name=other",
                    host(instance),
                    if slash { "/" } else { "" },
                    encode_uri_component(name)
                ),
                Built::Signed { account, token } => format!(
                    "https://p{pod}.zdusercontent.com/attachment/{account}/{token}?token=eyJ.x.y"
                ),
                Built::BadToken { instance, token } => format!(
                    "https://{}/attachments/token/{token}/?name=a.txt",
                    host(instance)
                ),
            };
            (url, built)
        },
    )
}

/// A URL built from an instance, a ticket id, a token and a name is recognised as exactly
/// those: nothing lost, nothing made up, nothing recognised that is not there.
fn generated_urls(name: &str, cases: u32) {
    let mapped = ["support.example.com".to_string()];
    check(name, cases, built_url(), |(url, built)| {
        let got = recognize(&url, &mapped);
        match (&built, &got) {
            (Built::Page { id: 0, .. }, None) => {}
            (
                Built::Page { instance, id },
                Some(ZendeskUrl::TicketPage {
                    instance: i,
                    ticket_id,
                }),
            ) => {
                prop_assert_eq!(i.as_str(), instance.as_str(), "{}", url);
                prop_assert_eq!(ticket_id.0, *id, "{}", url);
            }
            (
                Built::Attachment {
                    instance,
                    token,
                    name,
                },
                Some(ZendeskUrl::Attachment {
                    instance: i,
                    token: t,
                    name: n,
                }),
            ) => {
                prop_assert_eq!(i.as_str(), instance.as_str(), "{}", url);
                prop_assert_eq!(t.as_str(), token.as_str(), "{}", url);
                prop_assert_eq!(n.as_deref().unwrap_or(""), name.as_str(), "{}", url);
            }
            (
                Built::Signed { account, token },
                Some(ZendeskUrl::SignedAttachment {
                    account: a,
                    token: t,
                }),
            ) => {
                prop_assert_eq!(*a, *account, "{}", url);
                prop_assert_eq!(t.as_str(), token.as_str(), "{}", url);
            }
            (Built::BadToken { .. }, None) => {}
            _ => prop_assert!(
                false,
                "{url:?} built as {built:?} was recognised as {got:?}"
            ),
        }
        Ok(())
    });
}
property!(
    generated_urls_are_recognised_as_built,
    generated_urls_are_recognised_as_built_long,
    generated_urls
);

fn name_round_trip(name: &str, cases: u32) {
    check(name, cases, hostile_string(), |file| {
        // Encoded as the browser / Zendesk do: exactly the name comes back.
        let url = format!(
            "https://acme.zendesk.com/attachments/token/Tk1/?x=1&name={}&name=other",
            encode_uri_component(&file)
        );
        prop_assert_eq!(percent_decode(&encode_uri_component(&file)), file.clone());
        match recognize(&url, &[]) {
            Some(ZendeskUrl::Attachment { name, .. }) => {
                let want = (!file.is_empty()).then(|| file.clone());
                prop_assert_eq!(name, want, "url {:?}", url);
            }
            other => prop_assert!(false, "{url:?} -> {other:?}"),
        }
        // Raw (unencoded) in the query: never panics; the name, if any, is the decoded
        // text up to the next '&' or '#', and is valid UTF-8 by construction.
        let raw = format!("https://acme.zendesk.com/attachments/token/Tk1/?name={file}");
        if let Some(ZendeskUrl::Attachment { name: Some(n), .. }) = recognize(&raw, &[]) {
            prop_assert!(!n.is_empty());
            if !file.contains(['%', '+', '&', '#']) && file.trim() == file {
                prop_assert_eq!(n, file);
            }
        }
        Ok(())
    });
}
property!(
    attachment_name_round_trips,
    attachment_name_round_trips_long,
    name_round_trip
);

// ---- templates ----------------------------------------------------------------------------

const TEMPLATE_PIECES: &[&str] = &[
    "{org}",
    "{org_id}",
    "{ticket_id}",
    "{subject}",
    "{requester}",
    "{status}",
    "{instance}",
    "{filename}",
    "{stem}",
    "{ext}",
    "{date}",
    "{date:%Y-%m}",
    "{date:%Q}",
    "{date:}",
    "{date:%}",
    "{1}",
    "{name}",
    "{",
    "}",
    "{{",
    "}}",
    "/",
    "/",
    "/",
    "//",
    "..",
    ".",
    "\\",
    " ",
    "a",
    "x.lnk",
    "CON",
    "%",
    "~",
    "\u{202E}",
    "日本",
    "{unknown}",
];

fn template_source() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => hostile_string(),
        4 => prop::collection::vec(
            prop_oneof![4 => prop::sample::select(TEMPLATE_PIECES).prop_map(str::to_owned), 1 => hostile_string()],
            0..14,
        )
        .prop_map(|v| v.concat()),
    ]
}

fn field_value(f: &Field, values: &[String]) -> String {
    let i = match f {
        Field::Org => 0,
        Field::OrgId => 1,
        Field::TicketId => 2,
        Field::Subject => 3,
        Field::Requester => 4,
        Field::Status => 5,
        Field::Instance => 6,
        Field::Filename => 7,
        Field::Stem => 8,
        Field::Ext => 9,
        Field::Date(_) => 10,
        _ => 11,
    };
    values[i % values.len()].clone()
}

fn template_render(name: &str, cases: u32) {
    let strategy = (
        template_source(),
        prop::collection::vec(hostile_string(), 1..12),
    );
    check(name, cases, strategy, |(source, values)| {
        if let Ok(t) = Template::parse(&source) {
            prop_assert!(t.depth() <= MAX_DEPTH);
            let p = t.render(|f| field_value(f, &values));
            check_path(p.as_str(), &[])?;
            prop_assert!(p.as_str().split('/').count() <= t.depth() + 1);
        }
        let captures = |w: &str| w == "1" || w == "name";
        if let Ok(t) = Template::parse_with_captures(&source, &captures) {
            check_path(t.render(|f| field_value(f, &values)).as_str(), &[])?;
        }
        Ok(())
    });
}
property!(
    template_parse_and_render,
    template_parse_and_render_long,
    template_render
);

// ---- sanitizer ----------------------------------------------------------------------------

fn sanitize_component(name: &str, cases: u32) {
    check(
        name,
        cases,
        (hostile_string(), any::<bool>()),
        |(s, is_file)| {
            let c = component(&s, is_file);
            let limit = if is_file {
                MAX_FILE_NAME_BYTES
            } else {
                MAX_DIR_NAME_BYTES
            };
            let rejected = component_rejections(&c, is_file);
            prop_assert!(rejected.is_empty(), "{:?} -> {:?}: {:#?}", s, c, rejected);
            prop_assert!(!c.is_empty() && c.len() <= limit, "{s:?} -> {c:?}");
            prop_assert!(!c.contains(['/', '\\']));
            prop_assert_eq!(component(&c, is_file), c.clone(), "not idempotent: {:?}", s);
            // A name both browsers save unchanged everywhere is kept as it is.
            if !s.contains('/') && s.len() <= limit && component_rejections(&s, is_file).is_empty()
            {
                prop_assert_eq!(c, s, "a name fine everywhere was changed");
            }
            Ok(())
        },
    );
}
property!(
    sanitize_component_is_portable,
    sanitize_component_long,
    sanitize_component
);

fn safe_path(name: &str, cases: u32) {
    let strategy = (
        prop::collection::vec(hostile_string(), 0..14),
        hostile_string(),
    );
    check(name, cases, strategy, |(dirs, file)| {
        let p = SafePath::new(&dirs, &file);
        check_path(p.as_str(), &[])?;
        let kept = dirs
            .iter()
            .filter(|d| !d.trim().is_empty())
            .count()
            .min(MAX_DEPTH);
        prop_assert_eq!(p.as_str().split('/').count(), kept + 1, "{:?}", p);
        // The file name is the sanitized name, cut shorter only when the path with it would
        // be too long for the browsers.
        let whole = component(&file, true);
        if p.file_name() != whole {
            let uncut = [p.dir(), whole.as_str()].join("/");
            prop_assert!(
                !oracle::rejections(uncut.trim_start_matches('/')).is_empty(),
                "{:?} was cut though {:?} is fine",
                p,
                uncut
            );
            prop_assert!(
                p.file_name().encode_utf16().count() < whole.encode_utf16().count(),
                "{:?} is not shorter than {:?}",
                p,
                whole
            );
        }
        Ok(())
    });
}
property!(safe_path_is_safe, safe_path_long, safe_path);

/// 10 million (`FUZZ_SANITIZER_ITERS`) strings from a fast xorshift generator through
/// `component`, both as directory and file name; every 64th one also idempotency and
/// `SafePath::new`.
#[test]
#[ignore = "long run: ./build.sh fuzz"]
fn sanitizer_ten_million() {
    let iters = env_number("FUZZ_SANITIZER_ITERS", 10_000_000);
    let mut state = env_number("FUZZ_SEED", 0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words: Vec<&str> = [
        "con",
        "CON",
        "lpt9",
        "com¹",
        "nul",
        "desktop.ini",
        ".lnk",
        ".url",
        ".local",
        ".{x}",
        ".tar.gz",
        "..",
        " .",
        ". ",
        "%2e",
    ]
    .into_iter()
    .chain(corpus().iter().map(String::as_str).filter(|s| s.len() < 64))
    .collect();
    let start = Instant::now();
    let (mut s, mut bytes) = (String::new(), 0u64);
    for i in 0..iters {
        s.clear();
        let r = next();
        let len = match r % 16 {
            0 => (r >> 8) % 700,
            1..=3 => (r >> 8) % 4,
            _ => (r >> 8) % 40,
        };
        for _ in 0..len {
            let r = next();
            match r % 10 {
                0..=3 => s.push(NASTY[(r >> 8) as usize % NASTY.len()]),
                4..=6 => s.push((b'a' + ((r >> 8) % 26) as u8) as char),
                7 => s.push(char::from_u32(((r >> 8) % 0x11_0000) as u32).unwrap_or('\u{FFFD}')),
                8 => s.push_str(words[(r >> 8) as usize % words.len()]),
                _ => s.push(char::from_u32(0x80 + ((r >> 8) % 0x3000) as u32).unwrap_or('x')),
            }
        }
        bytes += s.len() as u64;
        for is_file in [false, true] {
            let c = component(&s, is_file);
            let limit = if is_file {
                MAX_FILE_NAME_BYTES
            } else {
                MAX_DIR_NAME_BYTES
            };
            let rejected = component_rejections(&c, is_file);
            assert!(
                rejected.is_empty() && c.len() <= limit,
                "case {i}: component({s:?}, {is_file}) = {c:?}: {rejected:#?}"
            );
            if i % 64 == 0 {
                assert_eq!(
                    component(&c, is_file),
                    c,
                    "case {i}: not idempotent on {s:?}"
                );
            }
        }
        if i % 64 == 0 {
            let dirs: Vec<&str> = s.split(['/', '\\']).collect();
            let p = SafePath::new(&dirs, &s);
            let rejected = oracle::rejections(p.as_str());
            assert!(
                rejected.is_empty(),
                "case {i}: SafePath {p} from {s:?}: {rejected:#?}"
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz sanitizer_ten_million: {iters} generated strings ({} calls to component, {bytes} input bytes) passed in {secs:.1} s ({:.0} strings/s)",
        iters * 2,
        iters as f64 / secs
    );
}

// ---- settings -----------------------------------------------------------------------------

const SETTINGS_SEEDS: &[&str] = &[
    r#"{}"#,
    r#"{"version":2,"enabled":true,"baseFolder":"zendesk","template":"{org}/{ticket_id}/{filename}","fallbackTemplate":"_unsorted/{filename}","noOrgFolder":"_no-organization","conflictAction":"uniquify","hostMappedDomains":["support.example.com"],"watchdogMs":2000,"rules":[],"aliases":{"ACME Corp.":"acme"},"notifyOnFallback":true}"#,
    r#"{"rules":[{"fileName":"^(?P<host>[a-z0-9-]+)_gitlabsos\\.tar\\.gz$","template":"{org}/{ticket_id}/sos/{host}/{filename}"},{"extensions":["har"],"leaveAlone":true}]}"#,
    r#"{"version":1,"pathTemplate":"zendesk/{org}/{ticket_id}/{filename}","unsortedFolder":"_unsorted"}"#,
    r#"{"baseFolder":"a/b/c","template":"{date:%Y-%m}/{org}/{subject}/{ticket_id}/{stem}.{ext}"}"#,
    r#"{"rules":[{"organization":"(?i)acme","mime":"image/*","minSize":1,"maxSize":9,"status":["open"],"template":"{1}/{filename}"}]}"#,
];

fn json_value(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (0u32..20_000).prop_map(Value::from),
        template_source().prop_map(Value::from),
        hostile_string().prop_map(Value::from),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => prop::collection::vec(json_value(depth - 1), 0..4).prop_map(Value::from),
        1 => prop::collection::btree_map(settings_key(), json_value(depth - 1), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}

fn settings_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "version", "enabled", "baseFolder", "template", "fallbackTemplate", "noOrgFolder",
            "conflictAction", "hostMappedDomains", "watchdogMs", "rules", "aliases",
            "notifyOnFallback", "pathTemplate", "unsortedFolder", "fileName", "mime",
            "extensions", "instance", "organization", "status", "minSize", "maxSize",
            "leaveAlone", "name",
        ])
        .prop_map(str::to_owned),
        1 => hostile_string(),
    ]
}

/// A settings document: arbitrary text, a seed with text edits, or a generated value.
fn settings_json() -> impl Strategy<Value = String> {
    let edit = (
        0u8..3,
        any::<prop::sample::Index>(),
        prop_oneof![
            prop::sample::select(vec![
                '{', '}', '[', ']', '"', ',', ':', '\\', '0', '/', '.', ' ', 'a', '%', '\u{202E}'
            ]),
            hostile_char(),
        ],
    );
    let mutated = (
        prop::sample::select(SETTINGS_SEEDS),
        prop::collection::vec(edit, 0..5),
    )
        .prop_map(|(s, edits)| {
            let mut v: Vec<char> = s.chars().collect();
            for (kind, i, c) in edits {
                let at = i.index(v.len() + 1);
                match kind {
                    0 => v.insert(at, c),
                    1 if at < v.len() => {
                        v.remove(at);
                    }
                    _ if at < v.len() => v[at] = c,
                    _ => {}
                }
            }
            v.into_iter().collect::<String>()
        });
    let structured = prop::collection::btree_map(settings_key(), json_value(2), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()).to_string());
    let typed = (
        prop::sample::select(vec![
            "",
            "zendesk",
            "a/b",
            "zendesk/",
            "/zendesk",
            "..",
            "a/../b",
            "CON",
            "日本/🚀",
            " x ",
            "x.lnk",
        ]),
        template_source(),
        template_source(),
        hostile_string(),
        prop::collection::btree_map(hostile_string(), hostile_string(), 0..3),
    )
        .prop_map(|(base, template, fallback, no_org, aliases)| {
            json!({"baseFolder": base, "template": template, "fallbackTemplate": fallback,
                   "noOrgFolder": no_org, "aliases": aliases})
            .to_string()
        });
    prop_oneof![1 => any::<String>(), 3 => mutated, 2 => structured, 3 => typed]
}

fn settings_from_json(name: &str, cases: u32) {
    let events = sample_events();
    check(name, cases, settings_json(), |json| {
        let Ok(settings) = ValidSettings::from_json(&json) else {
            return Ok(());
        };
        // Valid settings never produce an unsafe path (the base folder is part of it).
        let base: Vec<&str> = settings.base_dirs().collect();
        for (event, knowledge) in &events {
            if let Decision::Route { path, .. } = decide(event, knowledge, &settings) {
                check_path(path.as_str(), &base)?;
            }
        }
        Ok(())
    });
}
property!(
    settings_from_json_never_panics,
    settings_from_json_long,
    settings_from_json
);

// ---- the whole router ---------------------------------------------------------------------

const NOW: f64 = 1_795_456_906_000.0;
const ATTACHMENT_URL: &str = "https://acme.zendesk.com/attachments/token/Tk1/";
const PAGE_URL: &str = "https://acme.zendesk.com/agent/tickets/4711";

fn ticket(
    org: Option<String>,
    subject: Option<String>,
    requester: Option<String>,
    status: Option<String>,
) -> Ticket {
    Ticket {
        instance: Instance::new("acme"),
        id: TicketId(4711),
        organization: org.map(|name| Organization { id: 9, name }),
        subject,
        requester,
        status,
    }
}

fn sample_events() -> Vec<(DownloadEvent, Knowledge)> {
    let mut k = Knowledge::default();
    k.observe_ticket(
        ticket(
            Some("ACME \u{202E}Corp.".into()),
            Some("../x".into()),
            Some("CON".into()),
            Some("open".into()),
        ),
        NOW,
    );
    let e = |url: &str, referrer: Option<&str>, done: bool| DownloadEvent {
        url: url.into(),
        referrer: referrer.map(Into::into),
        filename: Some("..\\x.lnk".into()),
        mime: Some("image/png".into()),
        size: Some(5),
        time_ms: NOW,
        lookup_done: done,
        ..DownloadEvent::default()
    };
    vec![
        (
            e(
                "https://acme.zendesk.com/attachments/token/Tk1/?name=a.png",
                Some(PAGE_URL),
                false,
            ),
            k.clone(),
        ),
        (
            e(
                "https://acme.zendesk.com/attachments/token/Tk1/?name=x_gitlabsos.tar.gz",
                Some(PAGE_URL),
                true,
            ),
            k.clone(),
        ),
        (
            e(
                "https://acme.zendesk.com/attachments/token/Tk2/",
                None,
                true,
            ),
            k.clone(),
        ),
        (
            e(
                "https://support.example.com/attachments/token/Tk3/?name=..%2F..%2Fa",
                None,
                true,
            ),
            k,
        ),
    ]
}

/// The settings variants the router property runs with: the default and a few valid
/// settings that use every placeholder.
fn router_settings() -> Vec<ValidSettings> {
    let docs = [
        json!({}),
        json!({"template": "{subject}/{requester}/{status}/{org_id}/{instance}/{ticket_id}/{stem}.{ext}", "baseFolder": ""}),
        json!({"template": "{date:%Y-%m}/{org}/{ticket_id}/{filename}", "baseFolder": "a/b", "hostMappedDomains": ["support.example.com"]}),
        json!({"template": "zd-{ticket_id}/{org}-{subject}-{filename}", "fallbackTemplate": "{instance}/{ticket_id}/{stem}{ext}"}),
        json!({"rules": [{"fileName": "^(?P<host>.*)_(.*)$", "template": "{org}/{ticket_id}/{host}/{2}/{filename}"}]}),
    ];
    docs.into_iter()
        .map(|d| ValidSettings::from_value(d).expect("valid fuzz settings"))
        .collect()
}

#[derive(Debug, Clone)]
struct RouterCase {
    org: Option<String>,
    subject: Option<String>,
    requester: Option<String>,
    status: Option<String>,
    file: String,
    encode: bool,
    url: Option<String>,
    final_url: Option<String>,
    referrer: Option<String>,
    browser_name: Option<String>,
    by_token: bool,
    lookup_done: bool,
}

fn router_case() -> impl Strategy<Value = RouterCase> {
    let opt = || prop::option::of(hostile_string());
    let opt_url = || prop::option::weighted(0.3, any_url());
    (
        (opt(), opt(), opt(), opt(), hostile_string(), any::<bool>()),
        (
            prop::option::weighted(0.3, any_url()),
            opt_url(),
            prop_oneof![Just(Some(PAGE_URL.to_string())), opt_url()],
        ),
        (opt(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (org, subject, requester, status, file, encode),
                (url, final_url, referrer),
                (browser_name, by_token, lookup_done),
            )| RouterCase {
                org,
                subject,
                requester,
                status,
                file,
                encode,
                url,
                final_url,
                referrer,
                browser_name,
                by_token,
                lookup_done,
            },
        )
}

fn router_decide(name: &str, cases: u32) {
    let all_settings = router_settings();
    check(name, cases, router_case(), |c| {
        let mut k = Knowledge::default();
        k.observe_ticket(
            ticket(
                c.org.clone(),
                c.subject.clone(),
                c.requester.clone(),
                c.status.clone(),
            ),
            NOW,
        );
        let key = TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(4711),
        };
        if c.by_token {
            k.observe_tokens(&key, Token::parse("Tk1"), Evidence::Comments, NOW);
        }
        let name = if c.encode {
            encode_uri_component(&c.file)
        } else {
            c.file.clone()
        };
        let event = DownloadEvent {
            url: c
                .url
                .clone()
                .unwrap_or_else(|| format!("{ATTACHMENT_URL}?name={name}")),
            final_url: c.final_url.clone(),
            referrer: c.referrer.clone(),
            filename: c.browser_name.clone(),
            time_ms: NOW,
            lookup_done: c.lookup_done,
            ..DownloadEvent::default()
        };
        for settings in &all_settings {
            let base: Vec<&str> = settings.base_dirs().collect();
            let d = decide(&event, &k, settings);
            if let Decision::Route { path, .. } = &d {
                check_path(path.as_str(), &base)?;
            }
            // The default layout: base/org/ticket/file, from the values themselves.
            if base == ["zendesk"]
                && settings.rules().is_empty()
                && settings.template().source() == "{org}/{ticket_id}/{filename}"
            {
                if let (Decision::Route { path, source, .. }, None, true) = (&d, &c.url, c.encode) {
                    if *source != zd_dl_router::router::Source::Fallback && !c.file.is_empty() {
                        if let Some(v) = common::default_layout_violation(
                            path.as_str(),
                            c.org.as_deref(),
                            &c.file,
                        ) {
                            return Err(TestCaseError::fail(v));
                        }
                    }
                }
            }
            // Deciding again (after the lookup) never asks again.
            let again = DownloadEvent {
                lookup_done: true,
                ..event.clone()
            };
            let asks_again = matches!(decide(&again, &k, settings), Decision::NeedTicket { .. });
            prop_assert!(!asks_again, "NeedTicket after the lookup");
        }
        Ok(())
    });
}
property!(
    router_paths_are_safe,
    router_paths_are_safe_long,
    router_decide
);

// ---- a click and Download all agree -------------------------------------------------------
//
// One attachment, one ticket, one set of rules: clicking the attachment (`decide`, with
// whatever the browser says about type and size) and Download all (`bulk::plan`, with the
// comments API's facts) must put it at the same path, or both leave it alone. Neither
// side is the oracle; their agreement is.

/// What the comments API or the browser may say the type is.
const MIMES: &[&str] = &[
    "application/gzip",
    "application/octet-stream",
    "application/json",
    "image/png",
    "Image/PNG",
    "image/jpeg",
    "text/plain",
    "text/plain; charset=utf-8",
    "video/mp4",
];
/// A rule's `mime`: exact or `type/*`.
const MIME_RULES: &[&str] = &[
    "application/gzip",
    "application/octet-stream",
    "image/*",
    "image/png",
    "text/*",
    "text/plain",
    "video/*",
];
const EXTENSIONS: &[&str] = &["gz", "tar.gz", "png", "log", "txt", "har", "JSON"];
/// Rule templates; `R#` becomes the rule's number, so the path tells which rule won.
const RULE_TEMPLATES: &[&str] = &[
    "{org}/{ticket_id}/R#/{filename}",
    "by-type/R#/{ext}/{stem}.{ext}",
    "R#/{date:%Y-%m}/{ticket_id}/{filename}",
    "R#-{status}/{org_id}/{filename}",
];
const SIZES: std::ops::Range<u64> = 0..6_000;

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (
        prop::option::of(prop::sample::select(MIME_RULES)),
        prop::option::of(SIZES),
        prop::option::of(SIZES),
        prop::sample::subsequence(EXTENSIONS, 0..=2),
        prop::bool::weighted(0.25),
        prop::sample::select(RULE_TEMPLATES),
    )
        .prop_map(|(mime, a, b, extensions, leave_alone, template)| {
            let (min_size, max_size) = match (a, b) {
                (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                other => other,
            };
            RuleSpec {
                mime: mime.map(Into::into),
                min_size,
                max_size,
                extensions: extensions.into_iter().map(Into::into).collect(),
                leave_alone,
                template: (!leave_alone).then(|| template.to_owned()),
                ..RuleSpec::default()
            }
        })
}

#[derive(Debug, Clone)]
struct AgreeCase {
    rules: Vec<RuleSpec>,
    alias: bool,
    org: Option<&'static str>,
    status: Option<&'static str>,
    token: String,
    file_name: String,
    content_type: &'static str,
    size: u64,
    browser_mime: Option<&'static str>,
    browser_size: Option<u64>,
}

fn agree_case() -> impl Strategy<Value = AgreeCase> {
    let rules = prop::collection::vec(rule_spec(), 0..5).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.template = r.template.map(|t| t.replace("R#", &format!("r{i}")));
                r
            })
            .collect::<Vec<_>>()
    });
    let file_name = prop_oneof![
        4 => "[a-zA-Z0-9 _.-]{0,16}\\.(gz|tar\\.gz|png|PNG|log|txt|har|json|mp4)",
        1 => hostile_string().prop_filter("a name", |n| !n.is_empty()),
    ];
    let browser_mime = prop_oneof![
        Just(None),
        Just(Some("application/octet-stream")),
        prop::sample::select(MIMES).prop_map(Some),
    ];
    (
        (
            rules,
            any::<bool>(),
            prop::option::of(prop::sample::select(&["ACME Corp.", "Globex", " "][..])),
            prop::option::of(prop::sample::select(&["open", "solved"][..])),
        ),
        (
            "[A-Za-z0-9_-]{1,25}",
            file_name,
            prop::sample::select(MIMES),
            SIZES,
        ),
        (browser_mime, prop::option::of(SIZES)),
    )
        .prop_map(
            |(
                (rules, alias, org, status),
                (token, file_name, content_type, size),
                (browser_mime, browser_size),
            )| AgreeCase {
                rules,
                alias,
                org,
                status,
                token,
                file_name,
                content_type,
                size,
                browser_mime,
                browser_size,
            },
        )
}

fn click_and_download_all(name: &str, cases: u32) {
    check(name, cases, agree_case(), |c| {
        let aliases = if c.alias {
            json!({"ACME Corp.": "acme"})
        } else {
            json!({})
        };
        let settings = ValidSettings::from_value(json!({"rules": c.rules, "aliases": aliases}))
            .map_err(|e| TestCaseError::fail(format!("generated settings invalid: {e}")))?;
        let ticket = ticket(
            c.org.map(Into::into),
            Some("Logs".into()),
            Some("Jane Doe".into()),
            c.status.map(Into::into),
        );
        let content_url = format!(
            "https://acme.zendesk.com/attachments/token/{}/?name={}",
            c.token,
            encode_uri_component(&c.file_name)
        );
        let page: CommentsResponse = serde_json::from_value(json!({"comments": [{"id": 1,
            "attachments": [{"id": 7001, "file_name": c.file_name, "content_url": content_url,
                "content_type": c.content_type, "size": c.size, "inline": false,
                "malware_scan_result": "malware_not_found"}]}]}))
        .map_err(|e| TestCaseError::fail(format!("comments page: {e}")))?;
        let key = TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(4711),
        };
        let mut k = Knowledge::default();
        k.observe_ticket(ticket.clone(), NOW);
        k.observe_comments(&key, &page, NOW);

        let click = decide(
            &DownloadEvent {
                url: content_url.clone(),
                referrer: Some(PAGE_URL.into()),
                mime: c.browser_mime.map(Into::into),
                size: c.browser_size,
                time_ms: NOW,
                ..DownloadEvent::default()
            },
            &k,
            &settings,
        );
        let items = bulk::plan(
            &settings,
            &ticket,
            &[page],
            &[],
            bulk::Options::default(),
            NOW,
        );
        prop_assert_eq!(items.len(), 1);
        let all = &items[0].decision;
        match (&click, all) {
            (
                Decision::Route {
                    path: a, note: na, ..
                },
                Decision::Route {
                    path: b, note: nb, ..
                },
            ) => {
                prop_assert_eq!(a.as_str(), b.as_str());
                prop_assert_eq!(na, nb, "the same rule");
            }
            (
                Decision::Pass {
                    reason: PassReason::Rule,
                    rule: a,
                },
                Decision::Pass {
                    reason: PassReason::Rule,
                    rule: b,
                },
            ) => prop_assert_eq!(a, b),
            _ => {
                return Err(TestCaseError::fail(format!(
                    "a click gives {click:?} but Download all {all:?}"
                )))
            }
        }
        Ok(())
    });
}
property!(
    click_and_download_all_agree,
    click_and_download_all_agree_long,
    click_and_download_all
);

// ---- a rule from a download ---------------------------------------------------------------

/// File names as downloads have them: hostile strings, and names with hosts, dates, ids and
/// counters in them.
fn download_file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => hostile_string().prop_filter("a name", |n| !n.is_empty()),
        1 => "[a-zA-Z0-9-]{1,12}_[a-z]{1,10}\\.(tar\\.gz|log|zip)",
        1 => "[a-z_ ]{0,10}[0-9]{1,14}([-_.:T][0-9]{1,4}){0,4}[a-z() ]{0,6}\\.[a-zA-Z]{1,4}",
        1 => "([0-9a-fA-F]{6,12}[-_. ]){1,3}[a-z]{0,5}(\\.[a-z0-9]{1,4}){0,2}",
    ]
}

/// For any file and organization name, the rule *Make a rule…* prefills is valid settings, is
/// complete, and routes the download it was made from (by the core's own router, as the
/// extension would).
fn rule_from_download(name: &str, cases: u32) {
    let strategy = (download_file_name(), prop::option::of(hostile_string()));
    check(name, cases, strategy, |(file, org)| {
        let download = rule_draft::FromDownload {
            url: None,
            file_name: Some(file.clone()),
            ticket: Some(TicketRef {
                instance: Instance::new("acme"),
                id: TicketId(4711),
            }),
            organization: org.clone(),
        };
        let draft = rule_draft::draft(&download, &[]).map_err(TestCaseError::fail)?;
        let settings = json!({ "rules": [draft.rule] }).to_string();
        let valid = ValidSettings::from_json(&settings)
            .map_err(|e| TestCaseError::fail(format!("{settings}: {e}")))?;
        prop_assert!(
            valid.incomplete_rules().is_empty(),
            "{settings}: incomplete"
        );
        let sample = router::Sample {
            ticket: draft
                .ticket
                .clone()
                .ok_or(TestCaseError::fail("no sample ticket"))?,
            filename: draft.filename.clone(),
            time_ms: NOW,
            attachment: Default::default(),
        };
        prop_assert_eq!(&sample.filename, &file);
        match router::preview_sample(
            serde_json::from_str::<Value>(&settings).unwrap_or_default(),
            &sample,
        ) {
            router::Preview::Decision(Decision::Route { rule: Some(0), .. }) => Ok(()),
            other => Err(TestCaseError::fail(format!("{settings}: {other:?}"))),
        }
    });
}
property!(
    a_rule_from_a_download_is_valid_and_routes_it,
    a_rule_from_a_download_long,
    rule_from_download
);

// ---- the local helper's afterComplete --------------------------------------------------------

/// The archive extensions the local helper unpacks (issue 18), written out here as the
/// oracle.
const ARCHIVES: [&str; 12] = [
    ".zip", ".tar", ".tar.gz", ".tgz", ".gz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz",
    ".tar.zst", ".tzst",
];

fn after_complete_file_name() -> impl Strategy<Value = String> {
    let ext = prop::sample::select(
        ARCHIVES
            .iter()
            .map(|e| e.to_string())
            .chain([".log", ".har", ".gzip", ".ZIP", ".Tar.Gz", ""].map(String::from))
            .collect::<Vec<_>>(),
    );
    (hostile_string(), ext).prop_map(|(stem, ext)| format!("{stem}{ext}"))
}

/// Whatever the file name, `afterComplete` unpacks exactly the routed archives the
/// settings ask for, and moves to the destination root when there is one.
fn after_complete(name: &str, cases: u32) {
    let modes = prop::sample::select(vec!["off", "all", "rules"]);
    let strategy = (
        after_complete_file_name(),
        modes,
        any::<bool>(),
        any::<bool>(),
    );
    check(name, cases, strategy, |(file, mode, rule_unpack, root)| {
        let settings = json!({
            "unpackArchives": mode,
            "destinationRoot": if root { "/srv/customers" } else { "" },
            "rules": [{"fileName": "[\\s\\S]", "template": "{org}/{ticket_id}/{filename}", "unpack": rule_unpack}],
        });
        let sample =
            json!({"ticket": {"instance": "acme", "id": 4711}, "filename": file, "timeMs": 0});
        let sample: router::Sample = serde_json::from_value(sample).expect("sample");
        let decision =
            serde_json::to_value(router::preview_sample(settings, &sample)).expect("json");
        prop_assert_eq!(&decision["action"], "route");
        let routed = decision["path"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let archive = ARCHIVES
            .iter()
            .any(|e| routed.to_ascii_lowercase().ends_with(e));
        let matched = !file.is_empty();
        let unpack = archive && (mode == "all" || (mode == "rules" && rule_unpack && matched));
        let want = (unpack || root)
            .then(|| json!({"unpack": unpack, "moveTo": root.then_some("/srv/customers")}));
        prop_assert_eq!(decision.get("afterComplete"), want.as_ref(), "{}", decision);
        Ok(())
    });
}

property!(after_complete_is_exact, after_complete_long, after_complete);
