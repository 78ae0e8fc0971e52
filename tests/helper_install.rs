//! `zd-dl-router helper install|uninstall|status`, run as the binary for a user whose home
//! is a temporary folder. The expected ids come from the extension's own manifests, the
//! expected folders from where the browsers look (Chrome's and Firefox's documentation).
#![cfg(target_os = "linux")]

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh home folder for one test.
fn home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zd-helper-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp home");
    dir
}

/// The binary run with `args` for the user whose home is `home` (no XDG variables).
fn helper(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zd-dl-router"))
        .arg("helper")
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DOWNLOAD_DIR")
        .output()
        .expect("binary runs")
}

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stdout
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

fn binary() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_zd-dl-router"))
        .canonicalize()
        .expect("binary path")
}

/// The id Chromium gives the extension: the first 128 bits of the SHA-256 of its manifest
/// `key` (DER), hex digits 0–f written as the letters a–p.
fn chrome_id() -> String {
    let manifest = read_json(Path::new("extension/platform/chrome/manifest.json"));
    let key = base64::engine::general_purpose::STANDARD
        .decode(
            manifest["key"]
                .as_str()
                .expect("the Chrome manifest has a key"),
        )
        .expect("base64 key");
    Sha256::digest(key)[..16]
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .map(|nibble| char::from(b'a' + nibble))
        .collect()
}

fn firefox_id() -> String {
    let manifest = read_json(Path::new("extension/platform/firefox/manifest.json"));
    manifest["browser_specific_settings"]["gecko"]["id"]
        .as_str()
        .expect("gecko id")
        .to_owned()
}

const CHROME_DIR: &str = ".config/google-chrome/NativeMessagingHosts";
const CHROMIUM_DIR: &str = ".config/chromium/NativeMessagingHosts";
const FIREFOX_DIR: &str = ".mozilla/native-messaging-hosts";
const MANIFEST: &str = "dev.zd_dl_router.helper.json";
const CONFIG: &str = ".config/zd-dl-router/helper.json";

/// Every file below `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("below dir");
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_chrome_extension_id_is_the_one_its_manifest_key_gives() {
    assert_eq!(
        zd_dl_router::native::install::CHROME_EXTENSION_ID,
        chrome_id()
    );
}

#[test]
fn install_registers_this_binary_with_each_browser_for_exactly_this_extension() {
    let home = home("install");
    ok(helper(&home, &["install"]));
    let mut expected = [
        CHROME_DIR,
        CHROMIUM_DIR,
        FIREFOX_DIR,
        ".config/zd-dl-router",
    ]
    .map(|d| format!("{d}/{MANIFEST}"));
    expected[3] = CONFIG.to_owned();
    expected.sort();
    assert_eq!(files(&home), expected);

    let chrome_origin = format!("chrome-extension://{}/", chrome_id());
    for dir in [CHROME_DIR, CHROMIUM_DIR] {
        let manifest = read_json(&home.join(dir).join(MANIFEST));
        assert_eq!(manifest["name"], "dev.zd_dl_router.helper");
        assert_eq!(manifest["type"], "stdio");
        assert_eq!(
            Path::new(manifest["path"].as_str().expect("path")),
            binary()
        );
        assert_eq!(manifest["allowed_origins"], json!([chrome_origin]), "{dir}");
        assert!(manifest.get("allowed_extensions").is_none());
    }
    let firefox = read_json(&home.join(FIREFOX_DIR).join(MANIFEST));
    assert_eq!(firefox["name"], "dev.zd_dl_router.helper");
    assert_eq!(firefox["type"], "stdio");
    assert_eq!(Path::new(firefox["path"].as_str().expect("path")), binary());
    assert_eq!(firefox["allowed_extensions"], json!([firefox_id()]));
    assert!(firefox.get("allowed_origins").is_none());

    let config = read_json(&home.join(CONFIG));
    let downloads = home.join("Downloads/zendesk");
    assert_eq!(config, json!({ "roots": [downloads] }));
}

#[test]
fn the_default_root_is_in_the_users_xdg_download_folder() {
    let home = home("user-dirs");
    std::fs::create_dir_all(home.join(".config")).expect("config dir");
    std::fs::write(
        home.join(".config/user-dirs.dirs"),
        "XDG_DESKTOP_DIR=\"$HOME/Schreibtisch\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n",
    )
    .expect("user-dirs.dirs");
    ok(helper(&home, &["install", "--browser", "firefox"]));
    let roots = &read_json(&home.join(CONFIG))["roots"];
    assert_eq!(*roots, json!([home.join("Téléchargements/zendesk")]));
    assert!(home.join(FIREFOX_DIR).join(MANIFEST).is_file());
    assert!(!home.join(CHROME_DIR).exists(), "only the named browser");

    let out = Command::new(env!("CARGO_BIN_EXE_zd-dl-router"))
        .args(["helper", "install", "--browser", "firefox"])
        .env("HOME", &home)
        .env_remove("XDG_CONFIG_HOME")
        .env("XDG_DOWNLOAD_DIR", "/srv/dl")
        .output()
        .expect("binary runs");
    ok(out);
    let roots = &read_json(&home.join(CONFIG))["roots"];
    assert_eq!(*roots, json!(["/srv/dl/zendesk"]), "the variable wins");
}

#[test]
fn install_into_a_profile_writes_only_there_with_the_extra_ids_and_the_given_roots() {
    let home = home("profile");
    let profile = home.join("chromium-profile");
    let store_id = "abcdefghijklmnopabcdefghijklmnop";
    ok(helper(
        &home,
        &[
            "install",
            "--profile",
            profile.to_str().expect("utf-8"),
            "--extension-id",
            store_id,
            "--root",
            "/srv/customers",
            "--root",
            "/mnt/secure/zendesk",
        ],
    ));
    assert_eq!(
        files(&home),
        [
            CONFIG.to_owned(),
            format!("chromium-profile/NativeMessagingHosts/{MANIFEST}")
        ]
    );
    let manifest = read_json(&profile.join("NativeMessagingHosts").join(MANIFEST));
    assert_eq!(
        manifest["allowed_origins"],
        json!([
            format!("chrome-extension://{}/", chrome_id()),
            format!("chrome-extension://{store_id}/")
        ])
    );
    assert_eq!(
        read_json(&home.join(CONFIG)),
        json!({"roots": ["/srv/customers", "/mnt/secure/zendesk"]})
    );
}

#[test]
fn uninstall_removes_every_manifest_and_the_config() {
    let home = home("uninstall");
    let profile = home.join("p");
    let profile_arg = profile.to_str().expect("utf-8");
    ok(helper(&home, &["install"]));
    ok(helper(&home, &["install", "--profile", profile_arg]));
    assert_eq!(files(&home).len(), 5);
    let text = ok(helper(&home, &["uninstall", "--profile", profile_arg]));
    assert_eq!(text.lines().count(), 5, "{text}");
    assert_eq!(files(&home), Vec::<String>::new());
    assert!(
        !home.join(".config/zd-dl-router").exists(),
        "its emptied folder too"
    );
    let again = ok(helper(&home, &["uninstall"]));
    assert!(again.contains("not installed"), "{again}");
}

#[test]
fn status_tells_what_is_installed_where_and_whether_it_points_here() {
    let home = home("status");
    let before: Value =
        serde_json::from_str(&ok(helper(&home, &["status", "--json"]))).expect("status JSON");
    assert_eq!(before["roots"], Value::Null);
    let installed = |s: &Value| -> Vec<bool> {
        let manifests = s["manifests"].as_array().expect("manifests");
        manifests.iter().map(|m| m["installed"] == true).collect()
    };
    assert_eq!(installed(&before), [false, false, false]);

    ok(helper(&home, &["install", "--root", "/srv/z"]));
    let firefox = home.join(FIREFOX_DIR).join(MANIFEST);
    let mut moved = read_json(&firefox);
    moved["path"] = json!("/opt/old/zd-dl-router");
    std::fs::write(&firefox, moved.to_string()).expect("rewrite");

    let after: Value =
        serde_json::from_str(&ok(helper(&home, &["status", "--json"]))).expect("status JSON");
    assert_eq!(installed(&after), [true, true, true]);
    let manifests = after["manifests"].as_array().expect("manifests");
    let points_here: Vec<_> = manifests.iter().map(|m| m["pointsHere"].clone()).collect();
    assert_eq!(points_here, [true, true, false]);
    assert_eq!(manifests[2]["path"], json!(firefox));
    assert_eq!(
        manifests[1]["allowed"],
        json!([format!("chrome-extension://{}/", chrome_id())])
    );
    assert_eq!(after["roots"], json!(["/srv/z"]));
    assert_eq!(after["binary"], json!(binary()));

    let text = ok(helper(&home, &["status"]));
    assert!(text.contains("points at /opt/old/zd-dl-router"), "{text}");
    assert!(text.contains("points at this binary"), "{text}");
    assert!(text.contains("/srv/z"), "{text}");
}

#[test]
fn install_refuses_a_bad_flag_naming_it_and_writes_nothing() {
    let home = home("refused");
    let cases: [(&[&str], &str); 5] = [
        (
            &["install", "--extension-id", "not-an-id"],
            "--extension-id",
        ),
        (
            &["install", "--browser", "firefox", "--profile", "/tmp/p"],
            "--profile",
        ),
        (&["install", "--root", "/srv/../etc"], "--root"),
        (&["install", "--profile", "p/../../q"], "--profile"),
        (&["install", "--browser", "opera"], "--browser"),
    ];
    for (args, flag) in cases {
        let out = helper(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert_eq!(files(&home), Vec::<String>::new(), "{args:?}");
    }
}
