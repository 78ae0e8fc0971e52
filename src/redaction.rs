//! Redacted or deleted attachments: which routed files Zendesk no longer serves as they were.
//!
//! An agent redacts an attachment (Zendesk replaces it in its comment by an empty
//! `redacted.txt`: "Redact Comment Attachment", `PUT /api/v2/tickets/{ticket_id}/comments/
//! {comment_id}/attachments/{attachment_id}/redact`) or deletes it (the comments API then
//! lists it with `deleted: true`), usually because the customer sent something they should
//! not have. A copy on a laptop defeats that, so the clean-up reads each ticket's comments
//! (one walk per ticket per review, through an agent tab) and finds, for every routed
//! attachment of the ticket, whether its token is:
//!
//! - listed as an empty `redacted.txt`: **redacted**;
//! - listed with `deleted: true`: **deleted**;
//! - not listed at all in a complete walk: **gone** — redacted into a new token, deleted, or
//!   its comment removed. Only concluded for a file whose ticket came from the token index
//!   (the token was seen with that ticket); a file filed by the page it was clicked on
//!   (referrer) may be another ticket's attachment linked from a comment, and is kept.
//!
//! A walk that fails — an HTTP error, signed out, a truncated walk, an attachment whose URL
//! has no token — decides nothing: the ticket's files are kept and reported. That includes a
//! `404`: for an agent a deleted ticket and one moved out of their reach look the same, so
//! the user deletes such files by hand. With no agent tab of the instance open nothing is
//! walked, and the files are kept without a word. An answer that is not comment pages at all
//! fails the whole review, as a malformed status answer does: nothing is deleted.
//! (Reading each ticket's answer leniently would cost 6 KB of gzipped WASM.)

use crate::records::{FileRecord, Route};
use crate::router::Source;
use crate::tickets::TicketRef;
use crate::zendesk::{CommentsResponse, Token};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;

/// The name Zendesk gives the empty file that replaces a redacted attachment.
pub const REDACTED_FILE_NAME: &str = "redacted.txt";

/// Why a routed attachment is no longer served as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Replaced by an empty `redacted.txt`.
    Redacted,
    /// Listed as deleted.
    Deleted,
    /// No longer listed in the ticket's comments.
    NotListed,
}

/// What a complete walk of a ticket's comments lists: every attachment token, and whether
/// it is still served as uploaded (`None`) or was redacted or deleted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing(HashMap<Token, Option<Gone>>);

impl Listing {
    /// From all comment pages of a ticket, first to last. A walk that stopped before the
    /// last page, or an attachment without a token URL, makes "not listed" unsafe to
    /// conclude: an error.
    pub fn of_pages(pages: &[CommentsResponse]) -> Result<Listing, String> {
        if pages.last().is_none_or(|p| p.next_page.is_some()) {
            return Err("not all comment pages were read".into());
        }
        let mut tokens = HashMap::new();
        for a in pages
            .iter()
            .flat_map(|p| &p.comments)
            .flat_map(|c| &c.attachments)
        {
            let token = a
                .token()
                .ok_or_else(|| format!("attachment {} has no token link", a.id))?;
            let state = if a.deleted {
                Some(Gone::Deleted)
            } else if a.file_name == REDACTED_FILE_NAME && a.size == Some(0) {
                Some(Gone::Redacted)
            } else {
                None
            };
            tokens.insert(token, state);
        }
        Ok(Listing(tokens))
    }

    /// Whether `file`'s attachment is gone from this (its ticket's) listing, and why.
    pub fn gone(&self, file: &FileRecord) -> Option<Gone> {
        let token = &file.attachment.as_ref()?.token;
        match self.0.get(token) {
            Some(state) => *state,
            None if from_token_index(file) => Some(Gone::NotListed),
            None => None,
        }
    }
}

fn from_token_index(file: &FileRecord) -> bool {
    matches!(
        file.route,
        Route::Routed {
            source: Source::TokenIndex,
            ..
        }
    )
}

/// The tickets whose comments the clean-up must walk: those of retained routed
/// attachments, when the policy deletes redacted ones.
pub fn tickets_to_walk(files: &[&FileRecord], enabled: bool) -> Vec<TicketRef> {
    if !enabled {
        return Vec::new();
    }
    let mut tickets: Vec<TicketRef> = files
        .iter()
        .filter(|f| f.attachment.is_some())
        .filter_map(|f| f.ticket.clone())
        .collect();
    tickets.sort_by(|a, b| (&a.instance, a.id).cmp(&(&b.instance, b.id)));
    tickets.dedup();
    tickets
}

/// What the browser side got when it walked one ticket's comments for the clean-up
/// (`{ticket, comments?, error?, noTab?}`): the comment pages, or the error it met instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentsAnswer {
    /// The ticket walked.
    pub ticket: TicketRef,
    /// [`COMMENTS_API`](crate::zendesk::COMMENTS_API) (inline images listed) and its next pages.
    #[serde(default)]
    pub comments: Option<Vec<CommentsResponse>>,
    /// What went wrong (`HTTP 404`, signed out, no agent tab open).
    #[serde(default)]
    pub error: Option<String>,
    /// No agent tab of the instance was open: nothing was asked.
    #[serde(default)]
    pub no_tab: bool,
}

impl CommentsAnswer {
    /// The ticket's listing, or why there is none; `None` when nothing was asked (no agent
    /// tab of the instance open): the ticket's files are then kept without a word, or every
    /// review without a Zendesk tab would list every file as unchecked.
    pub fn listing(self) -> Option<(TicketRef, Result<Listing, String>)> {
        if self.no_tab {
            return None;
        }
        let listing = match (self.comments, self.error) {
            (_, Some(error)) => Err(error),
            (None, None) => Err("neither an answer nor an error came back".into()),
            (Some(pages), None) => Listing::of_pages(&pages),
        };
        Some((self.ticket, listing))
    }
}

impl fmt::Display for Gone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gone::Redacted => "attachment redacted in Zendesk",
            Gone::Deleted => "attachment deleted in Zendesk",
            Gone::NotListed => {
                "attachment no longer in its comments (redacted, deleted or its comment removed in Zendesk)"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{AttachmentKey, State};
    use crate::retention::{review_answers, Policy, Verdict};
    use crate::zendesk::{Instance, TicketId};
    use serde_json::json;

    const REDACTED: &str = include_str!("../tests/fixtures/api/comments_redacted.json");
    const FIRST_OF_TWO_PAGES: &str = include_str!("../tests/fixtures/api/comments_page1.json");

    fn ticket(id: u64) -> TicketRef {
        TicketRef {
            instance: Instance::new("acme"),
            id: TicketId(id),
        }
    }

    /// A routed attachment of `ticket_id` with `token`, filed by `source`, downloaded now.
    fn file(download_id: u64, ticket_id: u64, token: Option<&str>, source: Source) -> FileRecord {
        let path = format!("zendesk/ACME Corp/{ticket_id}/{download_id}.log");
        FileRecord {
            download_id,
            time_ms: 0.0,
            ticket: Some(ticket(ticket_id)),
            organization: None,
            attachment: token.map(|t| AttachmentKey {
                instance: Instance::new("acme"),
                token: Token::parse(t).expect("token"),
            }),
            url: None,
            route: Route::Routed {
                requested: path.clone(),
                source,
                note: None,
            },
            helper: Default::default(),
            state: State::Complete {
                path,
                absolute: None,
                bytes: None,
            },
        }
    }

    fn pages(json: &[&str]) -> Vec<CommentsResponse> {
        json.iter()
            .map(|j| serde_json::from_str(j).expect("fixture"))
            .collect()
    }

    #[test]
    fn redacted_deleted_and_vanished_attachments_are_gone_an_unchanged_one_is_not() {
        let listing = Listing::of_pages(&pages(&[REDACTED])).expect("a complete walk");
        let cases = [
            ("Tk4711a", Source::TokenIndex, Some(Gone::Redacted)),
            ("Tk4711a", Source::Referrer, Some(Gone::Redacted)),
            ("Tk4711b", Source::TokenIndex, Some(Gone::Deleted)),
            // Empty, but under its own name: not redacted.
            ("Tk4711c", Source::TokenIndex, None),
            ("Tk4711d", Source::TokenIndex, Some(Gone::NotListed)),
            // Filed by the page it was clicked on: maybe another ticket's attachment.
            ("Tk4711d", Source::Referrer, None),
        ];
        for (token, source, want) in cases {
            let f = file(1, 4711, Some(token), source);
            assert_eq!(listing.gone(&f), want, "{token} {source:?}");
        }
        assert_eq!(listing.gone(&file(1, 4711, None, Source::TokenIndex)), None);
    }

    #[test]
    fn a_walk_that_stopped_before_the_last_page_decides_nothing() {
        let err = Listing::of_pages(&pages(&[FIRST_OF_TWO_PAGES])).expect_err("next_page set");
        assert_eq!(err, "not all comment pages were read");
        assert!(Listing::of_pages(&[]).is_err(), "no page at all");
        let two = Listing::of_pages(&pages(&[FIRST_OF_TWO_PAGES, REDACTED])).expect("walked");
        let vanished = file(1, 4711, Some("Tk4711z"), Source::TokenIndex);
        assert_eq!(two.gone(&vanished), Some(Gone::NotListed));
    }

    #[test]
    fn an_attachment_without_a_token_link_makes_not_listed_unsafe() {
        let mut page: serde_json::Value = serde_json::from_str(REDACTED).expect("fixture");
        page["comments"][2]["attachments"][0]["content_url"] =
            json!("https://acme.zendesk.com/elsewhere");
        let page: CommentsResponse = serde_json::from_value(page).expect("page");
        assert_eq!(
            Listing::of_pages(&[page]),
            Err("attachment 7003 has no token link".into())
        );
    }

    #[test]
    fn only_tickets_of_routed_attachments_are_walked_and_only_when_asked() {
        let files = [
            file(1, 4711, Some("Tk4711a"), Source::TokenIndex),
            file(2, 4711, Some("Tk4711b"), Source::TokenIndex),
            file(3, 5, None, Source::TokenIndex),
            file(4, 6, Some("Tk6"), Source::Referrer),
        ];
        let refs: Vec<&FileRecord> = files.iter().collect();
        assert_eq!(tickets_to_walk(&refs, true), [ticket(6), ticket(4711)]);
        assert!(tickets_to_walk(&refs, false).is_empty());
    }

    /// The clean-up's review as the worker asks for it: `{ticket, comments?, error?}` answers.
    fn review(files: &[FileRecord], answers: serde_json::Value, policy: Policy) -> Vec<String> {
        let answers = serde_json::from_value(answers).expect("answers as the worker sends them");
        let refs: Vec<&FileRecord> = files.iter().collect();
        review_answers(&refs, Vec::new(), answers, policy, 0.0)
            .into_iter()
            .map(|r| match r.verdict {
                Verdict::Delete { reason } => format!("delete: {reason}"),
                Verdict::Keep => "keep".to_owned(),
                Verdict::KeepUnknown { reason } => format!("unknown: {reason}"),
            })
            .collect()
    }

    #[test]
    fn the_review_deletes_redacted_files_with_their_reason_and_keeps_what_it_cannot_check() {
        let redacted: serde_json::Value = serde_json::from_str(REDACTED).expect("fixture");
        let files = [
            file(1, 4711, Some("Tk4711a"), Source::TokenIndex),
            file(2, 4711, Some("Tk4711b"), Source::TokenIndex),
            file(3, 4711, Some("Tk4711c"), Source::TokenIndex),
            file(4, 4711, Some("Tk4711d"), Source::TokenIndex),
            file(5, 5, Some("Tk5"), Source::TokenIndex),
            file(7, 7, Some("Tk7"), Source::TokenIndex),
            file(8, 8, Some("Tk8"), Source::TokenIndex),
        ];
        let answers = json!([
            {"ticket": {"instance": "acme", "id": 4711}, "comments": [redacted]},
            {"ticket": {"instance": "acme", "id": 5}, "error": "HTTP 404"},
            {"ticket": {"instance": "acme", "id": 7}, "error": "no open acme agent tab", "noTab": true},
        ]);
        let on = Policy {
            delete_redacted: true,
            ..Policy::default()
        };
        assert_eq!(
            review(&files, answers.clone(), on),
            [
                "delete: ticket 4711: attachment redacted in Zendesk",
                "delete: ticket 4711: attachment deleted in Zendesk",
                "keep",
                "delete: ticket 4711: attachment no longer in its comments (redacted, deleted or its comment removed in Zendesk)",
                "unknown: attachments of ticket 5 could not be checked: HTTP 404",
                "keep", // no agent tab: nothing asked, nothing said
                "keep", // not asked
            ]
        );
        // Something that is not comment pages fails the whole review: nothing is deleted.
        let odd = json!([{"ticket": {"instance": "acme", "id": 6}, "comments": [{"ticket": {}}]}]);
        assert!(serde_json::from_value::<Vec<CommentsAnswer>>(odd).is_err());
        let off = review(&files, answers.clone(), Policy::default());
        assert!(off.iter().all(|v| v == "keep"), "{off:?}");
        // A period still deletes what the comments could not be checked for.
        let dated = Policy {
            after_download_days: Some(1),
            ..on
        };
        let old: Vec<FileRecord> = files[4..5]
            .iter()
            .cloned()
            .map(|f| FileRecord {
                time_ms: -2.0 * 86_400_000.0,
                ..f
            })
            .collect();
        assert_eq!(
            review(&old, answers, dated),
            ["delete: downloaded more than 1 day ago"]
        );
    }
}
