//! What deleting a file came to, for the clean-up's report.
//!
//! [`crate::retention`] says which files are due; the shell then asks the browser to delete
//! each one the user confirmed (or the daily run picked) through the browser's download of
//! that very file, and this module says what the attempt came to: deleted, already gone,
//! kept, or not deleted and why. Whether the record goes ([`Outcome::removed`]) follows from
//! that: a file that is gone, by us or by the user, leaves the list; a file that could not be
//! deleted stays on it, so it is never forgotten while it is still on disk.

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
    /// The browser refused to delete it.
    Failed {
        /// The browser's words.
        error: String,
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
