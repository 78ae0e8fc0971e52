//! The local helper as the core sees it: what the worker asks it after a routed download
//! completes, and what its answers come to for the file's record.
//!
//! The helper (`zd-dl-router helper`, a native messaging host) does what the browser
//! cannot: move a file out of Downloads to the destination root, unpack an archive beside
//! itself, delete folders. The core stays sans-IO: a record holds what is to be done (the
//! decision's [`AfterComplete`]) and what was done ([`Done`]); [`Work::next`] says the next
//! request, [`Work::answered`] what an answer (or the helper's absence) makes of it. Order:
//! move first, then unpack at the new place. A step that fails ends the work: the file
//! stays where the last step that worked left it, so nothing is ever lost.

use crate::document::Value;
use crate::router::AfterComplete;
use serde::{Deserialize, Serialize};

/// One request to the helper, as the worker sends it (`runtime.sendNativeMessage`):
/// `{type: "move", path, to}`, `{type: "unpack", path}`, `{type: "delete", paths}`,
/// `{type: "deleteEmptyFolders", paths}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    /// Move the file at `path` below the root `to` (keeping its path below its own root).
    Move {
        /// Absolute path of the file.
        path: String,
        /// The destination root.
        to: String,
    },
    /// Unpack the archive at `path` into a folder beside it.
    Unpack {
        /// Absolute path of the archive.
        path: String,
    },
    /// Delete these files and folders.
    Delete {
        /// Absolute paths.
        paths: Vec<String>,
    },
    /// Remove these folders if empty, then their parents while empty.
    #[serde(rename_all = "camelCase")]
    DeleteEmptyFolders {
        /// Absolute paths.
        paths: Vec<String>,
    },
}

/// What the worker got for a request: the helper's answer as it came (`{ok: true, …}` or
/// `{ok: false, error: {code, message}}`), or `{failed: "<why>"}` when the helper could not
/// be reached at all (not installed, crashed, not allowed). Read leniently from a
/// [`Value`], field by field: whatever else an answer holds is ignored (and a derived
/// reader would cost the WASM several KB more).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Value")]
pub struct Reply {
    /// The helper did it.
    pub ok: bool,
    /// Why the helper could not be asked (set by the worker, never by the helper).
    pub failed: Option<String>,
    /// Why the helper did not do it.
    pub error: Option<ReplyError>,
    /// `move`: where the file is now.
    pub path: Option<String>,
    /// `unpack`: the folder it unpacked into.
    pub folder: Option<String>,
    /// `unpack`: files written.
    pub files: Option<u64>,
    /// `unpack`: entries skipped (links, devices, …).
    pub skipped: Option<u64>,
    /// `delete`: one result per path.
    pub results: Vec<Deleted>,
}

/// The helper's error: a code (`refused`, `outsideRoots`, `notFound`, `io`, …) and a
/// sentence naming the path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyError {
    /// camelCase code.
    pub code: String,
    /// For humans.
    pub message: String,
}

/// One path of a `delete` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// The path asked for.
    pub path: String,
    /// Whether it is deleted.
    pub deleted: bool,
    /// Why not.
    pub error: Option<ReplyError>,
}

impl From<Value> for Reply {
    fn from(v: Value) -> Reply {
        let text = |v: &Value, key| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key| v.get(key).and_then(Value::as_u64);
        let error = |v: &Value| {
            v.get("error").filter(|e| !e.is_null()).map(|e| ReplyError {
                code: text(e, "code").unwrap_or_default(),
                message: text(e, "message").unwrap_or_default(),
            })
        };
        let results = v.get("results").and_then(Value::as_array);
        Reply {
            ok: v.get("ok").and_then(Value::as_bool) == Some(true),
            failed: text(&v, "failed"),
            error: error(&v),
            path: text(&v, "path"),
            folder: text(&v, "folder"),
            files: number("files"),
            skipped: number("skipped"),
            results: results.map_or(Vec::new(), |list| {
                list.iter()
                    .map(|r| Deleted {
                        path: text(r, "path").unwrap_or_default(),
                        deleted: r.get("deleted").and_then(Value::as_bool) == Some(true),
                        error: error(r),
                    })
                    .collect()
            }),
        }
    }
}

impl Reply {
    /// Why the request was not done, `None` when it was: the helper's refusal or error,
    /// or that it could not be asked.
    pub fn problem(&self) -> Option<(State, String)> {
        if let Some(why) = &self.failed {
            return Some((State::Failed, why.clone()));
        }
        match (&self.error, self.ok) {
            (Some(e), _) if e.code == "refused" => Some((State::Refused, e.message.clone())),
            (Some(e), _) => Some((State::Failed, error_text(e))),
            (None, false) => Some((State::Failed, "the helper did not say it did it".into())),
            (None, true) => None,
        }
    }
}

/// The message of an error, or its code when it has none.
pub fn error_text(e: &ReplyError) -> String {
    if e.message.is_empty() {
        e.code.clone()
    } else {
        e.message.clone()
    }
}

/// Where the helper's work on a file ended so far (the last step's outcome).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Moved to [`Done::path`] (an unpack may follow).
    Moved,
    /// Unpacked into [`Done::folder`] (moved first when [`Done::path`] is set).
    Unpacked,
    /// The helper refused to unpack it (a limit, a corrupt archive): [`Done::reason`].
    Refused,
    /// The helper failed or could not be asked: [`Done::reason`].
    Failed,
}

/// What the helper did with a file: stored with its record and shown in the popup's
/// history ("unpacked 12 files", "moved to …", "refused: …", "helper failed: …"). Read
/// back from storage field by field, like [`Reply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "Value")]
pub struct Done {
    /// The last step's outcome.
    pub state: State,
    /// Where the file was moved to (absolute), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The folder it was unpacked into (absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Files unpacked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// Entries skipped while unpacking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<u64>,
    /// Why it was refused or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TryFrom<Value> for Done {
    type Error = String;

    fn try_from(v: Value) -> Result<Done, String> {
        let text = |key| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key| v.get(key).and_then(Value::as_u64);
        let state = match v.get("state").and_then(Value::as_str) {
            Some("moved") => State::Moved,
            Some("unpacked") => State::Unpacked,
            Some("refused") => State::Refused,
            Some("failed") => State::Failed,
            _ => return Err("not a helper state".to_owned()),
        };
        Ok(Done {
            state,
            path: text("path"),
            folder: text("folder"),
            files: number("files"),
            skipped: number("skipped"),
            reason: text("reason"),
        })
    }
}

/// The helper's work on one file: what is to be done and what was done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    /// What the decision asked for.
    pub to_do: Option<AfterComplete>,
    /// What was done so far.
    pub done: Option<Done>,
}

impl Work {
    /// Where the helper moved the file, if it did.
    pub fn moved_to(&self) -> Option<&str> {
        self.done.as_ref().and_then(|d| d.path.as_deref())
    }

    /// The folder the helper unpacked the file into, if it did.
    pub fn unpacked_into(&self) -> Option<&str> {
        self.done.as_ref().and_then(|d| d.folder.as_deref())
    }

    /// Whether a step is left to do (a request [`Work::next`] would make).
    pub fn pending(&self) -> bool {
        self.next("").is_some()
    }

    /// The next request for the file the browser saved at `absolute`, `None` when the
    /// work is done (or ended in a refusal or failure).
    pub fn next(&self, absolute: &str) -> Option<Request> {
        let to_do = self.to_do.as_ref()?;
        match &self.done {
            None => match &to_do.move_to {
                Some(root) => Some(Request::Move {
                    path: absolute.to_owned(),
                    to: root.clone(),
                }),
                None => to_do.unpack.then(|| Request::Unpack {
                    path: absolute.to_owned(),
                }),
            },
            Some(Done {
                state: State::Moved,
                path: Some(moved),
                ..
            }) if to_do.unpack => Some(Request::Unpack {
                path: moved.clone(),
            }),
            Some(_) => None,
        }
    }

    /// Takes the `reply` to `request` (what [`Work::next`] said): what was done is updated.
    pub fn answered(&mut self, request: &Request, reply: &Reply) {
        let moved = self.moved_to().map(str::to_owned);
        let ended = |state, reason| Done {
            state,
            path: moved.clone(),
            folder: None,
            files: None,
            skipped: None,
            reason: Some(reason),
        };
        let done = match (reply.problem(), request) {
            (Some((state, reason)), _) => ended(state, reason),
            (None, Request::Move { to, .. }) => match &reply.path {
                // Retention deletes what is recorded here: only a path below the root.
                Some(path) if !below(path, to) => ended(
                    State::Failed,
                    format!("the helper moved it to {path}, not below {to}"),
                ),
                Some(path) => Done {
                    path: Some(path.clone()),
                    ..ended(State::Moved, String::new())
                },
                None => ended(
                    State::Failed,
                    "the helper did not say where it moved it".into(),
                ),
            },
            (None, Request::Unpack { .. }) => Done {
                folder: reply.folder.clone(),
                files: reply.files,
                skipped: reply.skipped,
                ..ended(State::Unpacked, String::new())
            },
            (None, Request::Delete { .. } | Request::DeleteEmptyFolders { .. }) => return,
        };
        self.done = Some(Done {
            reason: done.reason.filter(|r| !r.is_empty()),
            ..done
        });
    }
}

/// Whether `path` is below the folder `root` (no `.` or `..` on the way).
fn below(path: &str, root: &str) -> bool {
    let root = root.trim_end_matches(['/', '\\']);
    path.strip_prefix(root)
        .and_then(|rest| rest.strip_prefix(['/', '\\']))
        .is_some_and(|rest| {
            rest.split(['/', '\\'])
                .all(|c| !matches!(c, "" | "." | ".."))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn work(unpack: bool, move_to: Option<&str>) -> Work {
        Work {
            to_do: Some(AfterComplete {
                unpack,
                move_to: move_to.map(str::to_owned),
            }),
            done: None,
        }
    }

    fn reply(v: serde_json::Value) -> Reply {
        serde_json::from_value(v).expect("a reply")
    }

    /// Runs the work against `replies` (one per request, in order): the requests sent.
    fn run(w: &mut Work, replies: &[serde_json::Value]) -> Vec<serde_json::Value> {
        let mut sent = Vec::new();
        for r in replies {
            let request = w
                .next("/home/me/Downloads/zendesk/A/1/a.tgz")
                .expect("a step");
            sent.push(serde_json::to_value(&request).expect("json"));
            w.answered(&request, &reply(r.clone()));
        }
        assert_eq!(w.next("/home/me/Downloads/zendesk/A/1/a.tgz"), None, "done");
        sent
    }

    #[test]
    fn the_file_is_moved_first_then_unpacked_where_it_now_is() {
        let mut w = work(true, Some("/srv/c"));
        let sent = run(
            &mut w,
            &[
                json!({"ok": true, "path": "/srv/c/A/1/a.tgz"}),
                json!({"ok": true, "folder": "/srv/c/A/1/a", "files": 12, "bytes": 9, "skipped": 1, "entries": []}),
            ],
        );
        assert_eq!(
            sent,
            [
                json!({"type": "move", "path": "/home/me/Downloads/zendesk/A/1/a.tgz", "to": "/srv/c"}),
                json!({"type": "unpack", "path": "/srv/c/A/1/a.tgz"}),
            ]
        );
        assert_eq!(
            serde_json::to_value(&w.done).expect("json"),
            json!({"state": "unpacked", "path": "/srv/c/A/1/a.tgz", "folder": "/srv/c/A/1/a", "files": 12, "skipped": 1})
        );
    }

    #[test]
    fn only_what_is_asked_is_done() {
        let mut w = work(true, None);
        let sent = run(
            &mut w,
            &[json!({"ok": true, "folder": "/d/a", "files": 2, "skipped": 0})],
        );
        assert_eq!(
            sent,
            [json!({"type": "unpack", "path": "/home/me/Downloads/zendesk/A/1/a.tgz"})]
        );
        let mut w = work(false, Some("/srv/c"));
        run(&mut w, &[json!({"ok": true, "path": "/srv/c/A/1/a.tgz"})]);
        assert_eq!(
            serde_json::to_value(&w.done).expect("json"),
            json!({"state": "moved", "path": "/srv/c/A/1/a.tgz"})
        );
        assert_eq!(Work::default().next("/x"), None, "nothing to do");
    }

    #[test]
    fn a_refusal_or_failure_ends_the_work_and_keeps_where_the_file_is() {
        let mut w = work(true, Some("/srv/c"));
        run(
            &mut w,
            &[
                json!({"ok": true, "path": "/srv/c/A/1/a.tgz"}),
                json!({"ok": false, "error": {"code": "refused", "message": "more than 100000 entries"}}),
            ],
        );
        assert_eq!(
            serde_json::to_value(&w.done).expect("json"),
            json!({"state": "refused", "path": "/srv/c/A/1/a.tgz", "reason": "more than 100000 entries"})
        );
        let mut w = work(true, Some("/srv/c"));
        run(
            &mut w,
            &[json!({"failed": "Specified native messaging host not found."})],
        );
        assert_eq!(
            serde_json::to_value(&w.done).expect("json"),
            json!({"state": "failed", "reason": "Specified native messaging host not found."}),
            "not moved: the archive stays where the browser put it, and is not unpacked there"
        );
        let mut w = work(false, Some("/srv/c"));
        run(
            &mut w,
            &[json!({"ok": false, "error": {"code": "outsideRoots", "message": ""}})],
        );
        assert_eq!(w.done.map(|d| d.reason), Some(Some("outsideRoots".into())));
        for odd in [
            "/srv/c",
            "/srv/cx/a.tgz",
            "/srv/c/../a.tgz",
            "/home/a.tgz",
            "/srv/c//a",
        ] {
            let mut w = work(true, Some("/srv/c/"));
            run(&mut w, &[json!({"ok": true, "path": odd})]);
            assert_eq!(
                w.done.map(|d| (d.state, d.path)),
                Some((State::Failed, None)),
                "{odd}"
            );
        }
        let mut w = work(false, Some("/srv/c"));
        run(&mut w, &[json!({"ok": true})]);
        assert_eq!(
            w.done.map(|d| (d.state, d.reason)),
            Some((
                State::Failed,
                Some("the helper did not say where it moved it".into())
            ))
        );
    }
}
