//! What the router knows about tickets, and which ticket an attachment belongs to.
//!
//! Knowledge arrives from the browser side as it is observed: ticket records from the
//! tickets API, and attachment tokens from the comments API and from links on agent
//! pages. The router only reads it.
//!
//! The token index is keyed by instance: a token is unique only within its Zendesk, and an
//! agent may have two instances open at once (`acme`, `acme-eu`) whose tickets share ids.
//!
//! Both maps are bounded (oldest entries go first) and entries expire, because the worker
//! that holds them runs for weeks and an organization can be renamed. Time is always
//! passed in (`now_ms`, milliseconds since the Unix epoch): the core never reads a clock,
//! so every expiry rule is testable.

use crate::calendar;
use crate::document::{self, Value};
use crate::zendesk::{
    ApiAttachment, ApiComment, CommentsResponse, Instance, TicketId, TicketResponse, Token,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// A ticket's organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Organization id (`{org_id}`).
    pub id: u64,
    /// Display name (`{org}`), as Zendesk has it: unsanitized.
    pub name: String,
}

/// Everything the templates can say about a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// The account the ticket lives in.
    pub instance: Instance,
    /// The ticket number.
    pub id: TicketId,
    /// The organization; `None` when the ticket has none.
    #[serde(default)]
    pub organization: Option<Organization>,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// Requester's name.
    #[serde(default)]
    pub requester: Option<String>,
    /// Ticket status (`open`, `solved`, …).
    #[serde(default)]
    pub status: Option<String>,
}

impl Ticket {
    /// Builds the record from `/api/v2/tickets/{id}.json?include=organizations,users`.
    ///
    /// A ticket whose `organization_id` is set but whose organization is missing from the
    /// sideload is an error rather than "no organization": filing it under
    /// `_no-organization` would be silently wrong.
    pub fn from_api(
        instance: Instance,
        response: &TicketResponse,
    ) -> Result<Ticket, MissingOrganization> {
        let t = &response.ticket;
        let organization = match t.organization_id {
            None => None,
            Some(org_id) => {
                let org = response
                    .organizations
                    .iter()
                    .find(|o| o.id == org_id)
                    .ok_or(MissingOrganization {
                        ticket: t.id,
                        organization: org_id,
                    })?;
                Some(Organization {
                    id: org.id,
                    name: org.name.clone(),
                })
            }
        };
        let requester = t
            .requester_id
            .and_then(|rid| response.users.iter().find(|u| u.id == rid))
            .and_then(|u| u.name.clone());
        Ok(Ticket {
            instance,
            id: t.id,
            organization,
            subject: t.subject.clone(),
            requester,
            status: t.status.clone(),
        })
    }
}

/// A tickets-API answer that names an organization without including it
/// (`?include=organizations` sideloads it): the ticket's folder cannot be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingOrganization {
    /// The ticket.
    pub ticket: TicketId,
    /// Its `organization_id`, absent from the answer's `organizations`.
    pub organization: u64,
}

impl fmt::Display for MissingOrganization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ticket {}: organization {} is missing from the API's sideload \
             (`organizations` of `?include=organizations`), so its folder cannot be known",
            self.ticket, self.organization
        )
    }
}

impl std::error::Error for MissingOrganization {}

/// A ticket's identity across instances.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRef {
    /// The account.
    pub instance: Instance,
    /// The ticket number.
    pub id: TicketId,
}

/// Limits of the knowledge store.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most tickets kept.
    pub max_tickets: usize,
    /// Most attachment tokens kept.
    pub max_tokens: usize,
    /// How long a ticket record is trusted (organization renames, status changes).
    pub ticket_ttl_ms: f64,
    /// How long a token → ticket entry is kept.
    pub token_ttl_ms: f64,
}

impl Default for Limits {
    fn default() -> Self {
        const HOUR: f64 = 3_600_000.0;
        Limits {
            max_tickets: 2_000,
            max_tokens: 20_000,
            ticket_ttl_ms: 12.0 * HOUR,
            token_ttl_ms: 7.0 * 24.0 * HOUR,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamped<T> {
    value: T,
    seen_ms: f64,
}

/// Where a token → ticket link was seen. The comments API is authoritative; a link on an
/// agent page is attributed to the ticket the page showed at that moment, which a
/// single-page app switching tickets can get wrong — so it never overrides the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Evidence {
    /// Listed in the ticket's comments (`content_url`).
    Comments,
    /// A link on the ticket's agent page.
    Page,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenEntry {
    ticket: TicketRef,
    evidence: Evidence,
    #[serde(default)]
    facts: Option<AttachmentFacts>,
}

/// What the comments API says about an attachment: its type and size for the rules, and
/// its comment for the templates. A click and Download all of the same attachment must see
/// the same facts (the browser's own MIME type may be `application/octet-stream`, its size
/// unknown when it names the file). Every field is optional, so knowledge stored before a
/// field existed still loads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AttachmentFacts {
    /// `content_type`.
    pub mime: Option<String>,
    /// `size` in bytes.
    pub size: Option<u64>,
    /// The attachment's `id` (`{attachment_id}`).
    pub attachment_id: Option<u64>,
    /// Its comment's `id` (`{comment_id}`).
    pub comment_id: Option<u64>,
    /// The comment author's name, from the page's `users` sideload (`{author}`).
    pub author: Option<String>,
    /// The comment's `created_at`, ms since the Unix epoch (`{uploaded}`).
    pub uploaded_ms: Option<f64>,
}

/// The longest author name kept, in characters: a name is hostile input, and no folder or
/// file name holds more anyway (`sanitize::MAX_FILE_NAME_BYTES`).
const MAX_AUTHOR_CHARS: usize = 255;

impl AttachmentFacts {
    /// The facts of attachment `a` of `comment`, listed on `page`.
    fn of(page: &CommentsResponse, comment: &ApiComment, a: &ApiAttachment) -> AttachmentFacts {
        let author = page
            .users
            .iter()
            .find(|u| Some(u.id) == comment.author_id)
            .and_then(|u| u.name.as_deref());
        AttachmentFacts {
            mime: a.content_type.clone(),
            size: a.size,
            attachment_id: Some(a.id),
            comment_id: Some(comment.id),
            author: author.map(|n| n.chars().take(MAX_AUTHOR_CHARS).collect()),
            uploaded_ms: comment
                .created_at
                .as_deref()
                .and_then(calendar::parse_rfc3339),
        }
    }
}

/// Every attachment of a comments page, in comment order, with its facts.
pub fn listed(page: &CommentsResponse) -> impl Iterator<Item = (&ApiAttachment, AttachmentFacts)> {
    page.comments.iter().flat_map(move |c| {
        c.attachments
            .iter()
            .map(move |a| (a, AttachmentFacts::of(page, c, a)))
    })
}

/// Tickets and the (instance, token) → ticket index, bounded and expiring.
///
/// Serializable so the browser side can persist it across service-worker restarts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Knowledge {
    tickets: Vec<Stamped<Ticket>>,
    /// instance → token → entry (nested rather than keyed by pair, so it serializes as
    /// plain objects for `storage.session`).
    tokens: HashMap<Instance, HashMap<Token, Stamped<TokenEntry>>>,
    /// Tickets whose details could not be loaded, and why (the popup says so). A ticket
    /// loaded later is taken off this list.
    #[serde(default)]
    failures: Vec<Stamped<(TicketRef, String)>>,
    #[serde(skip)]
    limits: Limits,
}

impl Knowledge {
    /// Empty knowledge with the given limits.
    pub fn with_limits(limits: Limits) -> Knowledge {
        Knowledge {
            limits,
            ..Knowledge::default()
        }
    }

    /// Records (or refreshes) a ticket.
    pub fn observe_ticket(&mut self, ticket: Ticket, now_ms: f64) {
        self.tickets
            .retain(|t| !(t.value.id == ticket.id && t.value.instance == ticket.instance));
        self.failures
            .retain(|f| !(f.value.0.id == ticket.id && f.value.0.instance == ticket.instance));
        self.tickets.push(Stamped {
            value: ticket,
            seen_ms: now_ms,
        });
        if self.tickets.len() > self.limits.max_tickets {
            // Pushed in time order: the front is the oldest.
            let excess = self.tickets.len() - self.limits.max_tickets;
            self.tickets.drain(..excess);
        }
    }

    /// Records that these attachment tokens belong to `ticket`. Page evidence never
    /// replaces an unexpired link from the comments API.
    pub fn observe_tokens(
        &mut self,
        ticket: &TicketRef,
        tokens: impl IntoIterator<Item = Token>,
        evidence: Evidence,
        now_ms: f64,
    ) {
        let entries = tokens.into_iter().map(|t| (t, None));
        self.observe_entries(ticket, entries, evidence, now_ms);
    }

    fn observe_entries(
        &mut self,
        ticket: &TicketRef,
        entries: impl IntoIterator<Item = (Token, Option<AttachmentFacts>)>,
        evidence: Evidence,
        now_ms: f64,
    ) {
        let ttl = self.limits.token_ttl_ms;
        let tokens = self.tokens.entry(ticket.instance.clone()).or_default();
        for (token, facts) in entries {
            let trusted = |s: &Stamped<TokenEntry>| {
                s.value.evidence == Evidence::Comments && now_ms - s.seen_ms <= ttl
            };
            if evidence == Evidence::Page && tokens.get(&token).is_some_and(trusted) {
                continue;
            }
            let entry = TokenEntry {
                ticket: ticket.clone(),
                evidence,
                facts,
            };
            tokens.insert(
                token,
                Stamped {
                    value: entry,
                    seen_ms: now_ms,
                },
            );
        }
        self.evict_tokens(now_ms);
    }

    /// Records the attachment tokens of one page of the comments API.
    pub fn observe_comments(&mut self, ticket: &TicketRef, page: &CommentsResponse, now_ms: f64) {
        let entries = listed(page).filter_map(|(a, facts)| Some((a.token()?, Some(facts))));
        self.observe_entries(
            ticket,
            entries.collect::<Vec<_>>(),
            Evidence::Comments,
            now_ms,
        );
    }

    /// What the comments API said about an attachment, if it was listed there. `instance`:
    /// see [`Knowledge::ticket_of_token`].
    pub fn attachment_facts(
        &self,
        instance: Option<&Instance>,
        token: &Token,
        now_ms: f64,
    ) -> Option<&AttachmentFacts> {
        self.token_entry(instance, token, now_ms)?.facts.as_ref()
    }

    /// The ticket an attachment token of `instance` belongs to, if known and not expired:
    /// as `instance` lists it, else as the one instance that lists it (none if two do,
    /// rather than a guess). The second way serves a signed `zdusercontent.com` URL, which
    /// names no instance, and a host-mapped account, whose attachment links may name the
    /// host-mapped domain while its agent pages are on the subdomain, or the other way round
    /// (Zendesk: "agents still use the Zendesk domain in the agent interface. Attachments
    /// are accessed through the host-mapped domain").
    pub fn ticket_of_token(
        &self,
        instance: Option<&Instance>,
        token: &Token,
        now_ms: f64,
    ) -> Option<&TicketRef> {
        Some(&self.token_entry(instance, token, now_ms)?.ticket)
    }

    fn token_entry(
        &self,
        instance: Option<&Instance>,
        token: &Token,
        now_ms: f64,
    ) -> Option<&TokenEntry> {
        let fresh = |s: &&Stamped<TokenEntry>| now_ms - s.seen_ms <= self.limits.token_ttl_ms;
        let own = instance.and_then(|i| self.tokens.get(i)?.get(token).filter(fresh));
        if let Some(entry) = own {
            return Some(&entry.value);
        }
        let mut listing = self
            .tokens
            .values()
            .filter_map(|t| t.get(token).filter(fresh));
        let first = listing.next()?;
        listing.next().is_none().then_some(&first.value)
    }

    /// The ticket record, if known and not expired.
    pub fn ticket(&self, key: &TicketRef, now_ms: f64) -> Option<&Ticket> {
        self.tickets
            .iter()
            .rev()
            .find(|t| t.value.id == key.id && t.value.instance == key.instance)
            .filter(|t| now_ms - t.seen_ms <= self.limits.ticket_ttl_ms)
            .map(|t| &t.value)
    }

    /// Records that the details of `ticket` could not be loaded (`error`: `HTTP 500`).
    pub fn observe_failure(&mut self, ticket: TicketRef, error: String, now_ms: f64) {
        self.failures.retain(|f| f.value.0 != ticket);
        self.failures.push(Stamped {
            value: (ticket, error),
            seen_ms: now_ms,
        });
        if self.failures.len() > self.limits.max_tickets {
            let excess = self.failures.len() - self.limits.max_tickets;
            self.failures.drain(..excess);
        }
    }

    /// Why the details of `ticket` could not be loaded, when the last try failed (and is
    /// not expired) and no record of it is known.
    pub fn failure(&self, ticket: &TicketRef, now_ms: f64) -> Option<&str> {
        self.failures
            .iter()
            .find(|f| f.value.0 == *ticket)
            .filter(|f| now_ms - f.seen_ms <= self.limits.ticket_ttl_ms)
            .map(|f| f.value.1.as_str())
    }

    /// The organization names of the tickets held (each once, sorted).
    pub fn organizations(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tickets
            .iter()
            .filter_map(|t| t.value.organization.as_ref().map(|o| o.name.clone()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Number of tickets and tokens held (for memory checks and diagnostics).
    pub fn len(&self) -> (usize, usize) {
        (self.tickets.len(), self.token_count())
    }

    fn token_count(&self) -> usize {
        self.tokens.values().map(HashMap::len).sum()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.token_count() == 0
    }

    /// Restores limits after deserialization (they are not persisted) and applies them.
    pub fn set_limits(&mut self, limits: Limits, now_ms: f64) {
        self.limits = limits;
        self.tickets
            .retain(|t| now_ms - t.seen_ms <= limits.ticket_ttl_ms);
        if self.tickets.len() > limits.max_tickets {
            let excess = self.tickets.len() - limits.max_tickets;
            self.tickets.drain(..excess);
        }
        self.evict_tokens(now_ms);
    }

    fn evict_tokens(&mut self, now_ms: f64) {
        let ttl = self.limits.token_ttl_ms;
        if self.token_count() <= self.limits.max_tokens {
            return;
        }
        self.retain_tokens(|s| now_ms - s.seen_ms <= ttl);
        if self.token_count() > self.limits.max_tokens {
            // Drop the oldest tenth at once so eviction stays amortised O(1) per insert.
            let keep = self.limits.max_tokens - self.limits.max_tokens / 10;
            let mut ages: Vec<f64> = self
                .tokens
                .values()
                .flat_map(|tokens| tokens.values().map(|s| s.seen_ms))
                .collect();
            ages.sort_by(|a, b| b.total_cmp(a));
            let cutoff = ages[keep.min(ages.len() - 1)];
            self.retain_tokens(|s| s.seen_ms > cutoff);
        }
    }

    fn retain_tokens(&mut self, keep: impl Fn(&Stamped<TokenEntry>) -> bool) {
        for tokens in self.tokens.values_mut() {
            tokens.retain(|_, s| keep(s));
        }
        self.tokens.retain(|_, tokens| !tokens.is_empty());
    }

    /// Records a tickets API answer (`/api/v2/tickets/{id}.json?include=organizations,users`)
    /// of `instance`, and returns the ticket as recorded.
    pub fn observe_response(
        &mut self,
        instance: Instance,
        response: &TicketResponse,
        now_ms: f64,
    ) -> Result<Ticket, MissingOrganization> {
        let ticket = Ticket::from_api(instance, response)?;
        self.observe_ticket(ticket.clone(), now_ms);
        Ok(ticket)
    }

    /// Records the attachment tokens of the links seen on `ticket`'s agent page (weaker
    /// evidence than the comments API, which they never override). A text that is no
    /// token is ignored: a page is no authority on tokens.
    pub fn observe_page_tokens(&mut self, ticket: &TicketRef, tokens: &[String], now_ms: f64) {
        let tokens = tokens.iter().filter_map(|t| Token::parse(t));
        self.observe_tokens(ticket, tokens, Evidence::Page, now_ms);
    }

    /// Knowledge the browser side kept across a service-worker restart (this knowledge,
    /// serialized), under the default [`Limits`]: what expired meanwhile is dropped.
    pub fn restore(saved: Value, now_ms: f64) -> Result<Knowledge, UnreadableKnowledge> {
        let mut knowledge: Knowledge = document::from_value(saved).map_err(UnreadableKnowledge)?;
        knowledge.set_limits(Limits::default(), now_ms);
        Ok(knowledge)
    }
}

/// Stored ticket knowledge that cannot be read back (the shell drops it and starts empty).
#[derive(Debug)]
pub struct UnreadableKnowledge(document::Error);

impl fmt::Display for UnreadableKnowledge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stored ticket knowledge is unreadable: {}", self.0)
    }
}

impl std::error::Error for UnreadableKnowledge {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: u64, org: Option<&str>) -> Ticket {
        Ticket {
            instance: Instance::new("acme"),
            id: TicketId(id),
            organization: org.map(|name| Organization {
                id: 1,
                name: name.into(),
            }),
            subject: None,
            requester: None,
            status: None,
        }
    }

    fn acme() -> Instance {
        Instance::new("acme")
    }

    fn key(id: u64) -> TicketRef {
        TicketRef {
            instance: acme(),
            id: TicketId(id),
        }
    }

    fn key_on(instance: &str, id: u64) -> TicketRef {
        TicketRef {
            instance: Instance::new(instance),
            id: TicketId(id),
        }
    }

    fn tok(s: &str) -> Token {
        Token::parse(s).expect("valid token")
    }

    #[test]
    fn builds_a_ticket_from_the_api_with_its_sideloaded_org_and_requester() {
        let response: TicketResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/ticket_with_org.json"))
                .expect("fixture");
        let t = Ticket::from_api(Instance::new("acme"), &response).expect("complete sideload");
        assert_eq!(
            t.organization.map(|o| o.name).as_deref(),
            Some("ACME Corp.")
        );
        assert_eq!(t.requester.as_deref(), Some("Jane Doe"));
        assert_eq!(t.status.as_deref(), Some("open"));
    }

    #[test]
    fn a_ticket_without_organization_has_none() {
        let response: TicketResponse = serde_json::from_str(include_str!(
            "../tests/fixtures/api/ticket_without_org.json"
        ))
        .expect("fixture");
        let t = Ticket::from_api(Instance::new("acme"), &response).expect("no org is fine");
        assert_eq!(t.organization, None);
    }

    #[test]
    fn an_organization_missing_from_the_sideload_is_an_error_not_no_organization() {
        let mut response: TicketResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/ticket_with_org.json"))
                .expect("fixture");
        response.organizations.clear();
        let err = Ticket::from_api(Instance::new("acme"), &response).unwrap_err();
        assert_eq!(
            err,
            MissingOrganization {
                ticket: TicketId(4711),
                organization: 9
            }
        );
        assert!(
            err.to_string()
                .starts_with("ticket 4711: organization 9 is missing from the API's sideload"),
            "{err}"
        );
    }

    #[test]
    fn tokens_map_to_their_ticket_until_they_expire() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key(4711), [tok("A")], Evidence::Comments, 0.0);
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("A"), 1000.0),
            Some(&key(4711))
        );
        let ttl = Limits::default().token_ttl_ms;
        assert_eq!(k.ticket_of_token(Some(&acme()), &tok("A"), ttl + 1.0), None);
        assert_eq!(k.ticket_of_token(Some(&acme()), &tok("B"), 0.0), None);
    }

    #[test]
    fn the_same_token_on_two_instances_belongs_to_each_instances_own_ticket() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key_on("acme", 4711), [tok("A")], Evidence::Comments, 0.0);
        k.observe_tokens(&key_on("acme-eu", 4711), [tok("A")], Evidence::Page, 1.0);
        let eu = Instance::new("acme-eu");
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("A"), 2.0),
            Some(&key_on("acme", 4711))
        );
        assert_eq!(
            k.ticket_of_token(Some(&eu), &tok("A"), 2.0),
            Some(&key_on("acme-eu", 4711))
        );
        assert_eq!(
            k.ticket_of_token(Some(&Instance::new("other")), &tok("A"), 2.0),
            None
        );
        assert_eq!(k.len().1, 2, "one entry per instance");
    }

    #[test]
    fn a_token_without_instance_is_found_only_where_one_instance_lists_it() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key_on("acme-eu", 12), [tok("A")], Evidence::Comments, 0.0);
        assert_eq!(
            k.ticket_of_token(None, &tok("A"), 1.0),
            Some(&key_on("acme-eu", 12))
        );
        k.observe_tokens(&key_on("acme", 4711), [tok("A")], Evidence::Comments, 1.0);
        assert_eq!(
            k.ticket_of_token(None, &tok("A"), 2.0),
            None,
            "two instances list it: no guess"
        );
    }

    #[test]
    fn a_host_mapped_link_finds_the_token_its_subdomains_agent_page_listed() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key(4711), [tok("A")], Evidence::Comments, 0.0);
        let mapped = Instance::new("support.example.com");
        assert_eq!(
            k.ticket_of_token(Some(&mapped), &tok("A"), 1.0),
            Some(&key(4711))
        );
    }

    #[test]
    fn a_token_seen_again_moves_to_the_latest_ticket() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key(1), [tok("A")], Evidence::Comments, 0.0);
        k.observe_tokens(&key(2), [tok("A")], Evidence::Comments, 1.0);
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("A"), 2.0),
            Some(&key(2))
        );
    }

    #[test]
    fn a_page_link_never_overrides_the_comments_api() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key(1), [tok("A")], Evidence::Comments, 0.0);
        k.observe_tokens(&key(2), [tok("A")], Evidence::Page, 1.0);
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("A"), 2.0),
            Some(&key(1))
        );
        k.observe_tokens(&key(3), [tok("B")], Evidence::Page, 1.0);
        k.observe_tokens(&key(4), [tok("B")], Evidence::Comments, 2.0);
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("B"), 2.0),
            Some(&key(4))
        );
    }

    #[test]
    fn ticket_records_expire_and_refresh() {
        let mut k = Knowledge::default();
        k.observe_ticket(ticket(1, Some("Old name")), 0.0);
        k.observe_ticket(ticket(1, Some("New name")), 10.0);
        let got = k.ticket(&key(1), 20.0).and_then(|t| t.organization.clone());
        assert_eq!(got.map(|o| o.name).as_deref(), Some("New name"));
        assert_eq!(k.len().0, 1);
        let ttl = Limits::default().ticket_ttl_ms;
        assert_eq!(k.ticket(&key(1), 11.0 + ttl), None);
    }

    #[test]
    fn the_stores_stay_within_their_bounds_and_keep_the_newest() {
        let mut k = Knowledge::with_limits(Limits {
            max_tickets: 10,
            max_tokens: 100,
            ..Limits::default()
        });
        for i in 1..=1000u64 {
            k.observe_ticket(ticket(i, None), i as f64);
            k.observe_tokens(&key(i), [tok(&format!("T{i}"))], Evidence::Page, i as f64);
        }
        let (tickets, tokens) = k.len();
        assert!(
            tickets <= 10 && tokens <= 100,
            "{tickets} tickets, {tokens} tokens"
        );
        assert!(k.ticket(&key(1000), 1000.0).is_some());
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("T1000"), 1000.0),
            Some(&key(1000))
        );
        assert_eq!(k.ticket_of_token(Some(&acme()), &tok("T1"), 1000.0), None);
    }

    #[test]
    fn knowledge_survives_a_round_trip_through_json() {
        let mut k = Knowledge::default();
        k.observe_ticket(ticket(7, Some("ACME")), 5.0);
        k.observe_tokens(&key(7), [tok("Z")], Evidence::Comments, 5.0);
        let json = serde_json::to_string(&k).expect("serialize");
        let mut back: Knowledge = serde_json::from_str(&json).expect("deserialize");
        back.set_limits(Limits::default(), 6.0);
        assert_eq!(
            back.ticket_of_token(Some(&acme()), &tok("Z"), 6.0),
            Some(&key(7))
        );
        assert!(back.ticket(&key(7), 6.0).is_some());
    }

    #[test]
    fn an_attachment_keeps_its_comment_its_author_and_when_it_was_added() {
        let page: CommentsResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/comments_page1.json"))
                .expect("fixture");
        let mut k = Knowledge::default();
        k.observe_comments(&key(4711), &page, 0.0);
        let facts = k
            .attachment_facts(Some(&acme()), &tok("Tk4711a"), 1.0)
            .expect("listed");
        assert_eq!(
            *facts,
            AttachmentFacts {
                mime: Some("application/gzip".into()),
                size: Some(2048),
                attachment_id: Some(7001),
                comment_id: Some(90001),
                author: Some("Jane Doe".into()),
                // 2026-11-20T09:14:03Z
                uploaded_ms: Some(1_795_166_043_000.0),
            }
        );
        let other = k
            .attachment_facts(Some(&acme()), &tok("Tk4711b"), 1.0)
            .expect("listed");
        assert_eq!(
            (other.comment_id, other.author.as_deref()),
            (Some(90002), None),
            "an author missing from the sideload is unknown, not someone else"
        );
    }

    #[test]
    fn a_hostile_author_name_is_kept_at_most_255_characters() {
        let page: CommentsResponse = serde_json::from_value(serde_json::json!({
            "comments": [{"id": 1, "author_id": 7, "attachments": [{"id": 2, "file_name": "a",
                "content_url": "https://acme.zendesk.com/attachments/token/T1/?name=a"}]}],
            "users": [{"id": 7, "name": "é".repeat(100_000)}]
        }))
        .expect("page");
        let mut k = Knowledge::default();
        k.observe_comments(&key(1), &page, 0.0);
        let author = k
            .attachment_facts(Some(&acme()), &tok("T1"), 0.0)
            .and_then(|f| f.author.clone());
        assert_eq!(author, Some("é".repeat(255)));
    }

    #[test]
    fn knowledge_stored_before_comment_facts_existed_still_loads() {
        // Facts with type and size only, as stored before the comment facts existed.
        // (`storage.session` is emptied when the extension is updated, so only the shape of
        // the facts matters here, not the index's older shape.)
        let saved = serde_json::json!({
            "tickets": [],
            "tokens": {"acme": {"T9": {"value": {"ticket": {"instance": "acme", "id": 9},
                "evidence": "comments", "facts": {"mime": "text/plain", "size": 5}},
                "seen_ms": 0.0}}}
        });
        let k = Knowledge::restore(Value::from(saved), 1.0).expect("loads");
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("T9"), 1.0),
            Some(&key(9))
        );
        let facts = k
            .attachment_facts(Some(&acme()), &tok("T9"), 1.0)
            .expect("facts");
        assert_eq!(facts.mime.as_deref(), Some("text/plain"));
        assert_eq!((facts.comment_id, facts.uploaded_ms), (None, None));
    }

    const HOUR_MS: f64 = 3_600_000.0;

    #[test]
    fn an_api_answer_is_recorded_and_returned() {
        let response: TicketResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/ticket_with_org.json"))
                .expect("fixture");
        let mut k = Knowledge::default();
        let ticket = k
            .observe_response(Instance::new("acme"), &response, 0.0)
            .expect("organization sideloaded");
        assert_eq!(ticket.id, TicketId(4711));
        assert_eq!(k.ticket(&key(4711), 1.0), Some(&ticket));

        let mut broken = response;
        broken.organizations.clear();
        let err = Knowledge::default()
            .observe_response(Instance::new("acme"), &broken, 0.0)
            .expect_err("organization missing");
        assert_eq!(err.ticket, TicketId(4711));
    }

    #[test]
    fn page_tokens_never_override_the_comments_api_and_junk_is_ignored() {
        let mut k = Knowledge::default();
        k.observe_tokens(&key(1), [tok("T1")], Evidence::Comments, 0.0);
        let page = ["T1".to_owned(), "T2".to_owned(), "not a/token".to_owned()];
        k.observe_page_tokens(&key(2), &page, 1.0);
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("T1"), 2.0),
            Some(&key(1))
        );
        assert_eq!(
            k.ticket_of_token(Some(&acme()), &tok("T2"), 2.0),
            Some(&key(2))
        );
        assert_eq!(k.len().1, 2, "the junk text is no token");
    }

    #[test]
    fn knowledge_comes_back_after_a_restart_without_what_expired() {
        let mut k = Knowledge::default();
        k.observe_ticket(
            Ticket {
                instance: Instance::new("acme"),
                id: TicketId(7),
                organization: None,
                subject: None,
                requester: None,
                status: None,
            },
            0.0,
        );
        k.observe_tokens(&key(7), [tok("T7")], Evidence::Comments, 0.0);
        // Kept as the worker keeps it: serialized (here through JSON), read back as a document.
        let saved = || Value::from(serde_json::to_value(&k).expect("serializes"));
        let back = Knowledge::restore(saved(), HOUR_MS).expect("reads back");
        assert!(back.ticket(&key(7), HOUR_MS).is_some());
        assert_eq!(
            back.ticket_of_token(Some(&acme()), &tok("T7"), HOUR_MS),
            Some(&key(7))
        );
        let later = Knowledge::restore(saved(), 13.0 * HOUR_MS).expect("reads back");
        assert_eq!(later.len().0, 0, "a ticket record is trusted 12 hours");

        let err = Knowledge::restore("not knowledge".into(), 0.0).expect_err("unreadable");
        assert!(
            err.to_string()
                .starts_with("stored ticket knowledge is unreadable: "),
            "{err}"
        );
    }
}
