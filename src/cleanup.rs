//! What deleting a file came to, for the clean-up's report.
//!
//! [`crate::retention`] says which files are due; the shell then asks the browser to delete
//! each one the user confirmed (or the daily run picked) through the browser's download of
//! that very file, and this module says what the attempt came to: deleted, already gone,
//! kept, or not deleted and why. Whether the record goes ([`Outcome::removed`]) follows from
//! that: a file that is gone, by us or by the user, leaves the list; a file that could not be
//! deleted stays on it, so it is never forgotten while it is still on disk.
//!
//! With the local helper ([`crate::helper`]) a file's deletion has more to it, planned by
//! [`plan`]: a file the helper moved out of Downloads is deleted through the helper (the
//! browser no longer knows where it is); with the setting `helperCleanup`, the helper also
//! deletes the folder the file was unpacked into and then the ticket and organization
//! folders left empty. Only paths the records hold are ever named. Without the helper, a
//! moved file is reported ([`Outcome::NeedsHelper`]) and stays on the list.

use crate::helper::{error_text, Reply, Request};
use crate::records::{FileRecord, RecordKey, State};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the shell found and did for one file it was asked to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// The review says the file is due (only due files are deleted).
    pub due: bool,
    /// The browser still lists the recorded file's download (by id or path, the same file).
    pub listed: bool,
    /// The browser says the file is on disk.
    pub exists: bool,
    /// The browser's error when it was asked to delete the file.
    #[serde(default)]
    pub remove_error: Option<String>,
    /// Where the local helper moved the file ([`Removal::moved`]).
    #[serde(default)]
    pub moved: Option<String>,
    /// What the helper answered to [`Removal::helper_delete`]; `None` when it was not asked.
    #[serde(default)]
    pub helper: Option<Reply>,
}

/// What one deletion came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    /// The file was deleted.
    Deleted,
    /// The file was not there any more (moved or deleted by the user).
    AlreadyGone,
    /// Not due (any more): kept. A page cannot make a file due early.
    NotDue,
    /// The browser no longer lists the download (its list was cleared, or the id now names
    /// another download): it cannot be deleted from the extension; the user deletes it by
    /// hand, then removes it from the list.
    NotListed,
    /// The browser or the local helper refused to delete it (or the unpacked folder).
    Failed {
        /// Their words.
        error: String,
    },
    /// The local helper moved the file out of Downloads and is not there to delete it:
    /// kept on the list; the user deletes it by hand, or installs the helper again.
    NeedsHelper {
        /// Where the file is.
        path: String,
    },
}

impl Outcome {
    /// What `attempt` came to.
    ///
    /// Firefox does not notice files deleted outside the browser (`exists` stays true) and
    /// then refuses with "Could not remove download id N because the file doesn't exist":
    /// that refusal means the file is already gone.
    pub fn of(attempt: &Attempt) -> Outcome {
        if !attempt.due {
            return Outcome::NotDue;
        }
        let file = match (&attempt.moved, &attempt.helper) {
            (Some(path), None) => Outcome::NeedsHelper { path: path.clone() },
            (Some(path), Some(reply)) => Outcome::of_helper(reply, path),
            (None, _) => Outcome::of_browser(attempt),
        };
        let folder_kept = attempt.helper.as_ref().and_then(|reply| {
            let others = reply
                .results
                .iter()
                .filter(|r| Some(&r.path) != attempt.moved.as_ref());
            let kept = others
                .filter(|r| !r.deleted && r.error.as_ref().is_none_or(|e| e.code != "notFound"));
            let kept = kept.map(|r| match &r.error {
                Some(e) => format!("{} was not deleted: {}", r.path, error_text(e)),
                None => format!("{} was not deleted", r.path),
            });
            let problem = reply
                .problem()
                .map(|(_, why)| format!("the local helper failed: {why}"));
            kept.chain(problem).next()
        });
        match folder_kept {
            Some(error) if file.removed() => Outcome::Failed { error },
            _ => file,
        }
    }

    /// What the helper's answer to deleting the moved file at `path` came to.
    fn of_helper(reply: &Reply, path: &str) -> Outcome {
        if let Some((_, why)) = reply.problem() {
            return Outcome::Failed {
                error: format!("the local helper failed: {why}"),
            };
        }
        match reply.results.iter().find(|r| r.path == path) {
            Some(r) if r.deleted => Outcome::Deleted,
            Some(r) => match &r.error {
                Some(e) if e.code == "notFound" => Outcome::AlreadyGone,
                Some(e) => Outcome::Failed {
                    error: error_text(e),
                },
                None => Outcome::Failed {
                    error: "the local helper did not delete it".into(),
                },
            },
            None => Outcome::Failed {
                error: "the local helper did not answer for it".into(),
            },
        }
    }

    /// What the browser's attempt came to.
    fn of_browser(attempt: &Attempt) -> Outcome {
        if !attempt.listed {
            return Outcome::NotListed;
        }
        match &attempt.remove_error {
            _ if !attempt.exists => Outcome::AlreadyGone,
            None => Outcome::Deleted,
            Some(e) if says_file_is_missing(e) => Outcome::AlreadyGone,
            Some(e) => Outcome::Failed { error: e.clone() },
        }
    }

    /// The file is gone: its record is forgotten and the browser's download entry erased.
    pub fn removed(&self) -> bool {
        matches!(self, Outcome::Deleted | Outcome::AlreadyGone)
    }
}

/// What one deletion came to, with what follows for its record: the clean-up's answer per file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deletion {
    /// What it came to.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// [`Outcome::removed`].
    pub removed: bool,
}

impl Deletion {
    /// What `attempt` came to, and whether its record goes.
    pub fn of(attempt: &Attempt) -> Deletion {
        let outcome = Outcome::of(attempt);
        Deletion {
            removed: outcome.removed(),
            outcome,
        }
    }
}

/// How one due file is deleted: `{key, browser, moved?, helperDelete?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Removal {
    /// The record.
    pub key: RecordKey,
    /// Through the browser's download of the file, as without the helper (not for a file
    /// the helper moved: the browser no longer knows where it is).
    pub browser: bool,
    /// Where the helper moved the file (pass it back in the [`Attempt`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<String>,
    /// What the helper deletes, after the browser: the moved file, the unpacked folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helper_delete: Option<Request>,
}

/// The clean-up's plan for the files it deletes: each file's [`Removal`], then `prune`,
/// the helper's `deleteEmptyFolders` of their folders (it removes only empty ones, and
/// never a root), to send once every file is deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// One per file, in the order given.
    pub files: Vec<Removal>,
    /// The folders to remove if empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune: Option<Request>,
}

/// How to delete `files`, with the local helper there (`helper`) or not, and the setting
/// `helperCleanup` (`cleanup`).
pub fn plan(files: &[&FileRecord], helper: bool, cleanup: bool) -> Plan {
    let mut folders: Vec<String> = Vec::new();
    let files = files
        .iter()
        .map(|file| {
            let moved = file.helper.moved_to();
            let at = moved.or(match &file.state {
                State::Complete { absolute, .. } => absolute.as_deref(),
                _ => None,
            });
            let folder = at.and_then(|p| p.rfind(['/', '\\']).map(|i| &p[..i]));
            // The unpacked folder is deleted recursively: only one beside the file, never
            // whatever else an answer might have named.
            let beside = |f: &&str| {
                folder.is_some_and(|d| {
                    f.strip_prefix(d)
                        .and_then(|rest| rest.strip_prefix(['/', '\\']))
                        .is_some_and(|name| {
                            !matches!(name, "" | "." | "..") && !name.contains(['/', '\\'])
                        })
                })
            };
            let unpacked = file
                .helper
                .unpacked_into()
                .filter(|_| cleanup)
                .filter(beside);
            let paths: Vec<String> = moved
                .into_iter()
                .chain(unpacked)
                .map(str::to_owned)
                .collect();
            if let Some(folder) = folder.filter(|f| helper && cleanup && !f.is_empty()) {
                if !folders.iter().any(|f| f == folder) {
                    folders.push(folder.to_owned());
                }
            }
            Removal {
                key: file.key(),
                browser: moved.is_none(),
                moved: moved.map(str::to_owned),
                helper_delete: (helper && !paths.is_empty()).then_some(Request::Delete { paths }),
            }
        })
        .collect();
    Plan {
        files,
        prune: (!folders.is_empty()).then_some(Request::DeleteEmptyFolders { paths: folders }),
    }
}

fn says_file_is_missing(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    error.contains("doesn't exist") || error.contains("does not exist")
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Deleted => f.write_str("deleted"),
            Outcome::AlreadyGone => f.write_str("already moved or deleted by you"),
            Outcome::NotDue => f.write_str("not due: kept"),
            Outcome::NotListed => f.write_str(
                "not deleted: the browser no longer lists this download; \
                 delete it by hand, then remove it from the list",
            ),
            Outcome::Failed { error } => write!(f, "not deleted: {error}"),
            Outcome::NeedsHelper { path } => write!(
                f,
                "not deleted: the local helper moved it to {path} and is not there to delete it; \
                 delete it by hand, then remove it from the list"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(due: bool, listed: bool, exists: bool, error: Option<&str>) -> Attempt {
        Attempt {
            due,
            listed,
            exists,
            remove_error: error.map(str::to_owned),
            ..Attempt::default()
        }
    }

    #[test]
    fn a_due_listed_file_the_browser_deletes_is_deleted_and_removed() {
        let o = Outcome::of(&attempt(true, true, true, None));
        assert_eq!((o.clone(), o.removed()), (Outcome::Deleted, true));
    }

    #[test]
    fn a_file_not_due_is_kept_whatever_the_browser_says() {
        let o = Outcome::of(&attempt(false, true, true, None));
        assert_eq!((o.clone(), o.removed()), (Outcome::NotDue, false));
        assert_eq!(o.to_string(), "not due: kept");
    }

    #[test]
    fn a_download_the_browser_no_longer_lists_stays_on_the_list() {
        let o = Outcome::of(&attempt(true, false, false, None));
        assert_eq!((o.clone(), o.removed()), (Outcome::NotListed, false));
        assert!(o
            .to_string()
            .starts_with("not deleted: the browser no longer lists"));
    }

    #[test]
    fn a_file_the_browser_says_is_not_on_disk_is_already_gone() {
        let o = Outcome::of(&attempt(true, true, false, None));
        assert_eq!((o.clone(), o.removed()), (Outcome::AlreadyGone, true));
    }

    #[test]
    fn firefoxs_refusal_for_a_missing_file_means_already_gone() {
        let error = "Could not remove download id 7 because the file doesn't exist";
        assert_eq!(
            Outcome::of(&attempt(true, true, true, Some(error))),
            Outcome::AlreadyGone
        );
        let error = "The file does NOT exist";
        assert_eq!(
            Outcome::of(&attempt(true, true, true, Some(error))),
            Outcome::AlreadyGone
        );
    }

    #[test]
    fn any_other_refusal_keeps_the_file_on_the_list_with_the_browsers_words() {
        let o = Outcome::of(&attempt(true, true, true, Some("Permission denied")));
        assert!(!o.removed());
        assert_eq!(o.to_string(), "not deleted: Permission denied");
    }

    /// A complete routed file of ticket 4711 downloaded to `/dl/zendesk/A/4711/a.tgz`, with
    /// what the helper did (`helper`, as stored).
    fn record(id: u64, helper: serde_json::Value) -> FileRecord {
        serde_json::from_value(serde_json::json!({
            "downloadId": id, "timeMs": 1000.0, "route": "routed", "source": "tokenIndex",
            "requested": "zendesk/A/4711/a.tgz", "state": "complete", "path": "zendesk/A/4711/a.tgz",
            "absolute": "/dl/zendesk/A/4711/a.tgz", "helper": helper,
        }))
        .expect("a stored record")
    }

    fn plan_json(files: &[FileRecord], helper: bool, cleanup: bool) -> serde_json::Value {
        let files: Vec<&FileRecord> = files.iter().collect();
        serde_json::to_value(plan(&files, helper, cleanup)).expect("json")
    }

    #[test]
    fn with_the_helper_and_helper_cleanup_the_moved_file_its_folder_and_the_emptied_folders_go() {
        let moved = record(
            1,
            serde_json::json!({"state": "unpacked", "path": "/srv/c/A/4711/a.tgz", "folder": "/srv/c/A/4711/a", "files": 3}),
        );
        let here = record(
            2,
            serde_json::json!({"state": "unpacked", "folder": "/dl/zendesk/A/4711/a", "files": 3}),
        );
        let plain = record(3, serde_json::Value::Null);
        assert_eq!(
            plan_json(&[moved.clone(), here.clone(), plain.clone()], true, true),
            serde_json::json!({
                "files": [
                    {"key": "1000-1", "browser": false, "moved": "/srv/c/A/4711/a.tgz",
                     "helperDelete": {"type": "delete", "paths": ["/srv/c/A/4711/a.tgz", "/srv/c/A/4711/a"]}},
                    {"key": "1000-2", "browser": true,
                     "helperDelete": {"type": "delete", "paths": ["/dl/zendesk/A/4711/a"]}},
                    {"key": "1000-3", "browser": true},
                ],
                "prune": {"type": "deleteEmptyFolders", "paths": ["/srv/c/A/4711", "/dl/zendesk/A/4711"]}
            })
        );
        assert_eq!(
            plan_json(&[moved.clone(), here.clone()], true, false),
            serde_json::json!({"files": [
                {"key": "1000-1", "browser": false, "moved": "/srv/c/A/4711/a.tgz",
                 "helperDelete": {"type": "delete", "paths": ["/srv/c/A/4711/a.tgz"]}},
                {"key": "1000-2", "browser": true},
            ]}),
            "without helperCleanup: the moved file (retention is due to delete it), no folders"
        );
        assert_eq!(
            plan_json(&[moved, here], false, true),
            serde_json::json!({"files": [
                {"key": "1000-1", "browser": false, "moved": "/srv/c/A/4711/a.tgz"},
                {"key": "1000-2", "browser": true},
            ]}),
            "without the helper: as today, and the moved file is only named"
        );
    }

    #[test]
    fn only_an_unpacked_folder_beside_the_file_is_ever_deleted() {
        for folder in [
            "/",
            "/dl/zendesk",
            "/dl/zendesk/A/4711",
            "/dl/zendesk/A/4711/a/b",
            "/etc/a",
            "/dl/zendesk/A/4711/../x",
        ] {
            let odd = record(
                1,
                serde_json::json!({"state": "unpacked", "folder": folder, "files": 1}),
            );
            assert_eq!(
                plan_json(&[odd], true, true)["files"][0].get("helperDelete"),
                None,
                "{folder}"
            );
        }
    }

    fn helper_attempt(moved: Option<&str>, reply: Option<serde_json::Value>) -> Attempt {
        Attempt {
            moved: moved.map(str::to_owned),
            helper: reply.map(|r| serde_json::from_value(r).expect("reply")),
            ..attempt(true, false, false, None)
        }
    }

    #[test]
    fn a_moved_file_without_the_helper_is_reported_and_stays_on_the_list() {
        let o = Outcome::of(&helper_attempt(Some("/srv/c/A/4711/a.tgz"), None));
        assert!(!o.removed());
        assert_eq!(
            serde_json::to_value(&o).expect("json"),
            serde_json::json!({"outcome": "needsHelper", "path": "/srv/c/A/4711/a.tgz"})
        );
        assert!(
            o.to_string().contains("moved it to /srv/c/A/4711/a.tgz"),
            "{o}"
        );
    }

    #[test]
    fn the_helpers_answer_decides_a_moved_files_outcome_and_a_kept_folder_keeps_the_record() {
        let moved = Some("/srv/c/a.tgz");
        let answer =
            |results: serde_json::Value| Some(serde_json::json!({"ok": true, "results": results}));
        let outcome = |moved, reply| Outcome::of(&helper_attempt(moved, reply));
        assert_eq!(
            outcome(
                moved,
                answer(
                    serde_json::json!([{"path": "/srv/c/a.tgz", "deleted": true}, {"path": "/srv/c/a", "deleted": true}])
                )
            ),
            Outcome::Deleted
        );
        assert_eq!(
            outcome(
                moved,
                answer(
                    serde_json::json!([{"path": "/srv/c/a.tgz", "deleted": false, "error": {"code": "notFound", "message": "gone"}}])
                )
            ),
            Outcome::AlreadyGone
        );
        assert_eq!(
            outcome(
                moved,
                answer(
                    serde_json::json!([{"path": "/srv/c/a.tgz", "deleted": false, "error": {"code": "io", "message": "/srv/c/a.tgz: permission denied"}}])
                )
            ),
            Outcome::Failed {
                error: "/srv/c/a.tgz: permission denied".into()
            }
        );
        let folder_kept = outcome(
            moved,
            answer(
                serde_json::json!([{"path": "/srv/c/a.tgz", "deleted": true}, {"path": "/srv/c/a", "deleted": false, "error": {"code": "io", "message": "busy"}}]),
            ),
        );
        assert_eq!(
            folder_kept,
            Outcome::Failed {
                error: "/srv/c/a was not deleted: busy".into()
            }
        );
        assert!(
            !folder_kept.removed(),
            "kept on the list: the folder is tried again next time"
        );
        let unreachable = Some(
            serde_json::json!({"ok": false, "error": {"code": "noHelper", "message": "not found"}}),
        );
        assert_eq!(
            outcome(moved, unreachable.clone()),
            Outcome::Failed {
                error: "the local helper failed: not found".into()
            }
        );
        let browser_deleted = Attempt {
            helper: unreachable.map(|r| serde_json::from_value(r).expect("reply")),
            ..attempt(true, true, true, None)
        };
        assert_eq!(
            Outcome::of(&browser_deleted),
            Outcome::Failed {
                error: "the local helper failed: not found".into()
            },
            "the file went through the browser, its unpacked folder did not"
        );
    }

    #[test]
    fn outcomes_serialize_as_a_tag_with_the_error_beside_it() {
        let json = serde_json::to_value(Outcome::Failed {
            error: "busy".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "failed", "error": "busy"})
        );
        let json = serde_json::to_value(Outcome::AlreadyGone).unwrap();
        assert_eq!(json, serde_json::json!({"outcome": "alreadyGone"}));
    }

    #[test]
    fn a_deletion_carries_its_outcome_and_whether_the_record_goes() {
        let json = serde_json::to_value(Deletion::of(&attempt(true, true, true, None))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "deleted", "removed": true})
        );
        let refused = Deletion::of(&attempt(true, true, true, Some("busy")));
        let json = serde_json::to_value(refused).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "failed", "error": "busy", "removed": false})
        );
    }
}
