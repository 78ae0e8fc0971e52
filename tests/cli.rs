//! The `zd-dl-router` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cli(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zd-dl-router"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("binary exits")
}

const EXAMPLE: &str = r#"{"url":"https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz","filename":"production_log.tar.gz","referrer":"https://acme.zendesk.com/agent/tickets/4711","tickets":[{"id":4711,"organization":{"id":9,"name":"ACME Corp."}}]}"#;

#[test]
fn route_prints_one_decision_per_line() {
    let input = format!(
        "{EXAMPLE}\n\n{}\n",
        r#"{"url":"https://example.com/x.zip"}"#
    );
    let out = cli(&["route"], &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "route");
    assert_eq!(
        lines[0]["path"],
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(lines[1]["action"], "pass");
}

#[test]
fn explain_tells_where_and_why() {
    let out = cli(&["explain"], EXAMPLE);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("route to zendesk/ACME Corp/4711/production_log.tar.gz"),
        "{text}"
    );
    assert!(
        text.contains("the download started from the ticket's page"),
        "{text}"
    );
}

#[test]
fn route_uses_the_settings_file() {
    let dir = std::env::temp_dir().join(format!("zd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("settings.json");
    std::fs::write(
        &file,
        r#"{"baseFolder":"","template":"zd-{ticket_id}/{filename}"}"#,
    )
    .expect("write");
    let out = cli(
        &["route", "--settings", file.to_str().expect("utf-8 path")],
        EXAMPLE,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(r#""path":"zd-4711/production_log.tar.gz""#)
    );
}

#[test]
fn check_settings_lists_field_errors_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("zd-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"template":"{org}/{nope}","watchdogMs":1}"#).expect("write");
    let out = cli(&["check-settings", bad.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("template: unknown placeholder {nope}"),
        "{text}"
    );
    assert!(text.contains("watchdogMs: must be between"), "{text}");
    let good = dir.join("good.json");
    std::fs::write(&good, "{}").expect("write");
    assert!(cli(&["check-settings", good.to_str().expect("utf-8")], "")
        .status
        .success());
}

#[test]
fn check_settings_names_a_rule_without_a_condition_as_not_applied() {
    let dir = std::env::temp_dir().join(format!("zd-cli-incomplete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("rules.json");
    std::fs::write(
        &file,
        r#"{"rules":[{"extensions":["har"],"leaveAlone":true},{"fileName":"","template":"x/{filename}"}]}"#,
    )
    .expect("write");
    let out = cli(&["check-settings", file.to_str().expect("utf-8")], "");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rules[1]: incomplete — not applied"),
        "{text}"
    );
    assert!(!text.contains("rules[0]"), "{text}");
}

#[test]
fn bad_input_lines_are_reported_with_their_number() {
    let out = cli(&["route"], "{\"url\": 5}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}
