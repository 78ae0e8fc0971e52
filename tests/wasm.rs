//! The JavaScript boundary, run in Node by wasm-bindgen-test-runner:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --test wasm`
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
    let saved = router.export_knowledge().expect("export");
    let mut fresh = Router::new(js("{}")).expect("defaults");
    fresh
        .import_knowledge(&saved, 1_795_456_906_000.0)
        .expect("import");
    assert_eq!(
        text(&fresh.decide(js(EVENT)).expect("decides"), "action"),
        "route"
    );
    assert!(fresh.import_knowledge("not json", 0.0).is_err());
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

#[wasm_bindgen_test]
fn plans_download_all_for_a_known_ticket() {
    let mut router = Router::new(js("{}")).expect("defaults");
    let pages = Array::of1(&js(COMMENTS));
    assert!(router
        .plan_download_all("acme", 4711.0, pages.clone().into(), vec![], false, 0.0)
        .is_err());
    router
        .observe_ticket("acme", js(TICKET), 0.0)
        .expect("ticket");
    let plan = router
        .plan_download_all("acme", 4711.0, pages.into(), vec![7002.0], false, 0.0)
        .expect("plan");
    let items = Array::from(&get(&plan, "items"));
    assert_eq!(items.length(), 2);
    assert_eq!(
        text(&items.get(0), "path"),
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(text(&items.get(0), "status"), "download");
    assert_eq!(text(&items.get(1), "status"), "alreadyDownloaded");
    assert_eq!(
        text(&get(&plan, "sidecar"), "path"),
        "zendesk/ACME Corp/4711/ticket.html"
    );
}

#[wasm_bindgen_test]
fn reviews_retention_with_ticket_answers() {
    let router = Router::new(js(r#"{"retentionAfterSolvedDays": 7}"#)).expect("valid");
    let files = js(
        r#"[{"downloadId": 1, "path": "zendesk/A/1/a.log", "timeMs": 0, "ticket": {"instance": "acme", "id": 4711}},
                       {"downloadId": 2, "path": "zendesk/A/2/b.log", "timeMs": 0, "ticket": {"instance": "acme", "id": 2}}]"#,
    );
    let check = Array::from(&router.tickets_to_check(files.clone()).expect("tickets"));
    assert_eq!(check.length(), 2);
    let solved =
        r#"{"ticket": {"id": 4711, "status": "solved", "updated_at": "1970-01-02T00:00:00Z"}}"#;
    let answers = js(&format!(
        r#"[{{"ticket": {{"instance": "acme", "id": 4711}}, "response": {solved}}},
            {{"ticket": {{"instance": "acme", "id": 2}}, "error": "HTTP 500"}}]"#
    ));
    let reviews = Array::from(
        &router
            .review_retention(files, answers, 30.0 * 86_400_000.0)
            .expect("review"),
    );
    assert_eq!(text(&reviews.get(0), "verdict"), "delete");
    assert_eq!(text(&reviews.get(1), "verdict"), "keepUnknown");
    assert!(text(&reviews.get(1), "reason").contains("HTTP 500"));
}
