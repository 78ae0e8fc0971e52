//! `zd-dl-router helper`: the native messaging host the extension asks to unpack, move
//! and delete what the browser cannot.
//!
//! [`serve`] reads requests until the browser closes the pipe (framing and size limits in
//! [`super::messaging`]) and answers each with one response:
//! `{"id"?, "ok": true, …}` or `{"id"?, "ok": false, "error": {"code", "message"}}`, the
//! request's `id` echoed. Requests (`type`):
//! - `hello`: version, capabilities, archive formats, configured roots, unpack limits;
//! - `unpack` `{path, into?}`: the archive into `<into>/<stem>/` (`into` defaults to the
//!   archive's folder); the summary and the first [`MAX_ENTRIES`] entries;
//! - `move` `{path, to}`: the file re-rooted under the configured root `to`
//!   (`<root>/<org>/<ticket>/<file>` → `<to>/<org>/<ticket>/<file>`), parents made, the
//!   name numbered (` (1)`) rather than anything overwritten, across file systems by copy;
//! - `delete` `{paths}`: files, and folders with everything in them (a symlink inside is
//!   removed, never followed); never a root;
//! - `deleteEmptyFolders` `{paths}`: each folder if empty, then its parents while empty,
//!   up to (not including) the root.
//!
//! Every path goes through the root rule ([`super::roots`]) before anything touches it.
//! The host logs to stderr the request type, the paths and the outcome code — never what
//! a file contains.

use super::messaging::{self, Frame, MAX_REQUEST, MAX_RESPONSE};
use super::roots::{has_dots, Inside, Refused, Roots};
use super::unpack::names::numbered;
use super::unpack::{self, EntryOutcome, Limits};
use crate::archive::EXTENSIONS;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The most entries an `unpack` answer lists (the summary counts them all).
pub const MAX_ENTRIES: usize = 200;

/// What the extension may ask for.
const CAPABILITIES: &[&str] = &["unpack", "move", "delete", "deleteEmptyFolders"];

/// The helper's configuration, `helper.json`: the folders it may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Absolute folders; every path a request names must lie inside one of them.
    pub roots: Vec<PathBuf>,
}

/// A configuration that cannot be used, and why.
#[derive(Debug)]
pub struct ConfigError {
    path: PathBuf,
    problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads `helper.json`; every root must be an absolute path without `.`/`..`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let problem = |problem: String| ConfigError {
            path: path.to_path_buf(),
            problem,
        };
        let text = fs::read_to_string(path).map_err(|e| problem(e.to_string()))?;
        let config: Config = serde_json::from_str(&text).map_err(|e| problem(e.to_string()))?;
        for (i, root) in config.roots.iter().enumerate() {
            if !root.is_absolute() || has_dots(root) {
                return Err(problem(format!(
                    "roots[{i}] ({}) must be an absolute path without . or ..",
                    root.display()
                )));
            }
        }
        Ok(config)
    }
}

/// Whether the arguments (after the program name) are a browser starting the host:
/// Chrome passes the calling extension's origin (`chrome-extension://<id>/`, on Windows
/// followed by `--parent-window=…`), Firefox the host manifest's path and the extension's
/// id (MDN, *Native messaging*, "App side").
pub fn is_browser_launch(args: &[String]) -> bool {
    match args {
        [origin, ..] if origin.starts_with("chrome-extension://") => true,
        [manifest, id] => {
            Path::new(manifest).is_absolute() && manifest.ends_with(".json") && !id.is_empty()
        }
        _ => false,
    }
}

/// Serves requests from `input` until it ends, one response each to `output`.
/// Returns an error only when the streams fail (or `input` ends inside a message).
pub fn serve(mut input: impl Read, mut output: impl Write, config: &Config) -> io::Result<()> {
    let roots = Roots::new(&config.roots);
    while let Some(frame) = messaging::read_frame(&mut input)? {
        let response = match frame {
            Frame::TooLarge(len) => {
                eprintln!("helper: request of {len} bytes -> tooLarge");
                encode(
                    None,
                    Err(Failure::new(
                        Code::TooLarge,
                        format!(
                            "the request is {len} bytes; the helper reads at most {MAX_REQUEST}"
                        ),
                    )),
                )
            }
            Frame::Message(bytes) => respond(&bytes, &roots),
        };
        messaging::write_frame(&mut output, &response)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Request {
    Hello,
    Unpack {
        path: PathBuf,
        into: Option<PathBuf>,
    },
    Move {
        path: PathBuf,
        to: PathBuf,
    },
    Delete {
        paths: Vec<PathBuf>,
    },
    DeleteEmptyFolders {
        paths: Vec<PathBuf>,
    },
    #[serde(other)]
    Unknown,
}

impl Request {
    fn paths(&self) -> Vec<&Path> {
        match self {
            Request::Hello | Request::Unknown => vec![],
            Request::Unpack { path, into } => [Some(path), into.as_ref()]
                .into_iter()
                .flatten()
                .map(PathBuf::as_path)
                .collect(),
            Request::Move { path, to } => vec![path, to],
            Request::Delete { paths } | Request::DeleteEmptyFolders { paths } => {
                paths.iter().map(PathBuf::as_path).collect()
            }
        }
    }
}

/// An error code of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Code {
    BadRequest,
    UnknownRequest,
    TooLarge,
    OutsideRoots,
    NotFound,
    Refused,
    Io,
    NoConfig,
}

#[derive(Debug, Serialize)]
struct Failure {
    code: Code,
    message: String,
}

impl Failure {
    fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    fn io(path: &Path, error: &io::Error) -> Failure {
        let code = if error.kind() == io::ErrorKind::NotFound {
            Code::NotFound
        } else {
            Code::Io
        };
        Failure::new(code, format!("{}: {error}", path.display()))
    }
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Failure {
        match refused {
            Refused::Io { path, error } => Failure::io(&path, &error),
            Refused::NotAFolder(_) => Failure::new(Code::Io, refused.to_string()),
            _ => Failure::new(Code::OutsideRoots, refused.to_string()),
        }
    }
}

type Answer = Result<Value, Failure>;

/// One request's response, encoded; logs the request.
fn respond(bytes: &[u8], roots: &Roots) -> Vec<u8> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => {
            eprintln!("helper: unreadable request -> badRequest");
            let failure = Failure::new(Code::BadRequest, format!("the request is not JSON: {e}"));
            return encode(None, Err(failure));
        }
    };
    let id = value.get("id").cloned();
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let answer = match Request::deserialize(&value) {
        Ok(request) => {
            let answer = answer(&request, &kind, roots);
            let outcome = answer
                .as_ref()
                .map_or_else(|f| json!(f.code), |_| json!("ok"));
            let paths: Vec<_> = request.paths().iter().map(|p| p.display()).collect();
            eprintln!(
                "helper: {kind} {paths:?} -> {}",
                outcome.as_str().unwrap_or("?")
            );
            answer
        }
        Err(e) => {
            eprintln!("helper: {kind:?} -> badRequest");
            Err(Failure::new(
                Code::BadRequest,
                format!("the request is not understood: {e}"),
            ))
        }
    };
    encode(id, answer)
}

fn answer(request: &Request, kind: &str, roots: &Roots) -> Answer {
    if roots.is_empty() && !matches!(request, Request::Hello | Request::Unknown) {
        return Err(Failure::new(
            Code::NoConfig,
            "no roots are configured (helper.json): run `zd-dl-router helper install`",
        ));
    }
    match request {
        Request::Hello => Ok(hello(roots)),
        Request::Unpack { path, into } => unpack_archive(roots, path, into.as_deref()),
        Request::Move { path, to } => move_file(roots, path, to),
        Request::Delete { paths } => Ok(delete(roots, paths)),
        Request::DeleteEmptyFolders { paths } => delete_empty_folders(roots, paths),
        Request::Unknown => Err(Failure::new(
            Code::UnknownRequest,
            format!("unknown request type {kind:?}; known: {CAPABILITIES:?} and \"hello\""),
        )),
    }
}

fn hello(roots: &Roots) -> Value {
    let formats: Vec<&str> = EXTENSIONS
        .iter()
        .map(|(ext, _)| ext.trim_start_matches('.'))
        .collect();
    let limits = Limits::default();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "capabilities": CAPABILITIES,
        "formats": formats,
        "roots": roots.configured().map(lossy).collect::<Vec<_>>(),
        "limits": {
            "maxTotalBytes": limits.max_total_bytes,
            "maxEntries": limits.max_entries,
            "maxEntryRatio": limits.max_entry_ratio,
            "maxTotalRatio": limits.max_total_ratio,
            "minFreeBytes": limits.min_free_bytes,
        },
    })
}

/// `path` under the root rule, there, and a folder (`folder`) or a file.
fn existing(roots: &Roots, path: &Path, folder: bool) -> Result<Inside, Failure> {
    let inside = roots.check(path)?;
    let meta = fs::symlink_metadata(inside.path()).map_err(|e| Failure::io(path, &e))?;
    let (is, kind) = if folder {
        (meta.is_dir(), "folder")
    } else {
        (meta.is_file(), "file")
    };
    if !is {
        let message = format!("{} is not a {kind}", path.display());
        return Err(Failure::new(Code::BadRequest, message));
    }
    Ok(inside)
}

fn unpack_archive(roots: &Roots, path: &Path, into: Option<&Path>) -> Answer {
    let archive = existing(roots, path, false)?;
    let into = match into {
        Some(into) => existing(roots, into, true)?,
        None => archive.parent().unwrap_or_else(|| archive.clone()),
    };
    let mut entries = Vec::new();
    let mut listed_all = true;
    let summary = unpack::unpack(
        &archive.path(),
        &into.path(),
        &Limits::default(),
        &mut |outcome| {
            if entries.len() < MAX_ENTRIES {
                entries.push(entry(outcome));
            } else {
                listed_all = false;
            }
        },
    )
    .map_err(|refusal| {
        let code = match refusal {
            unpack::Refusal::Io(_) => Code::Io,
            _ => Code::Refused,
        };
        Failure::new(code, refusal.to_string())
    })?;
    Ok(json!({
        "folder": lossy(&summary.folder),
        "files": summary.files,
        "bytes": summary.bytes,
        "skipped": summary.skipped,
        "entries": entries,
        "truncated": !listed_all,
    }))
}

fn entry(outcome: &EntryOutcome) -> Value {
    match outcome {
        EntryOutcome::Written { entry, path, .. } => json!({"entry": entry, "path": lossy(path)}),
        EntryOutcome::Skipped { entry, reason } => json!({"entry": entry, "skipped": reason}),
    }
}

fn move_file(roots: &Roots, path: &Path, to: &Path) -> Answer {
    let from = existing(roots, path, false)?;
    let destination = roots.root(to).ok_or_else(|| {
        Failure::new(
            Code::OutsideRoots,
            format!("`to` ({}) is not a configured root", to.display()),
        )
    })?;
    if !destination.path().is_dir() {
        return Err(Failure::new(
            Code::NotFound,
            format!(
                "the destination root {} is not there (is its volume mounted?)",
                to.display()
            ),
        ));
    }
    if same_folder(from.root(), destination.root()) {
        return Ok(json!({ "path": lossy(&from.path()) }));
    }
    let relative = from.relative();
    let folder = roots.create_dirs(&destination, relative.parent().unwrap_or(Path::new("")))?;
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    for n in 0..1000 {
        let target = roots.check(&folder.path().join(numbered(&name, n, true)))?;
        match place(&from.path(), &target.path()) {
            Ok(()) => return Ok(json!({ "path": lossy(&target.path()) })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Failure::io(&target.path(), &e)),
        }
    }
    Err(Failure::new(
        Code::Io,
        format!("no free name for {name} in {}", folder.path().display()),
    ))
}

fn same_folder(a: &Path, b: &Path) -> bool {
    a == b
        || fs::canonicalize(a)
            .ok()
            .is_some_and(|a| fs::canonicalize(b).ok() == Some(a))
}

/// Moves the file `from` to the new name `to`, never replacing anything there (an
/// existing `to` is [`io::ErrorKind::AlreadyExists`]): a hard link then removing `from`
/// on the same file system; where that is refused (another file system, or one without
/// hard links), a copy, synced to disk before `from` is removed.
fn place(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => return fs::remove_file(from),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {}
    }
    let mut source = File::open(from)?;
    let mut copy = OpenOptions::new().write(true).create_new(true).open(to)?;
    let copied = io::copy(&mut source, &mut copy)
        .and_then(|_| copy.set_permissions(source.metadata()?.permissions()))
        .and_then(|()| copy.sync_all());
    if let Err(e) = copied {
        drop(copy);
        let _ = fs::remove_file(to);
        return Err(e);
    }
    fs::remove_file(from)
}

fn delete(roots: &Roots, paths: &[PathBuf]) -> Value {
    let results: Vec<Value> = paths
        .iter()
        .map(|path| match delete_one(roots, path) {
            Ok(()) => json!({"path": lossy(path), "deleted": true}),
            Err(failure) => json!({"path": lossy(path), "deleted": false, "error": failure}),
        })
        .collect();
    json!({ "results": results })
}

fn delete_one(roots: &Roots, path: &Path) -> Result<(), Failure> {
    let inside = roots.check(path)?;
    if inside.is_root() {
        return Err(Failure::new(
            Code::Refused,
            format!(
                "{} is a configured root; the helper never deletes a root",
                path.display()
            ),
        ));
    }
    let meta = fs::symlink_metadata(inside.path()).map_err(|e| Failure::io(path, &e))?;
    // `remove_dir_all` removes symlinks inside the tree, never what they point to.
    let removed = if meta.is_dir() {
        fs::remove_dir_all(inside.path())
    } else {
        fs::remove_file(inside.path())
    };
    removed.map_err(|e| Failure::io(path, &e))
}

fn delete_empty_folders(roots: &Roots, paths: &[PathBuf]) -> Answer {
    let folders = paths
        .iter()
        .map(|path| roots.check(path))
        .collect::<Result<Vec<Inside>, _>>()?;
    let mut removed = Vec::new();
    for folder in folders {
        let mut current = Some(folder);
        while let Some(folder) = current.filter(|f| !f.is_root()) {
            match fs::remove_dir(folder.path()) {
                Ok(()) => removed.push(lossy(&folder.path())),
                // Already gone (an earlier path's parent): its parent may be empty now.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                // Not empty, or not a folder: it and its parents stay.
                Err(_) => break,
            }
            current = folder.parent();
        }
    }
    Ok(json!({ "removed": removed }))
}

fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The response's bytes, under [`MAX_RESPONSE`]: its longest list shortened (and
/// `"truncated": true`) until it fits; a response without a list that does not fit
/// becomes a `tooLarge` error.
fn encode(id: Option<Value>, answer: Answer) -> Vec<u8> {
    let mut reply = Map::new();
    if let Some(id) = id {
        reply.insert("id".into(), id);
    }
    match answer {
        Ok(body) => {
            reply.insert("ok".into(), true.into());
            if let Value::Object(body) = body {
                reply.extend(body);
            }
        }
        Err(failure) => {
            reply.insert("ok".into(), false.into());
            reply.insert("error".into(), json!(failure));
        }
    }
    loop {
        let bytes = Value::Object(reply.clone()).to_string().into_bytes();
        if bytes.len() < MAX_RESPONSE {
            return bytes;
        }
        let longest = reply
            .values_mut()
            .filter_map(Value::as_array_mut)
            .filter(|list| !list.is_empty())
            .max_by_key(|list| list.len());
        let Some(list) = longest else {
            let failure = Failure::new(
                Code::TooLarge,
                format!(
                    "the response would be {} bytes, over the browsers' limit",
                    bytes.len()
                ),
            );
            return json!({"ok": false, "error": failure})
                .to_string()
                .into_bytes();
        };
        // Keep the share of the list that fits, a little less; at least one fewer.
        let keep = list.len() * MAX_RESPONSE / bytes.len() * 9 / 10;
        list.truncate(keep.min(list.len() - 1));
        reply.insert("truncated".into(), true.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_starting_the_host_are_recognised() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_browser_launch(&args(&["chrome-extension://abcdefgh/"])));
        assert!(is_browser_launch(&args(&[
            "chrome-extension://abcdefgh/",
            "--parent-window=0"
        ])));
        assert!(is_browser_launch(&args(&[
            "/home/u/.mozilla/native-messaging-hosts/dev.zd_dl_router.helper.json",
            "zd-dl-router@zd-dl-router.dev"
        ])));
        for not in [
            &["helper"][..],
            &["helper", "install"],
            &["route", "--settings"],
            &["unpack", "a.json"],
            &[],
        ] {
            assert!(!is_browser_launch(&args(not)), "{not:?}");
        }
    }

    #[test]
    fn a_response_over_the_limit_loses_list_items_not_validity() {
        let long = "x".repeat(1000);
        let items: Vec<Value> = (0..5000)
            .map(|i| json!({"path": format!("{long}{i}")}))
            .collect();
        let bytes = encode(Some(json!(7)), Ok(json!({"results": items})));
        assert!(bytes.len() < MAX_RESPONSE);
        let reply: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(reply["id"], 7);
        assert_eq!(reply["truncated"], true);
        let kept = reply["results"].as_array().unwrap().len();
        assert!(kept > 500 && kept < 1000, "{kept}");
        assert_eq!(
            reply["results"][kept - 1]["path"],
            format!("{long}{}", kept - 1)
        );
    }
}
