//! The JavaScript boundary, run in Node by wasm-bindgen-test-runner:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --test wasm`
//!
//! `Router` only converts: JS values in (camelCase fields, record keys as strings, ids as
//! numbers, lists, `undefined`), core answers out, core errors thrown as `Error`s. These
//! tests check those conversions end to end; what the core decides is tested natively, in
//! its modules and in `tests/`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use zd_dl_router::wasm::Router;

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON parses")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).expect("object")
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key)
        .as_string()
        .unwrap_or_else(|| format!("<{key} missing in {:?}>", JSON::stringify(v)))
}

const TICKET: &str = include_str!("fixtures/api/ticket_with_org.json");
const COMMENTS: &str = include_str!("fixtures/api/comments_page1.json");
const EVENT: &str = r#"{"url":"https://acme.zendesk.com/attachments/token/Tk4711a/?name=production_log.tar.gz","timeMs":1795456906000}"#;

#[wasm_bindgen_test]
fn routes_after_observing_the_ticket_and_its_comments() {
    let mut router = Router::new(js("{}")).expect("default settings");
    let need = router.decide(js(EVENT)).expect("decides");
    assert_eq!(text(&need, "action"), "needTicket");

    router
        .observe_ticket("acme", js(TICKET), 1_795_456_906_000.0)
        .expect("ticket JSON accepted");
    router
        .observe_comments("acme", 4711.0, js(COMMENTS), 1_795_456_906_000.0)
        .expect("comments accepted");
    let d = router.decide(js(EVENT)).expect("decides");
    assert_eq!(text(&d, "action"), "route");
    assert_eq!(
        text(&d, "path"),
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(text(&d, "source"), "tokenIndex");
    assert_eq!(get(&get(&d, "ticket"), "id").as_f64(), Some(4711.0));
}

#[wasm_bindgen_test]
fn invalid_settings_throw_an_error_naming_each_field() {
    let err = Router::new(js(r#"{"template":"{nope}/{filename}","watchdogMs":1}"#))
        .err()
        .expect("rejected");
    let message = text(&JsValue::from(err), "message");
    assert!(
        message.contains("template: unknown placeholder {nope}"),
        "{message}"
    );
    assert!(message.contains("watchdogMs"), "{message}");
}

#[wasm_bindgen_test]
fn set_settings_keeps_the_old_ones_on_error() {
    let mut router = Router::new(js(r#"{"baseFolder":"customers"}"#)).expect("valid");
    assert!(router
        .set_settings(js(r#"{"conflictAction":"explode"}"#))
        .is_err());
    assert_eq!(
        text(&router.settings().expect("settings"), "baseFolder"),
        "customers"
    );
}

#[wasm_bindgen_test]
fn validate_settings_lists_errors_as_data() {
    let v = Router::validate_settings(js(r#"{"rules":[{"fileName":"(","leaveAlone":true}]}"#))
        .expect("result");
    assert_eq!(get(&v, "ok").as_bool(), Some(false));
    let errors = Array::from(&get(&v, "errors"));
    assert_eq!(text(&errors.get(0), "field"), "rules[0].fileName");
}

#[wasm_bindgen_test]
fn knowledge_survives_export_and_import() {
    let mut router = Router::new(js("{}")).expect("defaults");
    router
        .observe_ticket("acme", js(TICKET), 1_795_456_906_000.0)
        .expect("ticket");
    router
        .observe_attachments("acme", 4711.0, vec!["Tk4711a".into()], 1_795_456_906_000.0)
        .expect("tokens");
    let exported = router.export_knowledge().expect("export");
    // storage.session keeps JSON-compatible values: the export must survive that as it is.
    let saved = js(&JSON::stringify(&exported)
        .expect("plain data")
        .as_string()
        .unwrap());
    let mut fresh = Router::new(js("{}")).expect("defaults");
    fresh
        .import_knowledge(saved, 1_795_456_906_000.0)
        .expect("import");
    assert_eq!(
        text(&fresh.decide(js(EVENT)).expect("decides"), "action"),
        "route"
    );
    assert!(fresh.import_knowledge("not knowledge".into(), 0.0).is_err());
}

#[wasm_bindgen_test]
fn recognize_and_preview_and_policy() {
    let router = Router::new(js("{}")).expect("defaults");
    let page = router
        .recognize("https://acme.zendesk.com/agent/tickets/4711/events")
        .expect("ok");
    assert_eq!(text(&page, "kind"), "ticketPage");
    assert_eq!(get(&page, "ticketId").as_f64(), Some(4711.0));
    assert!(router
        .recognize("https://example.com/")
        .expect("ok")
        .is_undefined());

    let sample = js(
        r#"{"ticket":{"instance":"acme","id":4711,"organization":{"id":9,"name":"ACME Corp."}},"filename":"a.log","timeMs":0}"#,
    );
    let preview = Router::render_preview(
        js(r#"{"template":"zd-{ticket_id}/{filename}"}"#),
        sample.clone(),
    )
    .expect("preview");
    assert_eq!(text(&preview, "path"), "zendesk/zd-4711/a.log");
    let invalid = Router::render_preview(js(r#"{"template":"{x}"}"#), sample).expect("preview");
    assert_eq!(text(&invalid, "action"), "invalid");
    // The options page's sample comment, as options.js sends it (86400000 ms: 1970-01-02).
    let commented = js(
        r#"{"ticket":{"instance":"acme","id":4711},"filename":"a.log","timeMs":0,
            "attachment":{"attachmentId":7,"commentId":8,"author":"Sam","uploadedMs":86400000}}"#,
    );
    let preview = Router::render_preview(
        js(r#"{"template":"{uploaded}_{comment_id}/{author}-{attachment_id}-{filename}"}"#),
        commented,
    )
    .expect("preview");
    assert_eq!(text(&preview, "path"), "zendesk/1970-01-02_8/Sam-7-a.log");

    let merged = Router::apply_policy(js(r#"{"enabled":false}"#), js(r#"{"enabled":true}"#))
        .expect("policy");
    assert_eq!(
        get(&get(&merged, "settings"), "enabled").as_bool(),
        Some(true)
    );
    assert_eq!(
        Array::from(&get(&merged, "locked"))
            .get(0)
            .as_string()
            .as_deref(),
        Some("enabled")
    );
}

#[wasm_bindgen_test]
fn bad_inputs_are_errors_not_panics() {
    let mut router = Router::new(js("{}")).expect("defaults");
    assert!(router.decide(js(r#"{"url": 5}"#)).is_err());
    assert!(router
        .observe_ticket("acme", js(r#"{"ticket": {}}"#), 0.0)
        .is_err());
    assert!(router
        .observe_comments("acme", 0.5, js(r#"{"comments": []}"#), 0.0)
        .is_err());
}

/// The message of a JS `Error` the boundary threw.
fn message(err: wasm_bindgen::JsError) -> String {
    text(&JsValue::from(err), "message")
}

#[wasm_bindgen_test]
fn undefined_members_are_absent_and_other_js_values_are_refused() {
    let router = Router::new(js("{}")).expect("defaults");
    // `{url, referrer: undefined}` is the event without a referrer, as JSON.stringify sees it.
    let event = js(EVENT);
    Reflect::set(&event, &"referrer".into(), &JsValue::UNDEFINED).unwrap();
    assert_eq!(
        text(&router.decide(event).expect("decides"), "action"),
        "needTicket"
    );

    let cyclic = js("{}");
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let err = message(Router::new(cyclic).err().expect("a cycle is refused"));
    assert!(
        err.starts_with("invalid settings: nested more than 32 deep"),
        "{err}"
    );

    let with_function = js(EVENT);
    Reflect::set(
        &with_function,
        &"filename".into(),
        &js_sys::Function::new_no_args(""),
    )
    .unwrap();
    let err = message(
        router
            .decide(with_function)
            .expect_err("a function is no JSON"),
    );
    assert!(err.contains("not a JSON value"), "{err}");
}

const NOW: f64 = 1_795_456_906_000.0; // 2026-11-23
const DAY_MS: f64 = 86_400_000.0;
const MINUTE_MS: f64 = 60_000.0;

/// The record key of download `id` started at [`NOW`]: `<time ms>-<download id>`.
fn key(id: u32) -> String {
    format!("{}-{id}", NOW as u64)
}

/// A router that knows ticket 4711 (ACME Corp.) and its first comments page.
fn router_knowing_4711(settings: &str) -> Router {
    let mut router = Router::new(js(settings)).expect("valid settings");
    router
        .observe_ticket("acme", js(TICKET), NOW)
        .expect("ticket");
    router
        .observe_comments("acme", 4711.0, js(COMMENTS), NOW)
        .expect("comments");
    router
}

/// The download event of `url` (from the page `referrer`) at [`NOW`].
fn event(url: &str, referrer: Option<&str>) -> String {
    match referrer {
        Some(r) => format!(r#"{{"url":"{url}","referrer":"{r}","timeMs":{NOW}}}"#),
        None => format!(r#"{{"url":"{url}","timeMs":{NOW}}}"#),
    }
}

/// Download `id` of `url` started at [`NOW`] with the decision the router gave it: its
/// record, in progress. Returns the record key.
fn start(router: &mut Router, id: u32, url: &str, referrer: Option<&str>) -> String {
    let event = event(url, referrer);
    let decision = router.decide(js(&event)).expect("decides");
    assert_eq!(text(&decision, "action"), "route", "{event}");
    let started = router
        .record_started(id.into(), js(&event), decision, NOW)
        .expect("recorded");
    assert_eq!(
        strings(&js_keys(&get(&started, "set"))),
        [format!("file:{}", key(id))],
        "a routed download is stored under file:<time>-<id>"
    );
    key(id)
}

/// The browser's report of a complete download at `absolute` that started at `start_ms`.
fn complete_at(absolute: &str, start_ms: f64) -> JsValue {
    js(&format!(
        r#"{{"state":"complete","filename":"{absolute}","bytes":4096,"startMs":{start_ms}}}"#
    ))
}

/// Download `id` of `url` started, then completed at `absolute` (the browser started it a
/// second after the record was made): what the background does for a routed download.
/// Returns the record key.
fn download(
    router: &mut Router,
    id: u32,
    url: &str,
    referrer: Option<&str>,
    absolute: &str,
) -> String {
    let key = start(router, id, url, referrer);
    let writes = router
        .observe_download(id.into(), complete_at(absolute, NOW + 1_000.0))
        .expect("observed");
    let record = get(&get(&writes, "set"), &format!("file:{key}"));
    assert_eq!(text(&record, "state"), "complete", "{key}");
    key
}

fn js_keys(v: &JsValue) -> JsValue {
    js_sys::Object::keys(&js_sys::Object::from(v.clone())).into()
}

fn strings(v: &JsValue) -> Vec<String> {
    Array::from(v)
        .iter()
        .filter_map(|s| s.as_string())
        .collect()
}

/// What the shell answers for the record `key`: the browser's download `id` now.
fn found_item(key: &str, id: u32, filename: &str, exists: bool) -> String {
    format!(
        r#"{{"key":"{key}","id":{id},"filename":"{filename}","exists":{exists},"state":"complete"}}"#
    )
}

const SOS_URL: &str = "https://acme.zendesk.com/attachments/token/Tk4711b/?name=gitlabsos.tar.gz";
const SOS_PATH: &str = "zendesk/ACME Corp/4711/gitlabsos.tar.gz";
const SOS_ON_DISK: &str = "/dl/zendesk/ACME Corp/4711/gitlabsos.tar.gz";

#[wasm_bindgen_test]
fn plans_download_all_as_plain_objects_and_throws_for_an_unknown_ticket() {
    let pages = || JsValue::from(Array::of1(&js(COMMENTS)));
    let none = || JsValue::from(Array::new());
    let unknown = Router::new(js("{}")).expect("defaults");
    let err = unknown
        .plan_download_all("acme", 4711.0, pages(), none(), false, NOW)
        .expect_err("not loaded");
    let message = text(&JsValue::from(err), "message");
    assert!(
        message.starts_with("ticket 4711 is not loaded yet"),
        "{message}"
    );
    assert!(unknown
        .plan_download_all("acme", 4711.0, js(r#"{"comments": 1}"#), none(), false, NOW)
        .is_err());

    let mut router = router_knowing_4711(r#"{"conflictAction": "overwrite"}"#);
    let sos = download(&mut router, 7, SOS_URL, None, SOS_ON_DISK);
    let candidates = Array::from(
        &router
            .saved_candidates_of_ticket("acme", 4711.0)
            .expect("candidates"),
    );
    assert_eq!(candidates.length(), 1);
    let candidate = candidates.get(0);
    assert_eq!(text(&candidate, "key"), sos);
    assert_eq!(get(&candidate, "downloadId").as_f64(), Some(7.0));
    assert_eq!(text(&candidate, "absolute"), SOS_ON_DISK);

    // Firefox renumbered its downloads: the browser's answer under another id is read.
    let found = js(&format!("[{}]", found_item(&sos, 2, SOS_ON_DISK, true)));
    let plan = router
        .plan_download_all("acme", 4711.0, pages(), found, false, NOW)
        .expect("plan");
    let items = Array::from(&get(&plan, "items"));
    assert_eq!(items.length(), 2);
    let first = items.get(0);
    assert_eq!(
        text(&get(&first, "decision"), "path"),
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(text(&get(&first, "decision"), "action"), "route");
    assert_eq!(
        text(&first, "filename"),
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(text(&first, "conflictAction"), "overwrite");
    assert_eq!(text(&first, "status"), "download");
    assert!(get(&first, "attachmentId").as_f64().is_some());
    assert_eq!(text(&get(&items.get(1), "decision"), "path"), SOS_PATH);
    assert_eq!(text(&items.get(1), "status"), "alreadySaved");
    let sidecar = get(&plan, "sidecar");
    assert_eq!(text(&sidecar, "path"), "zendesk/ACME Corp/4711/ticket.html");
    assert_eq!(text(&sidecar, "conflictAction"), "uniquify");
    assert_eq!(text(&sidecar, "mime"), "text/html");

    // An item's decision, handed back as is, records the download.
    let event = js(&format!(r#"{{"url": {:?}}}"#, text(&first, "url")));
    let writes = router
        .record_started(8.0, event, get(&first, "decision"), NOW)
        .expect("recorded");
    assert_eq!(
        strings(&js_keys(&get(&writes, "set"))),
        [format!("file:{}", key(8))]
    );

    let item = |key: &str, filename: &str| js(&found_item(key, 7, filename, true));
    assert_eq!(
        router.is_recorded_file(item(&sos, SOS_ON_DISK)).ok(),
        Some(true)
    );
    assert_eq!(
        router.is_recorded_file(item(&sos, "/dl/other.pdf")).ok(),
        Some(false)
    );
    assert!(
        router.is_recorded_file(item("7", SOS_ON_DISK)).is_err(),
        "a key without its time is not a record key"
    );
}

#[wasm_bindgen_test]
fn the_sidecar_is_recorded_from_its_path_and_ticket() {
    let mut router = router_knowing_4711("{}");
    let writes = router
        .record_sidecar(
            9.0,
            "zendesk/ACME Corp/4711/ticket.html".into(),
            "acme",
            4711.0,
            NOW,
        )
        .expect("recorded");
    let record = get(&get(&writes, "set"), &format!("file:{}", key(9)));
    assert_eq!(text(&record, "route"), "sidecar");
    assert_eq!(
        text(&record, "requested"),
        "zendesk/ACME Corp/4711/ticket.html"
    );
    assert_eq!(get(&get(&record, "ticket"), "id").as_f64(), Some(4711.0));
    assert!(router
        .record_sidecar(9.0, "x".into(), "acme", 0.5, NOW)
        .is_err());
    assert!(router
        .record_sidecar(-1.0, "x".into(), "acme", 4711.0, NOW)
        .is_err());
}

#[wasm_bindgen_test]
fn saved_links_and_the_history_are_plain_objects() {
    let mut router = router_knowing_4711("{}");
    assert!(!router.has_download(7.0));
    let sos = download(&mut router, 7, SOS_URL, None, SOS_ON_DISK);
    assert!(router.has_download(7.0));
    assert!(!router.has_download(0.5), "not a download id");

    let links = || {
        vec![
            SOS_URL.to_owned(),
            "https://acme.zendesk.com/agent/tickets/4711".to_owned(),
        ]
    };
    let candidates = Array::from(&router.saved_candidates(links()).expect("candidates"));
    assert_eq!(candidates.length(), 1, "only the downloaded attachment");
    assert_eq!(text(&candidates.get(0), "key"), sos);
    assert_eq!(get(&candidates.get(0), "downloadId").as_f64(), Some(7.0));

    let found = js(&format!("[{}]", found_item(&sos, 2, SOS_ON_DISK, true)));
    let saved = Array::from(&router.saved_links(links(), found).expect("saved"));
    assert_eq!(saved.length(), 1);
    assert_eq!(text(&saved.get(0), "href"), SOS_URL);
    assert_eq!(get(&saved.get(0), "downloadId").as_f64(), Some(2.0));
    assert_eq!(text(&saved.get(0), "folder"), "zendesk/ACME Corp/4711/");
    assert!(router.saved_links(links(), js("{}")).is_err());

    let history = Array::from(&router.history().expect("history"));
    let entry = history.get(0);
    assert_eq!(text(&entry, "key"), sos);
    assert_eq!(get(&entry, "downloadId").as_f64(), Some(7.0));
    assert_eq!(text(&entry, "path"), SOS_PATH);
    assert_eq!(text(&entry, "folder"), "zendesk/ACME Corp/4711/");
    assert_eq!(text(&entry, "fileName"), "gitlabsos.tar.gz");
    assert_eq!(text(&entry, "source"), "tokenIndex");
    assert_eq!(text(&entry, "organization"), "ACME Corp.");

    let shown = Array::from(
        &router
            .on_disk(
                vec![sos.clone()],
                js(&format!("[{}]", found_item(&sos, 2, SOS_ON_DISK, true))),
            )
            .expect("on disk"),
    );
    assert_eq!(get(&shown.get(0), "downloadId").as_f64(), Some(2.0));
    assert_eq!(get(&shown.get(0), "gone").as_bool(), Some(false));
    assert_eq!(router.organizations(), ["ACME Corp."]);
}

#[wasm_bindgen_test]
fn reviews_retention_from_ticket_answers_and_forgets_by_key() {
    let mut router = router_knowing_4711(r#"{"retentionAfterSolvedDays": 7}"#);
    router
        .observe_ticket(
            "acme",
            js(r#"{"ticket": {"id": 2, "status": "open"}}"#),
            NOW,
        )
        .expect("ticket 2");
    let sos = download(&mut router, 1, SOS_URL, None, SOS_ON_DISK);
    let b = download(
        &mut router,
        2,
        "https://acme.zendesk.com/attachments/token/Tk2b/?name=b.log",
        Some("https://acme.zendesk.com/agent/tickets/2"),
        "/dl/zendesk/_no-organization/2/b.log",
    );
    start(
        &mut router,
        3,
        "https://acme.zendesk.com/attachments/token/Tk4711a/?name=production_log.tar.gz",
        None,
    );
    assert_eq!(router.downloads_in_progress(), [3.0]);

    let reads = router.tickets_to_check().expect("tickets");
    let tickets = |message: &str| -> Vec<(String, f64)> {
        Array::from(&get(&reads, message))
            .iter()
            .map(|t| {
                (
                    text(&t, "instance"),
                    get(&t, "id").as_f64().unwrap_or_default(),
                )
            })
            .collect()
    };
    let both = [("acme".into(), 2.0), ("acme".into(), 4711.0)];
    assert_eq!(tickets("status"), both);
    assert_eq!(tickets("comments"), both, "deleteRedacted is on by default");

    let solved =
        r#"{"ticket": {"id": 4711, "status": "solved", "updated_at": "2026-11-01T00:00:00Z"}}"#;
    let answers = js(&format!(
        r#"[{{"ticket": {{"instance": "acme", "id": 4711}}, "response": {solved}}},
            {{"ticket": {{"instance": "acme", "id": 2}}, "error": "HTTP 500"}}]"#
    ));
    let reviews = Array::from(
        &router
            .review_retention(answers, js("[]"), NOW + 30.0 * DAY_MS)
            .expect("review"),
    );
    let by_key = |key: &str| {
        reviews
            .iter()
            .find(|r| get(r, "key").as_string().as_deref() == Some(key))
            .expect("reviewed")
    };
    let sos_review = by_key(&sos);
    assert_eq!(get(&sos_review, "downloadId").as_f64(), Some(1.0));
    assert_eq!(text(&sos_review, "verdict"), "delete");
    assert_eq!(text(&sos_review, "path"), SOS_PATH);
    assert_eq!(get(&sos_review, "ageDays").as_f64(), Some(30.0));
    let other = by_key(&b);
    assert_eq!(text(&other, "verdict"), "keepUnknown");
    assert!(text(&other, "reason").contains("HTTP 500"));
    assert!(router
        .review_retention(js(r#"[{"error": "x"}]"#), js("[]"), NOW)
        .is_err());

    let locates = Array::from(&router.locate(vec![sos.clone()]).expect("locate"));
    assert_eq!(text(&locates.get(0), "key"), sos);
    assert_eq!(get(&locates.get(0), "downloadId").as_f64(), Some(1.0));
    assert_eq!(text(&locates.get(0), "absolute"), SOS_ON_DISK);
    assert!(router.locate(vec!["1".into()]).is_err(), "not a record key");

    let forgotten = router.forget_records(vec![sos.clone()]).expect("forget");
    assert_eq!(strings(&get(&forgotten, "remove")), [format!("file:{sos}")]);
    assert_eq!(Array::from(&js_keys(&get(&forgotten, "set"))).length(), 0);
    // The folder of a file no longer tracked.
    assert_eq!(
        router.emptied_folders(vec![SOS_PATH.into()]),
        ["zendesk/ACME Corp/4711/", "zendesk/ACME Corp/"]
    );
    assert!(router.forget_records(vec!["x-1".into()]).is_err());
}

#[wasm_bindgen_test]
fn observe_download_reads_the_browsers_report() {
    let mut router = router_knowing_4711("{}");
    let sos = start(&mut router, 1, SOS_URL, None);
    // Started a week after the record: another download under a reused id.
    let writes = router
        .observe_download(1.0, complete_at("/dl/other.pdf", NOW + 7.0 * DAY_MS))
        .expect("observed");
    let record = get(&get(&writes, "set"), &format!("file:{sos}"));
    assert_eq!(text(&record, "state"), "failed");
    assert!(get(&record, "absolute").is_undefined());
    assert!(!text(&record, "failure").is_empty());

    let mut router = router_knowing_4711("{}");
    let sos = start(&mut router, 1, SOS_URL, None);
    let writes = router
        .observe_download(1.0, complete_at(SOS_ON_DISK, NOW + 9.0 * MINUTE_MS))
        .expect("observed");
    let record = get(&get(&writes, "set"), &format!("file:{sos}"));
    assert_eq!(text(&record, "state"), "complete");
    assert_eq!(text(&record, "path"), SOS_PATH);
    assert_eq!(text(&record, "absolute"), SOS_ON_DISK);
    assert_eq!(get(&record, "bytes").as_f64(), Some(4096.0));

    assert!(router
        .observe_download(1.0, js(r#"{"state": "exploded"}"#))
        .is_err());
    assert!(router
        .observe_download(1.5, js(r#"{"state": "inProgress"}"#))
        .is_err());
}

#[wasm_bindgen_test]
fn load_records_reads_a_storage_snapshot_and_converts_the_legacy_list() {
    let mut router = Router::new(js(r#"{"retentionAfterDownloadDays": 1}"#)).expect("valid");
    let stored = js(r#"{
        "file:0-1": {"downloadId": 1, "timeMs": 0, "ticket": {"instance": "acme", "id": 4711},
                     "attachment": null, "route": "routed", "requested": "zendesk/A/4711/a.log",
                     "source": "tokenIndex", "state": "complete", "path": "zendesk/A/4711/a.log",
                     "bytes": 10},
        "file:0-2": {"downloadId": 2, "timeMs": 0, "route": "routed", "requested": null,
                     "state": "inProgress"},
        "routedFiles": [
            {"downloadId": 5, "path": "zendesk/A/1/b.log", "timeMs": 3, "ticket": {"instance": "acme", "id": 1}},
            {"downloadId": "x"}
        ],
        "savedAttachments": {"Tk1": 5},
        "settings": {"enabled": true}
    }"#);
    let report = router.load_records(stored, false).expect("loads");
    assert_eq!(get(&report, "loaded").as_f64(), Some(2.0));
    let skipped = strings(&get(&report, "skipped"));
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped.iter().any(|s| s.starts_with("file:0-2: ")),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|s| s.starts_with("routedFiles[1]: ")),
        "{skipped:?}"
    );
    let writes = get(&report, "writes");
    let set = get(&writes, "set");
    assert_eq!(strings(&js_keys(&set)), ["file:3-5"]);
    let converted = get(&set, "file:3-5");
    assert_eq!(get(&converted, "downloadId").as_f64(), Some(5.0));
    assert_eq!(text(&converted, "path"), "zendesk/A/1/b.log");
    let mut removed = strings(&get(&writes, "remove"));
    removed.sort();
    assert_eq!(removed, ["routedFiles", "savedAttachments"]);

    let history = Array::from(&router.history().expect("history"));
    let keys: Vec<String> = history.iter().map(|h| text(&h, "key")).collect();
    assert_eq!(keys, ["3-5", "0-1"]);

    // The converted record is stored as a record the next load reads back.
    let mut next = Router::new(js("{}")).expect("defaults");
    let report = next.load_records(set, false).expect("loads");
    assert_eq!(get(&report, "loaded").as_f64(), Some(1.0));

    // With `replace`, storage is the truth: what it no longer holds is forgotten.
    router.load_records(js("{}"), true).expect("reloads");
    assert_eq!(Array::from(&router.history().expect("history")).length(), 0);
    assert!(router.load_records(JsValue::NULL, false).is_err());
}

#[wasm_bindgen_test]
fn a_history_entry_becomes_a_rule_and_a_sample_and_one_without_a_name_an_error() {
    let draft = Router::rule_from_download(js(
        r#"{"key":"1-7","fileName":"trace.har","organization":"ACME","ticket":{"instance":"acme","id":4711},"folder":"zendesk/ACME/4711/"}"#,
    ), vec![])
    .expect("a draft");
    assert_eq!(text(&get(&draft, "rule"), "fileName"), r"^trace\.har$");
    assert_eq!(text(&get(&draft, "rule"), "organization"), "^ACME$");
    assert_eq!(get(&get(&draft, "ticket"), "id").as_f64(), Some(4711.0));
    assert_eq!(text(&draft, "filename"), "trace.har");
    let err = Router::rule_from_download(js(r#"{"key":"1-7"}"#), vec![]).expect_err("rejected");
    assert!(text(&JsValue::from(err), "message").contains("no file name"));
}

#[wasm_bindgen_test]
fn host_access_and_content_script_changes_are_plain_objects() {
    let access = Router::host_access("Support.Example.com.").expect("ok");
    assert_eq!(text(&access, "origin"), "https://support.example.com/*");
    assert_eq!(text(&access, "id"), "host-mapped:support.example.com");
    assert_eq!(
        Array::from(&get(&access, "matches"))
            .get(0)
            .as_string()
            .as_deref(),
        Some("https://support.example.com/agent/*")
    );
    assert!(Router::host_access("support.example.com:8443")
        .expect("ok")
        .is_null());

    let changes = Router::content_script_changes(
        vec!["support.example.com".into()],
        vec!["host-mapped:old.example.com".into()],
    )
    .expect("ok");
    assert_eq!(
        strings(&get(&changes, "unregister")),
        ["host-mapped:old.example.com"]
    );
    let register = Array::from(&get(&changes, "register"));
    assert_eq!(register.length(), 1);
    assert_eq!(
        text(&register.get(0), "id"),
        "host-mapped:support.example.com"
    );
}

#[wasm_bindgen_test]
fn the_local_helpers_steps_answers_and_clean_up_plan_cross_the_boundary() {
    let mut router =
        router_knowing_4711(r#"{"unpackArchives":"all","destinationRoot":"/srv/customers"}"#);
    let url = "https://acme.zendesk.com/attachments/token/Tk4711a/?name=production_log.tar.gz";
    let absolute = "/home/u/Downloads/zendesk/ACME Corp/4711/production_log.tar.gz";
    let key = download(&mut router, 7, url, None, absolute);
    let step = router.helper_next(7.0).expect("a step");
    assert_eq!(text(&step, "key"), key);
    let request = get(&step, "request");
    assert_eq!(
        (
            text(&request, "type"),
            text(&request, "path"),
            text(&request, "to")
        ),
        ("move".into(), absolute.into(), "/srv/customers".into())
    );
    let moved = "/srv/customers/ACME Corp/4711/production_log.tar.gz";
    let answer = js(&format!(r#"{{"id":3,"ok":true,"path":"{moved}"}}"#));
    let answered = router.record_helper(&key, answer).expect("recorded");
    let next = get(&get(&answered, "next"), "request");
    assert_eq!(
        (text(&next, "type"), text(&next, "path")),
        ("unpack".into(), moved.into())
    );
    let refused = js(r#"{"ok":false,"error":{"code":"refused","message":"corrupt"}}"#);
    let answered = router.record_helper(&key, refused).expect("recorded");
    assert!(
        get(&answered, "next").is_undefined(),
        "done after a refusal"
    );
    assert!(router.helper_next(7.0).expect("none").is_undefined());
    let entry = Array::from(&router.history().expect("history")).get(0);
    assert_eq!(text(&get(&entry, "helper"), "state"), "refused");

    let plan = router.removal_plan(vec![key.clone()], false).expect("plan");
    let file = Array::from(&get(&plan, "files")).get(0);
    assert_eq!(get(&file, "browser").as_bool(), Some(false));
    assert_eq!(text(&file, "moved"), moved);
    let outcome = Router::deletion_outcome(js(&format!(
        r#"{{"due":true,"listed":false,"exists":false,"moved":"{moved}"}}"#
    )))
    .expect("outcome");
    assert_eq!(text(&outcome, "outcome"), "needsHelper");
    assert_eq!(get(&outcome, "removed").as_bool(), Some(false));
    assert!(router.record_helper("not a key", js("{}")).is_err());
    assert!(router.removal_plan(vec!["x".into()], true).is_err());
}
