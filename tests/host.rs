//! The native messaging host (`zd-dl-router helper`): framing, the requests, and the root
//! rule, judged by the bytes on the wire (framed and parsed here, not by the product) and
//! by what is on disk afterwards.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;
use zd_dl_router::native::host::{serve, Config};

/// One message as the browser frames it: 4-byte native-endian length, then the bytes.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut bytes = u32::try_from(body.len()).unwrap().to_ne_bytes().to_vec();
    bytes.extend_from_slice(body);
    bytes
}

fn request(value: Value) -> Vec<u8> {
    frame(value.to_string().as_bytes())
}

/// The responses in `output`, each checked to be exactly one well-framed JSON message.
fn responses(mut output: &[u8]) -> Vec<Value> {
    let mut all = Vec::new();
    while !output.is_empty() {
        let len = u32::from_ne_bytes(output[..4].try_into().unwrap()) as usize;
        assert!(len < 1_000_000, "a response of {len} bytes");
        all.push(serde_json::from_slice(&output[4..4 + len]).expect("a response is JSON"));
        output = &output[4 + len..];
    }
    all
}

fn serve_bytes(roots: &[&Path], input: &[u8]) -> Vec<Value> {
    let config = Config {
        roots: roots.iter().map(|r| r.to_path_buf()).collect(),
    };
    let mut output = Vec::new();
    serve(input, &mut output, &config).expect("serves");
    responses(&output)
}

fn ask(roots: &[&Path], value: Value) -> Value {
    let mut all = serve_bytes(roots, &request(value));
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn code(response: &Value) -> &str {
    assert_eq!(response["ok"], false, "{response}");
    response["error"]["code"].as_str().expect("an error code")
}

/// A scratch folder with a root `zendesk/` in it, and `outside/secret.txt` next to it.
struct Scratch {
    dir: TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("zendesk")).unwrap();
        fs::create_dir(dir.path().join("outside")).unwrap();
        fs::write(dir.path().join("outside/secret.txt"), "secret").unwrap();
        Scratch { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("zendesk")
    }

    fn at(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn file(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.at(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn secret_is_intact(&self) -> bool {
        fs::read_to_string(self.at("outside/secret.txt")).is_ok_and(|s| s == "secret")
    }
}

fn s(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[test]
fn hello_tells_version_capabilities_formats_and_roots_and_echoes_the_id() {
    let scratch = Scratch::new();
    let reply = ask(&[&scratch.root()], json!({"type": "hello", "id": "h-1"}));
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["id"], "h-1");
    assert_eq!(reply["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        reply["capabilities"],
        json!(["unpack", "move", "delete", "deleteEmptyFolders"])
    );
    let formats = reply["formats"].as_array().unwrap();
    for format in ["zip", "tar", "tar.gz", "tgz", "gz"] {
        assert!(formats.contains(&json!(format)), "{format} in {formats:?}");
    }
    assert_eq!(reply["roots"], json!([s(&scratch.root())]));
    assert!(reply["limits"].is_object());
}

#[test]
fn each_request_is_answered_in_order_one_framed_response_each() {
    let scratch = Scratch::new();
    let input = [
        request(json!({"type": "hello", "id": 1})),
        request(json!({"type": "nope", "id": 2})),
        request(json!({"type": "hello", "id": 3})),
    ]
    .concat();
    let config = Config {
        roots: vec![scratch.root()],
    };
    let mut output = Vec::new();
    serve(&input[..], &mut output, &config).unwrap();
    let first_len = u32::from_ne_bytes(output[..4].try_into().unwrap()) as usize;
    let first: Value = serde_json::from_slice(&output[4..4 + first_len]).unwrap();
    assert_eq!(first["id"], 1);
    let ids: Vec<Value> = responses(&output).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!(1), json!(2), json!(3)]);
}

#[test]
fn a_request_over_1_mib_is_answered_too_large_and_the_next_one_is_served() {
    let scratch = Scratch::new();
    let huge = json!({"type": "delete", "paths": [format!("/{}", "x".repeat(1024 * 1024))]});
    let input = [
        request(huge),
        request(json!({"type": "hello", "id": "next"})),
    ]
    .concat();
    let replies = serve_bytes(&[&scratch.root()], &input);
    assert_eq!(replies.len(), 2);
    assert_eq!(code(&replies[0]), "tooLarge");
    assert_eq!(replies[1]["ok"], true);
    assert_eq!(replies[1]["id"], "next");
}

#[test]
fn a_request_of_exactly_1_mib_is_read() {
    let scratch = Scratch::new();
    let head = r#"{"type":"hello","id":"big","pad":""#;
    let body = format!("{head}{}\"}}", " ".repeat(1024 * 1024 - head.len() - 2));
    assert_eq!(body.len(), 1024 * 1024);
    let reply = &serve_bytes(&[&scratch.root()], &frame(body.as_bytes()))[0];
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["id"], "big");
}

#[test]
fn malformed_json_is_a_bad_request_and_serving_goes_on() {
    let scratch = Scratch::new();
    let input = [
        frame(b"{\"type\": \"hello\""),
        frame(&[0xff, 0xfe]),
        request(json!({"type": "hello"})),
    ]
    .concat();
    let replies = serve_bytes(&[&scratch.root()], &input);
    assert_eq!(code(&replies[0]), "badRequest");
    assert_eq!(code(&replies[1]), "badRequest");
    assert_eq!(replies[2]["ok"], true);
}

#[test]
fn an_unknown_type_is_an_unknown_request_and_no_type_a_bad_request() {
    let scratch = Scratch::new();
    let reply = ask(&[&scratch.root()], json!({"type": "format", "id": 9}));
    assert_eq!(code(&reply), "unknownRequest");
    assert_eq!(reply["id"], 9);
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("format"));
    for request in [json!({"id": 1}), json!([1, 2]), json!({"type": 5})] {
        assert_eq!(code(&ask(&[&scratch.root()], request)), "badRequest");
    }
}

#[test]
fn a_missing_field_is_a_bad_request_naming_the_field() {
    let scratch = Scratch::new();
    let reply = ask(&[&scratch.root()], json!({"type": "delete", "path": "/x"}));
    assert_eq!(code(&reply), "badRequest");
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`paths`"));
    let reply = ask(
        &[&scratch.root()],
        json!({"type": "move", "path": s(&scratch.root().join("a"))}),
    );
    assert!(reply["error"]["message"].as_str().unwrap().contains("`to`"));
}

#[test]
fn paths_outside_the_roots_are_refused_and_nothing_there_is_touched() {
    let scratch = Scratch::new();
    let root = scratch.root();
    scratch.file("zendesk/acme/1/a.log", "a");
    let through_dots = format!("{}/../outside/secret.txt", s(&root));
    let with_dot = format!("{}/./acme/1/a.log", s(&root));
    let sibling = format!("{}-other/x", s(&root));
    for path in [
        "/etc/passwd",
        through_dots.as_str(),
        with_dot.as_str(),
        sibling.as_str(),
        "zendesk/acme/1/a.log",
        "",
    ] {
        let reply = ask(&[&root], json!({"type": "delete", "paths": [path]}));
        let result = &reply["results"][0];
        assert_eq!(result["deleted"], false, "{path}");
        assert_eq!(result["error"]["code"], "outsideRoots", "{path}");
        for request in [
            json!({"type": "move", "path": path, "to": s(&root)}),
            json!({"type": "unpack", "path": path}),
            json!({"type": "deleteEmptyFolders", "paths": [path]}),
        ] {
            assert_eq!(
                code(&ask(&[&root], request.clone())),
                "outsideRoots",
                "{request}"
            );
        }
    }
    assert!(scratch.secret_is_intact());
    assert!(scratch.at("zendesk/acme/1/a.log").exists());
}

#[test]
fn a_symlink_below_a_root_is_refused_and_its_target_untouched() {
    let scratch = Scratch::new();
    let root = scratch.root();
    fs::create_dir(scratch.at("outside/empty")).unwrap();
    symlink(scratch.at("outside"), root.join("acme")).unwrap();
    let via_link = |rest: &str| s(&root.join("acme").join(rest));
    let dest = scratch.at("dest");
    fs::create_dir(&dest).unwrap();
    let roots = [root.as_path(), dest.as_path()];
    let requests = [
        json!({"type": "move", "path": via_link("secret.txt"), "to": s(&dest)}),
        json!({"type": "unpack", "path": via_link("secret.txt")}),
        json!({"type": "deleteEmptyFolders", "paths": [via_link("empty")]}),
    ];
    for request in requests {
        let reply = ask(&roots, request.clone());
        assert_eq!(code(&reply), "outsideRoots", "{request}");
        assert!(reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("symlink"));
    }
    let reply = ask(
        &roots,
        json!({"type": "delete", "paths": [via_link("secret.txt"), via_link("empty"), s(&root.join("acme"))]}),
    );
    for result in reply["results"].as_array().unwrap() {
        assert_eq!(result["error"]["code"], "outsideRoots", "{result}");
    }
    assert!(scratch.secret_is_intact());
    assert!(scratch.at("outside/empty").is_dir());
    assert!(fs::symlink_metadata(root.join("acme")).is_ok());
    assert_eq!(fs::read_dir(&dest).unwrap().count(), 0);
}

#[test]
fn a_deleted_folder_loses_its_symlinks_not_what_they_point_to() {
    let scratch = Scratch::new();
    let root = scratch.root();
    scratch.file("zendesk/acme/1/a.log", "a");
    symlink(scratch.at("outside"), root.join("acme/1/out")).unwrap();
    symlink(scratch.at("outside/secret.txt"), root.join("acme/1/secret")).unwrap();
    let reply = ask(
        &[&root],
        json!({"type": "delete", "paths": [s(&root.join("acme/1"))]}),
    );
    assert_eq!(reply["results"][0]["deleted"], true, "{reply}");
    assert!(!root.join("acme/1").exists());
    assert!(scratch.secret_is_intact());
}

#[test]
fn a_root_that_is_a_symlink_is_accepted_by_either_spelling() {
    let scratch = Scratch::new();
    let volume = scratch.at("volume");
    fs::create_dir(&volume).unwrap();
    let link = scratch.at("linked-root");
    symlink(&volume, &link).unwrap();
    fs::write(volume.join("one.log"), "1").unwrap();
    fs::write(volume.join("two.log"), "2").unwrap();
    let reply = ask(
        &[&link],
        json!({"type": "delete", "paths": [s(&link.join("one.log")), s(&volume.join("two.log"))]}),
    );
    assert_eq!(
        reply["results"],
        json!([
            {"path": s(&link.join("one.log")), "deleted": true},
            {"path": s(&volume.join("two.log")), "deleted": true},
        ])
    );
    assert_eq!(fs::read_dir(&volume).unwrap().count(), 0);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn delete_never_removes_a_root() {
    let scratch = Scratch::new();
    let root = scratch.root();
    scratch.file("zendesk/acme/1/a.log", "a");
    let with_slash = format!("{}/", s(&root));
    let reply = ask(
        &[&root],
        json!({"type": "delete", "paths": [s(&root), with_slash]}),
    );
    for result in reply["results"].as_array().unwrap() {
        assert_eq!(result["deleted"], false);
        assert_eq!(result["error"]["code"], "refused");
    }
    assert!(root.join("acme/1/a.log").exists());
}

#[test]
fn delete_removes_files_and_folders_and_reports_each_path() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let file = scratch.file("zendesk/acme/1/a.log", "a");
    scratch.file("zendesk/acme/1/a/x/y.log", "y");
    let missing = root.join("acme/1/gone.log");
    let reply = ask(
        &[&root],
        json!({"type": "delete", "paths": [s(&file), s(&root.join("acme/1/a")), s(&missing)]}),
    );
    assert_eq!(reply["ok"], true);
    let results = reply["results"].as_array().unwrap();
    assert_eq!(results[0], json!({"path": s(&file), "deleted": true}));
    assert_eq!(results[1]["deleted"], true);
    assert_eq!(results[2]["deleted"], false);
    assert_eq!(results[2]["error"]["code"], "notFound");
    assert_eq!(fs::read_dir(root.join("acme/1")).unwrap().count(), 0);
}

#[test]
fn delete_empty_folders_climbs_while_empty_and_stops_below_the_root() {
    let scratch = Scratch::new();
    let root = scratch.root();
    fs::create_dir_all(root.join("acme/4711/unpacked")).unwrap();
    scratch.file("zendesk/acme/4712/keep.log", "k");
    fs::create_dir_all(root.join("solo/1")).unwrap();
    let reply = ask(
        &[&root],
        json!({"type": "deleteEmptyFolders", "paths": [
            s(&root.join("acme/4711/unpacked")),
            s(&root.join("acme/4712")),
            s(&root.join("solo/1")),
        ]}),
    );
    assert_eq!(
        reply["removed"],
        json!([
            s(&root.join("acme/4711/unpacked")),
            s(&root.join("acme/4711")),
            s(&root.join("solo/1")),
            s(&root.join("solo")),
        ])
    );
    assert!(root.join("acme/4712/keep.log").exists());

    let alone = Scratch::new();
    let root = alone.root();
    fs::create_dir_all(root.join("solo/1")).unwrap();
    let reply = ask(
        &[&root],
        json!({"type": "deleteEmptyFolders", "paths": [s(&root.join("solo/1")), s(&root)]}),
    );
    assert_eq!(
        reply["removed"],
        json!([s(&root.join("solo/1")), s(&root.join("solo"))])
    );
    assert!(root.is_dir());
}

#[test]
fn move_re_roots_the_file_makes_its_folders_and_numbers_a_taken_name() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let dest = scratch.at("vault");
    fs::create_dir(&dest).unwrap();
    let source = scratch.file("zendesk/ACME Corp/4711/logs.tar.gz", "new bytes");
    scratch.file("vault/ACME Corp/4711/logs.tar.gz", "old bytes");
    let reply = ask(
        &[&root, &dest],
        json!({"type": "move", "path": s(&source), "to": format!("{}/", s(&dest))}),
    );
    let moved = dest.join("ACME Corp/4711/logs (1).tar.gz");
    assert_eq!(reply, json!({"ok": true, "path": s(&moved)}));
    assert_eq!(fs::read_to_string(&moved).unwrap(), "new bytes");
    assert_eq!(
        fs::read_to_string(dest.join("ACME Corp/4711/logs.tar.gz")).unwrap(),
        "old bytes"
    );
    assert!(!source.exists());

    let fresh = scratch.file("zendesk/Other/9/a.log", "a");
    let reply = ask(
        &[&root, &dest],
        json!({"type": "move", "path": s(&fresh), "to": s(&dest)}),
    );
    assert_eq!(reply["path"], s(&dest.join("Other/9/a.log")));
    assert_eq!(fs::read_to_string(dest.join("Other/9/a.log")).unwrap(), "a");
}

#[test]
fn move_across_file_systems_copies_removes_the_original_and_overwrites_nothing() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let other_fs =
        tempfile::tempdir_in("/dev/shm").expect("/dev/shm (tmpfs) for a second file system");
    let dest = other_fs.path();
    assert_ne!(
        fs::metadata(&root).unwrap().dev(),
        fs::metadata(dest).unwrap().dev(),
        "the test needs two file systems"
    );
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let source = scratch.at("zendesk/acme/1/big.bin");
    fs::create_dir_all(source.parent().unwrap()).unwrap();
    fs::write(&source, &bytes).unwrap();
    fs::create_dir_all(dest.join("acme/1")).unwrap();
    fs::write(dest.join("acme/1/big.bin"), "taken").unwrap();
    let reply = ask(
        &[&root, dest],
        json!({"type": "move", "path": s(&source), "to": s(dest)}),
    );
    assert_eq!(
        reply["path"],
        s(&dest.join("acme/1/big (1).bin")),
        "{reply}"
    );
    assert_eq!(fs::read(dest.join("acme/1/big (1).bin")).unwrap(), bytes);
    assert_eq!(
        fs::read_to_string(dest.join("acme/1/big.bin")).unwrap(),
        "taken"
    );
    assert!(!source.exists());
}

#[test]
fn move_only_goes_to_a_configured_root_and_through_no_symlink() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let dest = scratch.at("vault");
    fs::create_dir(&dest).unwrap();
    let source = scratch.file("zendesk/acme/1/a.log", "a");
    let reply = ask(
        &[&root, &dest],
        json!({"type": "move", "path": s(&source), "to": s(&scratch.at("outside"))}),
    );
    assert_eq!(code(&reply), "outsideRoots");
    let reply = ask(
        &[&root, &dest],
        json!({"type": "move", "path": s(&source), "to": s(&dest.join("acme"))}),
    );
    assert_eq!(code(&reply), "outsideRoots");

    symlink(scratch.at("outside"), dest.join("acme")).unwrap();
    let reply = ask(
        &[&root, &dest],
        json!({"type": "move", "path": s(&source), "to": s(&dest)}),
    );
    assert_eq!(code(&reply), "outsideRoots");
    assert!(source.exists());
    assert!(!scratch.at("outside/1").exists());
    assert!(scratch.secret_is_intact());
}

#[test]
fn move_to_a_missing_destination_root_makes_nothing() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let unmounted = scratch.at("volume/zendesk");
    let source = scratch.file("zendesk/acme/1/a.log", "a");
    let reply = ask(
        &[&root, &unmounted],
        json!({"type": "move", "path": s(&source), "to": s(&unmounted)}),
    );
    assert_eq!(code(&reply), "notFound");
    assert!(!scratch.at("volume").exists());
    assert!(source.exists());
}

#[test]
fn without_roots_requests_answer_no_config_and_hello_still_works() {
    let reply = ask(&[], json!({"type": "delete", "paths": ["/tmp/x"]}));
    assert_eq!(code(&reply), "noConfig");
    let reply = ask(&[], json!({"type": "hello"}));
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["roots"], json!([]));
}

#[test]
fn a_response_with_many_entries_stays_under_1_000_000_bytes_and_says_truncated() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let long = "n".repeat(200);
    let paths: Vec<String> = (0..4000)
        .map(|i| format!("{}/{long}-{i}", s(&root)))
        .collect();
    let reply = ask(&[&root], json!({"type": "delete", "paths": paths}));
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["truncated"], true);
    let results = reply["results"].as_array().unwrap();
    assert!(
        results.len() > 100 && results.len() < 4000,
        "{}",
        results.len()
    );
    for (result, path) in results.iter().zip(&paths) {
        assert_eq!(result["path"], *path);
        assert_eq!(result["error"]["code"], "notFound");
    }
}

/// A `.tar` of `count` small files `f000.log`…, made by the system `tar`.
fn tar_of(scratch: &Scratch, name: &str, count: usize) -> PathBuf {
    let content = scratch.at(&format!("content-{name}"));
    fs::create_dir(&content).unwrap();
    for i in 0..count {
        fs::write(content.join(format!("f{i:03}.log")), format!("line {i}\n")).unwrap();
    }
    let archive = scratch.at(&format!("zendesk/acme/4711/{name}"));
    fs::create_dir_all(archive.parent().unwrap()).unwrap();
    let mut names: Vec<_> = fs::read_dir(&content)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&archive)
        .arg("-C")
        .arg(&content)
        .args(names)
        .status()
        .unwrap();
    assert!(status.success());
    archive
}

#[test]
fn unpack_answers_the_folder_counts_and_entries_next_to_the_archive() {
    let scratch = Scratch::new();
    let archive = tar_of(&scratch, "gitlabsos.tar", 3);
    let reply = ask(
        &[&scratch.root()],
        json!({"type": "unpack", "path": s(&archive), "id": "u"}),
    );
    let folder = scratch.at("zendesk/acme/4711/gitlabsos");
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["id"], "u");
    assert_eq!(reply["folder"], s(&folder));
    assert_eq!(reply["files"], 3);
    assert_eq!(reply["bytes"], 21);
    assert_eq!(reply["skipped"], 0);
    assert_eq!(reply["truncated"], false);
    let entries = reply["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for entry in entries {
        let path = entry["path"].as_str().unwrap();
        assert!(entry["entry"].as_str().unwrap().ends_with(path), "{entry}");
        assert_eq!(
            fs::read_to_string(folder.join(path)).unwrap(),
            format!("line {}\n", &path[1..4].parse::<u32>().unwrap())
        );
    }
}

#[test]
fn unpack_lists_at_most_200_entries_and_says_truncated() {
    let scratch = Scratch::new();
    let archive = tar_of(&scratch, "many.tar", 300);
    let reply = ask(
        &[&scratch.root()],
        json!({"type": "unpack", "path": s(&archive)}),
    );
    assert_eq!(reply["files"], 300, "{reply}");
    assert_eq!(reply["entries"].as_array().unwrap().len(), 200);
    assert_eq!(reply["truncated"], true);
    let folder = scratch.at("zendesk/acme/4711/many");
    assert_eq!(fs::read_dir(folder).unwrap().count(), 300);
}

#[test]
fn unpack_of_a_corrupt_archive_is_refused_and_leaves_no_folder() {
    let scratch = Scratch::new();
    let archive = scratch.file("zendesk/acme/4711/broken.tar", "not a tar archive at all");
    let reply = ask(
        &[&scratch.root()],
        json!({"type": "unpack", "path": s(&archive)}),
    );
    assert_eq!(code(&reply), "refused");
    assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(
        fs::read_dir(scratch.at("zendesk/acme/4711"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn move_to_the_root_that_already_holds_the_file_leaves_it_in_place() {
    let scratch = Scratch::new();
    let root = scratch.root();
    let file = scratch.file("zendesk/acme/1/a.log", "a");
    let reply = ask(
        &[&root],
        json!({"type": "move", "path": s(&file), "to": s(&root)}),
    );
    assert_eq!(reply, json!({"ok": true, "path": s(&file)}));
    assert_eq!(fs::read_dir(root.join("acme/1")).unwrap().count(), 1);
    assert!(file.exists());
}

#[test]
fn unpack_into_a_missing_folder_is_not_found_and_writes_nothing() {
    let scratch = Scratch::new();
    let archive = tar_of(&scratch, "logs.tar", 2);
    let into = scratch.root().join("later");
    let reply = ask(
        &[&scratch.root()],
        json!({"type": "unpack", "path": s(&archive), "into": s(&into)}),
    );
    assert_eq!(code(&reply), "notFound");
    assert!(!into.exists());
}

#[test]
fn the_config_lists_the_roots_and_names_a_root_that_is_not_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helper.json");
    fs::write(&path, r#"{"roots": ["/srv/zendesk", "/mnt/vault/"]}"#).unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(
        config.roots,
        [PathBuf::from("/srv/zendesk"), PathBuf::from("/mnt/vault")]
    );
    for bad in [
        r#"["/a", "zendesk"]"#,
        r#"["/a", "/b/../c"]"#,
        r#"["/a", "/b/./c"]"#,
    ] {
        fs::write(&path, format!(r#"{{"roots": {bad}}}"#)).unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("roots[1]"), "{bad}: {error}");
    }
    fs::write(&path, r#"{"roots": "/a"}"#).unwrap();
    assert!(Config::load(&path).is_err());
    let missing = Config::load(&dir.path().join("none.json")).unwrap_err();
    assert!(missing.to_string().contains("none.json"));
}

/// The built binary as a browser starts it (`args`), its configuration in a scratch
/// `$XDG_CONFIG_HOME`; `input` on its stdin; its responses.
fn run_binary(scratch: &Scratch, args: &[&str], input: &[u8]) -> Vec<Value> {
    let config_home = scratch.at("config");
    fs::create_dir_all(config_home.join("zd-dl-router")).unwrap();
    fs::write(
        config_home.join("zd-dl-router/helper.json"),
        json!({"roots": [s(&scratch.root())]}).to_string(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zd-dl-router"))
        .args(args)
        .env("HOME", scratch.at("home"))
        .env("XDG_CONFIG_HOME", &config_home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        !log.contains("secret"),
        "the log shows a file's contents: {log}"
    );
    responses(&output.stdout)
}

#[test]
fn the_binary_serves_when_chrome_firefox_or_the_user_starts_it() {
    let scratch = Scratch::new();
    let launches: [&[&str]; 3] = [
        &["chrome-extension://idojngakikoaaiofnlgoiimieiopjfnp/"],
        &[
            "/home/u/.mozilla/native-messaging-hosts/dev.zd_dl_router.helper.json",
            "zd-dl-router@zd-dl-router.dev",
        ],
        &["helper"],
    ];
    for (i, args) in launches.into_iter().enumerate() {
        let file = scratch.file(&format!("zendesk/acme/{i}/customer.log"), "CONTENT-7f3a");
        let input = [
            request(json!({"type": "hello", "id": i})),
            frame(b"not json"),
            request(json!({"type": "delete", "paths": [s(&file), "/etc/passwd"]})),
        ]
        .concat();
        let replies = run_binary(&scratch, args, &input);
        assert_eq!(replies.len(), 3, "{args:?}");
        assert_eq!(replies[0]["id"], i);
        assert_eq!(replies[0]["roots"], json!([s(&scratch.root())]));
        assert_eq!(code(&replies[1]), "badRequest");
        assert_eq!(replies[2]["results"][0]["deleted"], true);
        assert_eq!(replies[2]["results"][1]["error"]["code"], "outsideRoots");
        assert!(!file.exists());
    }
}

/// Whatever path a request names, one the root rule accepts resolves (the OS following
/// every link) inside a root; and plain paths below a root are accepted.
#[test]
fn no_accepted_path_resolves_outside_the_roots() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as Cases, TestRunner};
    use zd_dl_router::native::roots::Roots;

    let scratch = Scratch::new();
    let plain = scratch.root();
    let volume = scratch.at("volume");
    let linked = scratch.at("linked");
    fs::create_dir(&volume).unwrap();
    symlink(&volume, &linked).unwrap();
    for root in [&plain, &volume] {
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/f"), "f").unwrap();
        symlink(scratch.at("outside"), root.join("l")).unwrap();
        symlink("..", root.join("a/up")).unwrap();
        symlink("/", root.join("a/b/abs")).unwrap();
    }
    let roots = Roots::new(&[plain.clone(), linked.clone()]);
    let safe: Vec<PathBuf> = [&plain, &volume]
        .iter()
        .map(|r| fs::canonicalize(r).unwrap())
        .collect();
    let prefixes: Vec<String> = [&plain, &linked, &volume, &scratch.at("outside")]
        .iter()
        .map(|p| s(p))
        .chain(["/".into(), "rel".into(), s(scratch.dir.path())])
        .collect();
    const NAMES: &[&str] = &["a", "b", "f", "x", "l", "up", "abs", ".", "..", ""];
    let strategy = (
        proptest::sample::select(prefixes),
        proptest::collection::vec(proptest::sample::select(NAMES), 0..6),
    );
    TestRunner::new(Cases::with_cases(2000))
        .run(&strategy, |(prefix, parts)| {
            let path = PathBuf::from(format!("{prefix}/{}", parts.join("/")));
            let plain_names = parts.iter().all(|p| ["a", "b", "x"].contains(p));
            if plain_names && [&plain, &linked, &volume].iter().any(|r| s(r) == prefix) {
                prop_assert!(roots.check(&path).is_ok(), "{path:?} refused");
            }
            let Ok(inside) = roots.check(&path) else {
                return Ok(());
            };
            prop_assert_eq!(inside.path(), path.clone());
            let existing = path.ancestors().find(|p| p.exists()).unwrap();
            let resolved = fs::canonicalize(existing).unwrap();
            prop_assert!(
                safe.iter().any(|root| resolved.starts_with(root)),
                "{path:?} accepted, resolves to {resolved:?}"
            );
            Ok(())
        })
        .unwrap();
    assert!(scratch.secret_is_intact());
}
