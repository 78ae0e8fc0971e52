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

/// Writes `settings` to a file of its own and runs `args` plus `--settings <file>`.
fn cli_with_settings(args: &[&str], settings: &str, stdin: &str) -> Output {
    let dir =
        std::env::temp_dir().join(format!("zd-cli-{}-{}", std::process::id(), settings.len()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("settings.json");
    std::fs::write(&file, settings).expect("write");
    let file = file.to_str().expect("utf-8 path");
    cli(&[args, &["--settings", file]].concat(), stdin)
}

#[test]
fn route_prints_what_the_local_helper_does_after_the_download_completes() {
    let settings = r#"{"unpackArchives":"all","destinationRoot":"/srv/customers"}"#;
    let fallback = r#"{"url":"https://acme.zendesk.com/attachments/token/Tk2/?name=kubesos.tgz","lookupDone":true}"#;
    let log = r#"{"url":"https://acme.zendesk.com/attachments/token/Tk3/?name=a.log","referrer":"https://acme.zendesk.com/agent/tickets/4711","tickets":[{"id":4711}]}"#;
    let out = cli_with_settings(
        &["route"],
        settings,
        &format!("{EXAMPLE}\n{fallback}\n{log}\n"),
    );
    let lines = json_lines(&out);
    let after: Vec<&serde_json::Value> = lines.iter().map(|l| &l["afterComplete"]).collect();
    assert_eq!(
        after,
        [
            &serde_json::json!({"unpack": true, "moveTo": "/srv/customers"}),
            &serde_json::json!({"unpack": false, "moveTo": "/srv/customers"}),
            &serde_json::json!({"unpack": false, "moveTo": "/srv/customers"}),
        ],
        "the archive is unpacked; the fallback archive and the log are only moved"
    );
    assert_eq!(lines[1]["source"], "fallback");
    let out = cli(&["route"], EXAMPLE);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(line.get("afterComplete"), None, "nothing to do by default");
    let out = cli_with_settings(&["explain"], settings, EXAMPLE);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("then the local helper: move it to /srv/customers, then unpack it"),
        "{text}"
    );
}

#[test]
fn route_takes_comment_pages_and_files_each_attachment_under_its_comment() {
    let dir = std::env::temp_dir().join(format!("zd-cli-comments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("settings.json");
    let per_comment = "{org}/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{author}-{filename}";
    std::fs::write(&file, format!(r#"{{"template":"{per_comment}"}}"#)).expect("write");
    let page = include_str!("fixtures/api/comments_page1.json").replace('\n', " ");
    let line = EXAMPLE.replace("/Tk1/", "/Tk4711a/").replace(
        r#""tickets":"#,
        &format!(r#""comments":[{{"ticketId":4711,"page":{page}}}],"tickets":"#),
    );
    let out = cli(
        &["route", "--settings", file.to_str().expect("utf-8 path")],
        &line,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let decision: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    // comments_page1.json: Tk4711a is attachment 7001 of comment 90001 by user 501 (Jane
    // Doe in its `users`), created 2026-11-20T09:14:03Z.
    assert_eq!(
        decision["path"],
        "zendesk/ACME Corp/4711/2026-11-20_90001/Jane Doe-production_log.tar.gz"
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

/// The JSON lines `records` printed.
fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

#[test]
fn records_takes_the_local_helpers_answers_and_says_the_next_request() {
    let settings = r#"{"unpackArchives":"all","destinationRoot":"/srv/customers"}"#;
    let decision = cli_with_settings(&["route"], settings, EXAMPLE).stdout;
    let decision = String::from_utf8_lossy(&decision).into_owned();
    let url = "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz";
    let events = [
        format!(
            r#"{{"event":"started","downloadId":7,"download":{{"url":"{url}"}},"decision":{},"timeMs":1000}}"#,
            decision.trim()
        ),
        r#"{"event":"observed","downloadId":7,"state":{"state":"complete","filename":"/home/u/Downloads/zendesk/ACME Corp/4711/production_log.tar.gz"}}"#.to_owned(),
        r#"{"event":"helper","key":"1000-7","reply":{"id":1,"ok":true,"path":"/srv/customers/ACME Corp/4711/production_log.tar.gz"}}"#.to_owned(),
        r#"{"event":"helper","key":"1000-7","reply":{"ok":false,"error":{"code":"refused","message":"the archive is corrupt"}}}"#.to_owned(),
    ];
    let lines = json_lines(&cli(&["records", "--history"], &events.join("\n")));
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0]["writes"]["set"]["file:1000-7"]["afterComplete"],
        serde_json::json!({"unpack": true, "moveTo": "/srv/customers"})
    );
    assert_eq!(
        lines[1]["next"],
        serde_json::json!({"key": "1000-7", "request": {"type": "move",
            "path": "/home/u/Downloads/zendesk/ACME Corp/4711/production_log.tar.gz", "to": "/srv/customers"}})
    );
    assert_eq!(
        lines[2]["next"]["request"],
        serde_json::json!({"type": "unpack", "path": "/srv/customers/ACME Corp/4711/production_log.tar.gz"})
    );
    assert_eq!(lines[3]["next"], serde_json::Value::Null);
    assert_eq!(
        lines[3]["history"][0]["helper"],
        serde_json::json!({"state": "refused", "path": "/srv/customers/ACME Corp/4711/production_log.tar.gz", "reason": "the archive is corrupt"})
    );
}

#[test]
fn records_prints_the_storage_writes_of_each_event() {
    // The decision exactly as `route` prints it is what the records take.
    let decision = String::from_utf8_lossy(&cli(&["route"], EXAMPLE).stdout).into_owned();
    let url = "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz";
    let events = [
        format!(
            r#"{{"event":"started","downloadId":7,"download":{{"url":"{url}"}},"decision":{},"timeMs":1000}}"#,
            decision.trim()
        ),
        r#"{"event":"observed","downloadId":7,"state":{"state":"complete","filename":"/home/u/Downloads/zendesk/ACME Corp/4711/production_log (1).tar.gz","bytes":5,"startMs":1500}}"#.to_owned(),
        r#"{"event":"observed","downloadId":8,"state":{"state":"inProgress"}}"#.to_owned(),
        r#"{"event":"forget","keys":["1000-7"]}"#.to_owned(),
    ];
    let lines = json_lines(&cli(&["records"], &events.join("\n")));
    assert_eq!(lines.len(), 4);

    let started = &lines[0]["writes"]["set"]["file:1000-7"];
    assert_eq!(started["route"], "routed");
    assert_eq!(
        started["requested"],
        "zendesk/ACME Corp/4711/production_log.tar.gz"
    );
    assert_eq!(started["source"], "referrer");
    assert_eq!(started["state"], "inProgress");
    assert_eq!(started["attachment"]["token"], "Tk1");
    assert_eq!(started["attachment"]["instance"], "acme");
    assert_eq!(started["organization"], "ACME Corp.");

    let done = &lines[1]["writes"]["set"]["file:1000-7"];
    assert_eq!(done["state"], "complete");
    assert_eq!(
        done["path"], "zendesk/ACME Corp/4711/production_log (1).tar.gz",
        "the name the browser gave it"
    );
    assert_eq!(
        lines[2]["writes"],
        serde_json::json!({"set": {}, "remove": []}),
        "a download the records do not hold"
    );
    assert_eq!(
        lines[3]["writes"]["remove"],
        serde_json::json!(["file:1000-7"])
    );
    assert!(lines[0].get("history").is_none(), "only on request");
}

#[test]
fn records_loads_a_snapshot_and_shows_the_history_on_request() {
    let events = [
        r#"{"event":"load","snapshot":{"routedFiles":[{"downloadId":5,"path":"zendesk/A/1/b.log","timeMs":3},{"downloadId":"x"}],"file:9-9":"junk","settings":{}}}"#,
        r#"{"event":"sidecar","downloadId":6,"path":"zendesk/A/1/ticket.html","ticket":{"instance":"acme","id":1},"timeMs":4}"#,
        r#"{"event":"keptUnrouted","original":2,"routed":6,"reason":"NETWORK_FAILED"}"#,
    ];
    let lines = json_lines(&cli(&["records", "--history"], &events.join("\n")));
    assert_eq!(lines[0]["loaded"], 1);
    let skipped = lines[0]["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(
        lines[0]["writes"]["set"]["file:3-5"]["path"],
        "zendesk/A/1/b.log"
    );
    assert_eq!(
        lines[0]["writes"]["remove"],
        serde_json::json!(["routedFiles"])
    );
    assert_eq!(lines[0]["history"][0]["key"], "3-5");
    assert_eq!(lines[0]["history"][0]["folder"], "zendesk/A/1/");

    assert_eq!(lines[1]["writes"]["set"]["file:4-6"]["route"], "sidecar");
    assert_eq!(lines[1]["history"][0]["source"], "sidecar");

    let kept = &lines[2];
    assert_eq!(kept["writes"]["remove"], serde_json::json!(["file:4-6"]));
    assert_eq!(kept["writes"]["set"]["file:4-2"]["route"], "keptUnrouted");
    assert_eq!(kept["history"][0]["note"], "kept unrouted: NETWORK_FAILED");
}

#[test]
fn records_knows_host_mapped_attachments_from_the_settings() {
    let dir = std::env::temp_dir().join(format!("zd-cli-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("settings.json");
    std::fs::write(&file, r#"{"hostMappedDomains":["support.example.com"]}"#).expect("write");
    let event = r#"{"event":"started","downloadId":1,"download":{"url":"https://support.example.com/attachments/token/Tk9/?name=a.log"},"decision":{"action":"route","path":"zendesk/X/1/a.log","source":"referrer","ticket":{"instance":"support.example.com","id":1}},"timeMs":1}"#;
    let settings = file.to_str().expect("utf-8");
    let mapped = json_lines(&cli(&["records", "--settings", settings], event));
    let attachment = &mapped[0]["writes"]["set"]["file:1-1"]["attachment"];
    assert_eq!(attachment["instance"], "support.example.com");
    assert_eq!(attachment["token"], "Tk9");
    let unmapped = json_lines(&cli(&["records"], event));
    assert!(unmapped[0]["writes"]["set"]["file:1-1"]["attachment"].is_null());
}

#[test]
fn records_reports_a_bad_event_with_its_line_number() {
    let out = cli(
        &["records"],
        "{\"event\":\"forget\",\"keys\":[]}\n{\"event\":\"forget\",\"keys\":[\"7\"]}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("not a record key"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn rule_from_prints_the_prefilled_rule_of_each_download() {
    let input = r#"{"key":"1-7","fileName":"web01_gitlabsos.tar.gz","organization":"ACME Corp.","ticket":{"instance":"acme","id":4711}}
{"fileName":"trace.har"}"#;
    let lines = json_lines(&cli(&["rule-from"], input));
    assert_eq!(
        lines[0]["rule"],
        serde_json::json!({
            "name": "gitlabsos",
            "fileName": r"^(?P<host>[a-z0-9-]+)_gitlabsos\.tar\.gz$",
            "extensions": ["tar.gz"],
            "organization": r"^ACME Corp\.$",
            "template": "{org}/{ticket_id}/gitlabsos/{host}/{filename}",
        })
    );
    assert_eq!(lines[0]["ticket"]["id"], 4711);
    assert_eq!(lines[0]["filename"], "web01_gitlabsos.tar.gz");
    assert_eq!(lines[1]["rule"]["fileName"], r"^trace\.har$");
    assert_eq!(lines[1]["ticket"], serde_json::Value::Null);
}

#[test]
fn every_command_has_help_naming_its_flags() {
    let commands: [(&[&str], &[&str]); 11] = [
        (&["route"], &["--settings <FILE>"]),
        (&["explain"], &["--settings <FILE>"]),
        (&["check-settings"], &["<FILE>"]),
        (&["patterns"], &["--js"]),
        (&["records"], &["--settings <FILE>", "--history"]),
        (&["rule-from"], &["--settings <FILE>"]),
        (&["completions"], &["<SHELL>", "bash", "zsh", "fish"]),
        (
            &["unpack"],
            &[
                "<ARCHIVE>",
                "--into <DIR>",
                "--max-bytes <N>",
                "--max-entries <N>",
                "--max-ratio <N>",
                "--max-total-ratio <N>",
                "--min-free <N>",
            ],
        ),
        (&["helper"], &["install", "uninstall", "status"]),
        (&["helper", "install"], &[]),
        (&["helper", "status"], &[]),
    ];
    for (command, flags) in commands {
        let out = cli(&[command, &["--help"]].concat(), "");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command:?}: {text}");
        let usage = format!("Usage: zd-dl-router {}", command.join(" "));
        assert!(text.contains(&usage), "{command:?}: {text}");
        for flag in flags {
            assert!(
                text.contains(flag),
                "{command:?} --help lacks {flag}: {text}"
            );
        }
    }
}

#[test]
fn a_bad_flag_is_named_and_exits_2() {
    let out = cli(&["route", "--setings", "x.json"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'--setings'"), "{err}");
    assert!(out.stdout.is_empty());

    let out = cli(&["patterns"], "");
    assert_eq!(out.status.code(), Some(2), "--js is required");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--js"));

    let out = cli(&["unknown-command"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'unknown-command'"));
}

#[test]
fn completions_are_a_script_for_the_named_shell() {
    let bash = cli(&["completions", "bash"], "");
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(bash.status.success());
    assert!(script.contains("complete -F _zd-dl-router"), "{script}");
    assert!(script.contains("check-settings"), "{script}");
    let fish = String::from_utf8_lossy(&cli(&["completions", "fish"], "").stdout).into_owned();
    assert!(fish.contains("complete -c zd-dl-router"), "{fish}");
    let zsh = String::from_utf8_lossy(&cli(&["completions", "zsh"], "").stdout).into_owned();
    assert!(zsh.starts_with("#compdef zd-dl-router"), "{zsh}");
    assert_eq!(cli(&["completions", "tcsh"], "").status.code(), Some(2));
}

/// `unpack`; native only, as the archive crates that write its test archives.
#[cfg(not(target_arch = "wasm32"))]
mod unpack {
    use super::{cli, json_lines};
    use std::io::Write;

    /// A zip of `logs/app.log` and a symlink `link` → `/etc`, in a fresh folder.
    fn zip_scene(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zd-cli-unpack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("logs/app.log", options).unwrap();
        zip.write_all(b"started\n").unwrap();
        zip.add_symlink("link", "/etc", options).unwrap();
        let archive = dir.join("customer logs.zip");
        std::fs::write(&archive, zip.finish().unwrap().into_inner()).unwrap();
        (dir, archive)
    }

    #[test]
    fn unpack_prints_each_entry_then_the_summary_and_exits_0() {
        let (dir, archive) = zip_scene("ok");
        let out = cli(&["unpack", archive.to_str().unwrap()], "");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let folder = dir.join("customer logs");
        assert_eq!(
            json_lines(&out),
            [
                serde_json::json!({"entry": "logs/app.log", "path": "logs/app.log", "bytes": 8}),
                serde_json::json!({"entry": "link", "skipped": "symlink"}),
                serde_json::json!({"summary": {"folder": folder, "files": 1, "bytes": 8, "skipped": 1}}),
            ]
        );
        assert_eq!(
            std::fs::read(folder.join("logs/app.log")).unwrap(),
            b"started\n"
        );
        assert!(!folder.join("link").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unpack_refused_by_a_limit_exits_1_and_leaves_nothing() {
        let (dir, archive) = zip_scene("refused");
        let into = dir.join("out");
        std::fs::create_dir(&into).unwrap();
        let args = [
            "unpack",
            archive.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
            "--max-entries",
            "1",
        ];
        let out = cli(&args, "");
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON line");
        assert!(
            line["refused"].as_str().unwrap().contains("max-entries"),
            "{stdout}"
        );
        assert_eq!(
            std::fs::read_dir(&into).unwrap().count(),
            0,
            "nothing left in --into"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unpack_bad_usage_exits_2_naming_the_flag() {
        let (dir, archive) = zip_scene("usage");
        let out = cli(
            &["unpack", archive.to_str().unwrap(), "--max-ratio", "lots"],
            "",
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--max-ratio"));
        assert_eq!(
            cli(&["unpack"], "").status.code(),
            Some(2),
            "the archive is required"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "only the archive"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
