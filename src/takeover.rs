//! Firefox's take-over of a download it could not name.
//!
//! Firefox has no `onDeterminingFilename`: a Zendesk download the content script did not
//! intercept (a "Save Link As…", a page script's download) is already under way with the
//! browser's own name when the extension hears of it. The extension starts a routed copy
//! and, once that copy is safely on disk, removes the browser's copy. The browser's copy
//! is the customer's file until then: it is never cancelled or removed before the routed
//! copy is complete with the same size, and if the routed copy fails it stays where the
//! browser put it. Nothing is retried: one routed attempt per take-over.
//!
//! ```text
//!   routed \ original   in progress        complete               failed / gone
//!   in progress         wait               wait                   wait
//!   complete            cancel original    remove original        done
//!                                          (if sizes agree)
//!   failed              wait               keep original          keep original
//! ```

use serde::{Deserialize, Serialize};

/// What the browser says about one of the two downloads; read from a flat object
/// (`{state: "inProgress"}`, `{state: "complete", bytes}`, `{state: "failed", reason}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Report")]
pub enum Download {
    /// Still downloading.
    InProgress,
    /// On disk, with its size when the browser said.
    Complete {
        /// Bytes on disk.
        bytes: Option<u64>,
    },
    /// Interrupted, refused, or no longer in the browser's list.
    Failed {
        /// Why (the browser's error, or the refusal).
        reason: String,
    },
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Report {
    state: String,
    bytes: Option<u64>,
    reason: Option<String>,
}

impl TryFrom<Report> for Download {
    type Error = String;

    fn try_from(r: Report) -> Result<Download, String> {
        Ok(match r.state.as_str() {
            "inProgress" => Download::InProgress,
            "complete" => Download::Complete { bytes: r.bytes },
            "failed" => Download::Failed {
                reason: r.reason.unwrap_or_else(|| "failed".into()),
            },
            other => return Err(format!("unknown download state {other:?}")),
        })
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum Step {
    /// Nothing yet: wait for the next change of either download.
    Wait,
    /// The routed copy is complete: delete the browser's complete copy and erase it from
    /// the list.
    RemoveOriginal,
    /// The routed copy is complete while the browser's is not: cancel it (which deletes
    /// its partial data) and erase it from the list.
    CancelOriginal,
    /// The routed copy is complete and the browser's own failed: nothing left to do.
    Done,
    /// Keep the browser's copy where it is; the take-over ends.
    #[serde(rename_all = "camelCase")]
    KeepOriginal {
        /// For the history: `kept unrouted: <reason>`.
        reason: String,
    },
}

/// The next step of a take-over, from the states of the browser's download (`original`)
/// and the routed copy (`routed`).
pub fn next(original: &Download, routed: &Download) -> Step {
    use Download::{Complete, Failed, InProgress};
    match (routed, original) {
        (InProgress, _) => Step::Wait,
        (Complete { .. }, InProgress) => Step::CancelOriginal,
        (Complete { bytes: r }, Complete { bytes: o }) => match (r, o) {
            (Some(r), Some(o)) if r == o => Step::RemoveOriginal,
            (Some(r), Some(o)) => Step::KeepOriginal {
                reason: format!("the routed copy has {r} bytes, the browser's {o}"),
            },
            _ => Step::KeepOriginal {
                reason: "the size of the routed copy could not be compared".into(),
            },
        },
        (Complete { .. }, Failed { .. }) => Step::Done,
        (Failed { .. }, InProgress) => Step::Wait,
        (Failed { reason }, _) => Step::KeepOriginal {
            reason: format!("the routed download failed ({reason})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Download::{Complete, Failed, InProgress};

    fn done(bytes: u64) -> Download {
        Complete { bytes: Some(bytes) }
    }

    fn failed() -> Download {
        Failed {
            reason: "NETWORK_FAILED".into(),
        }
    }

    #[test]
    fn the_original_is_removed_only_after_a_complete_routed_copy_of_the_same_size() {
        assert_eq!(next(&done(10), &InProgress), Step::Wait);
        assert_eq!(next(&done(10), &done(10)), Step::RemoveOriginal);
        assert!(matches!(
            next(&done(10), &done(9)),
            Step::KeepOriginal { .. }
        ));
        assert!(matches!(
            next(&done(10), &Complete { bytes: None }),
            Step::KeepOriginal { .. }
        ));
    }

    #[test]
    fn a_failed_routed_copy_keeps_the_original_and_says_why() {
        assert_eq!(next(&InProgress, &failed()), Step::Wait);
        assert_eq!(
            next(&done(10), &failed()),
            Step::KeepOriginal {
                reason: "the routed download failed (NETWORK_FAILED)".into()
            }
        );
    }

    #[test]
    fn an_unfinished_original_is_cancelled_once_the_routed_copy_is_complete() {
        assert_eq!(next(&InProgress, &done(10)), Step::CancelOriginal);
        assert_eq!(next(&failed(), &done(10)), Step::Done);
    }

    #[test]
    fn no_state_pair_removes_the_original_without_a_complete_routed_copy() {
        let states = [
            InProgress,
            done(10),
            done(9),
            Complete { bytes: None },
            failed(),
        ];
        for original in &states {
            for routed in &states {
                let step = next(original, routed);
                if matches!(step, Step::RemoveOriginal | Step::CancelOriginal) {
                    assert!(matches!(routed, Complete { .. }), "{original:?} {routed:?}");
                }
                if step == Step::RemoveOriginal {
                    assert_eq!(routed, original, "same size");
                }
            }
        }
    }
}
