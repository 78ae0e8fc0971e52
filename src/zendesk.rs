//! Recognising Zendesk URLs, and the Zendesk API's JSON shapes.
//!
//! A download tells us little: a URL, maybe its redirect target, maybe a referrer. This
//! module turns those strings into facts the router can use:
//!
//! | URL | meaning |
//! |---|---|
//! | `https://acme.zendesk.com/agent/tickets/4711[/events][?…][#…]` | agent ticket page of ticket 4711 on instance `acme` |
//! | `https://acme.zendesk.com/attachments/token/Tk1/?name=log.tar.gz` | attachment with token `Tk1`, file name `log.tar.gz` |
//! | `https://p12.zdusercontent.com/attachment/1234/Tk1?token=…` | the signed, short-lived target of that attachment's redirect |
//!
//! Host-mapped accounts (`support.example.com`) serve the same paths on their own domain;
//! they are recognised only when listed in the settings, so that an unrelated site with an
//! `/attachments/token/` path is never taken for Zendesk.
//!
//! The parser is deliberately small (no `url` crate: every kilobyte of WASM is loaded on
//! each service-worker start) and strict: anything it does not positively recognise is
//! "not Zendesk", and the router leaves such downloads alone.
//!
//! The host names, paths and character sets below are the only place these URL shapes are
//! written down. The content scripts, which must decide on a click without loading the
//! WASM core, get them through a module generated from these constants at build time
//! ([`crate::patterns`]), and so do the API paths they load.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// The only scheme recognised: Zendesk serves nothing else.
pub const SCHEME: &str = "https";
/// The host of an account that is not host-mapped is `<subdomain>` + this.
pub const ACCOUNT_HOST_SUFFIX: &str = ".zendesk.com";
/// The subdomain of zendesk.com that is no account (`www.zendesk.com`, Zendesk's own site).
pub const NOT_AN_ACCOUNT: &str = "www";
/// The host of a signed attachment URL is `p<pod number>` + this.
pub const SIGNED_HOST_SUFFIX: &str = ".zdusercontent.com";
/// An agent ticket page: this, then the ticket id (and maybe `/events`, a query, a fragment).
pub const TICKET_PAGE_PATH: &str = "/agent/tickets/";
/// An attachment link: this, then the token and an optional `/`.
pub const ATTACHMENT_PATH: &str = "/attachments/token/";
/// A signed attachment URL: this, then `<account id>/<token>`.
pub const SIGNED_ATTACHMENT_PATH: &str = "/attachment/";
/// The longest attachment token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 256;

/// The ticket with what [`TicketResponse`] reads sideloaded (organization, requester): a
/// path on the account's own host, `{id}` the ticket id.
pub const TICKET_API: &str = "/api/v2/tickets/{id}.json?include=organizations,users";
/// The ticket alone: its `status` and `updated_at` for the clean-up (`{id}` the ticket id).
pub const TICKET_STATUS_API: &str = "/api/v2/tickets/{id}.json";
/// The first page of a ticket's comments ([`CommentsResponse`]) with their authors
/// sideloaded (`users`) and inline images listed among the attachments (Zendesk leaves them
/// out by default; a click on one, Download all and the clean-up's walk for redacted
/// attachments must all see every token); the next pages are its `next_page` URLs (`{id}`
/// the ticket id).
pub const COMMENTS_API: &str =
    "/api/v2/tickets/{id}/comments.json?include=users&include_inline_images=true";

/// Whether `b` may appear in an attachment token: ASCII letters, digits, `-` and `_`.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether `b` may appear in the subdomain of a zendesk.com account (hosts are compared in
/// lower case): lower-case ASCII letters, digits and `-`.
pub fn is_subdomain_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// A Zendesk account as seen in URLs: the subdomain of `<sub>.zendesk.com` (`acme`), or
/// the full host of a host-mapped account (`support.example.com`). Always lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instance(String);

impl Instance {
    /// An instance from a subdomain or a host, normalised to lower case.
    pub fn new(name: &str) -> Instance {
        Instance(name.trim().trim_end_matches('.').to_ascii_lowercase())
    }

    /// The instance name, as used by the `{instance}` placeholder.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The agent page of ticket `id`: `https://<sub>.zendesk.com/agent/tickets/<id>`, or on
    /// the host-mapped domain the instance is.
    pub fn ticket_page_url(&self, id: TicketId) -> String {
        let host = if self.0.contains('.') {
            self.0.clone()
        } else {
            format!("{}{ACCOUNT_HOST_SUFFIX}", self.0)
        };
        format!("{SCHEME}://{host}{TICKET_PAGE_PATH}{id}")
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Zendesk ticket number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub u64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The opaque token that identifies an attachment in its URLs. Random, but unique only
/// within its Zendesk as far as anyone promises: the token index and the records key it
/// with its instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// A token, if `s` looks like one (non-empty, ASCII letters, digits, `-` and `_`).
    pub fn parse(s: &str) -> Option<Token> {
        let ok = !s.is_empty() && s.len() <= MAX_TOKEN_LEN && s.bytes().all(is_token_byte);
        ok.then(|| Token(s.to_owned()))
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a URL is, when it is a Zendesk URL the router cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ZendeskUrl {
    /// An agent page showing one ticket.
    #[serde(rename_all = "camelCase")]
    TicketPage {
        /// The account.
        instance: Instance,
        /// The ticket shown.
        ticket_id: TicketId,
    },
    /// An attachment link as shown in tickets and in the comments API's `content_url`.
    #[serde(rename_all = "camelCase")]
    Attachment {
        /// The account.
        instance: Instance,
        /// The attachment token.
        token: Token,
        /// The percent-decoded `name=` query parameter, when present and non-empty.
        name: Option<String>,
    },
    /// The signed URL an attachment link redirects to (`pNN.zdusercontent.com`).
    #[serde(rename_all = "camelCase")]
    SignedAttachment {
        /// The numeric Zendesk account id in the path.
        account: u64,
        /// The attachment token.
        token: Token,
    },
}

/// Recognises `url`. `host_mapped` lists the host-mapped domains from the settings
/// (lower case, no scheme). Returns `None` for everything that is not a Zendesk URL of
/// interest.
///
/// ```
/// use zd_dl_router::zendesk::{recognize, ZendeskUrl, TicketId};
/// let page = recognize("https://acme.zendesk.com/agent/tickets/4711/events", &[]);
/// assert!(matches!(page, Some(ZendeskUrl::TicketPage { ticket_id: TicketId(4711), .. })));
/// assert_eq!(recognize("https://example.com/agent/tickets/1", &[]), None);
/// ```
pub fn recognize(url: &str, host_mapped: &[String]) -> Option<ZendeskUrl> {
    let parts = UrlParts::parse(url)?;
    if !parts.scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    if let Some(account_host) = parts.host.strip_suffix(SIGNED_HOST_SUFFIX) {
        return signed_attachment(account_host, parts.path);
    }
    let instance = zendesk_instance(&parts.host, host_mapped)?;
    if let Some(id) = ticket_page_id(parts.path) {
        return Some(ZendeskUrl::TicketPage {
            instance,
            ticket_id: id,
        });
    }
    let rest = parts.path.strip_prefix(ATTACHMENT_PATH)?;
    let token = Token::parse(rest.strip_suffix('/').unwrap_or(rest))?;
    let name = query_param(parts.query, "name").filter(|n| !n.is_empty());
    Some(ZendeskUrl::Attachment {
        instance,
        token,
        name,
    })
}

fn zendesk_instance(host: &str, host_mapped: &[String]) -> Option<Instance> {
    if let Some(sub) = host.strip_suffix(ACCOUNT_HOST_SUFFIX) {
        let is_label =
            !sub.is_empty() && sub != NOT_AN_ACCOUNT && sub.bytes().all(is_subdomain_byte);
        return is_label.then(|| Instance::new(sub));
    }
    host_mapped
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
        .then(|| Instance::new(host))
}

fn ticket_page_id(path: &str) -> Option<TicketId> {
    let rest = path.strip_prefix(TICKET_PAGE_PATH)?;
    let digits = rest.split('/').next().unwrap_or_default();
    parse_id(digits)
}

fn signed_attachment(account_host: &str, path: &str) -> Option<ZendeskUrl> {
    // `p12` — a pod number; the only shape Zendesk uses for attachment hosts.
    let pod = account_host.strip_prefix('p')?;
    if pod.is_empty() || !pod.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut segments = path.strip_prefix(SIGNED_ATTACHMENT_PATH)?.split('/');
    let account = segments.next()?.parse().ok()?;
    let token = Token::parse(segments.next()?)?;
    segments
        .next()
        .is_none()
        .then_some(ZendeskUrl::SignedAttachment { account, token })
}

/// Parses a positive decimal id without leading `+` or sign tricks.
pub(crate) fn parse_id(s: &str) -> Option<TicketId> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n > 0).map(TicketId)
}

/// The pieces of an absolute URL that recognition needs. Host is lower case (ASCII only),
/// without port, credentials or trailing dots. The URL is trimmed of white space as
/// [`char::is_whitespace`] defines it. (`crate::patterns` ports this parser to JavaScript:
/// change both together.)
struct UrlParts<'a> {
    scheme: &'a str,
    host: Cow<'a, str>,
    path: &'a str,
    query: &'a str,
}

impl<'a> UrlParts<'a> {
    fn parse(url: &'a str) -> Option<UrlParts<'a>> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://")?;
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let host = match host_port.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host_port,
        };
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let host = host.trim_end_matches('.');
        Some(UrlParts {
            scheme,
            // Hosts are nearly always lower case already: borrow then.
            host: if host.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(host.to_ascii_lowercase())
            } else {
                Cow::Borrowed(host)
            },
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }
}

/// The first value of query parameter `key`, percent-decoded (`+` as space).
fn query_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| {
            if v.contains('+') {
                percent_decode(&v.replace('+', " "))
            } else {
                percent_decode(v)
            }
        })
}

/// Percent-decodes `s`; invalid escapes stay as they are, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET` [`TICKET_API`] (and [`TICKET_STATUS_API`], without the sideloads).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TicketResponse {
    /// The ticket.
    pub ticket: ApiTicket,
    /// Sideloaded organizations (only with `include=organizations`).
    #[serde(default)]
    pub organizations: Vec<ApiOrganization>,
    /// Sideloaded users (only with `include=users`).
    #[serde(default)]
    pub users: Vec<ApiUser>,
}

/// The ticket fields the router uses; Zendesk sends many more, which are ignored.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiTicket {
    /// Ticket id.
    pub id: TicketId,
    /// Subject line (may be null for tickets created by some channels).
    #[serde(default)]
    pub subject: Option<String>,
    /// `new`, `open`, `pending`, `hold`, `solved` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    /// The requester's user id.
    #[serde(default)]
    pub requester_id: Option<u64>,
    /// The organization id, null when the ticket has none.
    #[serde(default)]
    pub organization_id: Option<u64>,
    /// Last update, RFC 3339 (`2026-11-23T08:01:44Z`).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A sideloaded organization.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiOrganization {
    /// Organization id.
    pub id: u64,
    /// Display name, chosen by whoever created the organization: hostile input.
    pub name: String,
}

/// A sideloaded user.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiUser {
    /// User id.
    pub id: u64,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET` [`COMMENTS_API`] (one page).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CommentsResponse {
    /// The comments of this page.
    pub comments: Vec<ApiComment>,
    /// URL of the next page, null on the last one.
    #[serde(default)]
    pub next_page: Option<String>,
    /// The authors of this page's comments (only with `include=users`).
    #[serde(default)]
    pub users: Vec<ApiUser>,
}

/// A ticket comment: who added which files when.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiComment {
    /// Comment id.
    pub id: u64,
    /// The author's user id.
    #[serde(default)]
    pub author_id: Option<u64>,
    /// When the comment was added, RFC 3339 (`2026-11-20T09:14:03Z`).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Files attached to the comment.
    #[serde(default)]
    pub attachments: Vec<ApiAttachment>,
}

/// An attachment as listed by the comments API.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiAttachment {
    /// Attachment id.
    pub id: u64,
    /// File name as uploaded: hostile input.
    pub file_name: String,
    /// The token URL (`https://<sub>.zendesk.com/attachments/token/<token>/?name=…`).
    pub content_url: String,
    /// MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Inline images pasted into the comment body.
    #[serde(default)]
    pub inline: bool,
    /// `malware_not_found`, `malware_found`, `failed_to_scan`, `not_scanned`.
    #[serde(default)]
    pub malware_scan_result: Option<String>,
    /// "If true, the attachment has been deleted" (Zendesk's Attachments API reference).
    #[serde(default)]
    pub deleted: bool,
}

impl ApiAttachment {
    /// The attachment token, taken from `content_url`.
    pub fn token(&self) -> Option<Token> {
        match recognize(&self.content_url, &[]) {
            Some(ZendeskUrl::Attachment { token, .. }) => Some(token),
            _ => {
                // Host-mapped accounts: the path shape is enough here, the URL came from
                // the account's own API.
                let path = UrlParts::parse(&self.content_url)?.path;
                let rest = path.strip_prefix(ATTACHMENT_PATH)?;
                Token::parse(rest.trim_end_matches('/'))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(instance: &str, id: u64) -> Option<ZendeskUrl> {
        Some(ZendeskUrl::TicketPage {
            instance: Instance::new(instance),
            ticket_id: TicketId(id),
        })
    }

    fn attachment(instance: &str, token: &str, name: Option<&str>) -> Option<ZendeskUrl> {
        Some(ZendeskUrl::Attachment {
            instance: Instance::new(instance),
            token: Token(token.into()),
            name: name.map(str::to_owned),
        })
    }

    #[test]
    fn recognizes_agent_ticket_pages_with_subpaths_queries_and_fragments() {
        let cases = [
            (
                "https://acme.zendesk.com/agent/tickets/4711",
                page("acme", 4711),
            ),
            (
                "https://acme.zendesk.com/agent/tickets/4711/",
                page("acme", 4711),
            ),
            (
                "https://acme.zendesk.com/agent/tickets/4711/events",
                page("acme", 4711),
            ),
            (
                "https://acme.zendesk.com/agent/tickets/4711?x=1",
                page("acme", 4711),
            ),
            (
                "https://acme.zendesk.com/agent/tickets/4711#c1",
                page("acme", 4711),
            ),
            (
                "https://ACME.Zendesk.com:443/agent/tickets/7",
                page("acme", 7),
            ),
            ("https://acme.zendesk.com/agent/tickets/new/1", None),
            ("https://acme.zendesk.com/agent/tickets/0", None),
            ("https://acme.zendesk.com/agent/tickets/-1", None),
            (
                "https://acme.zendesk.com/agent/tickets/99999999999999999999",
                None,
            ),
            ("http://acme.zendesk.com/agent/tickets/4711", None),
            ("https://zendesk.com/agent/tickets/4711", None),
            ("https://www.zendesk.com/agent/tickets/4711", None),
            ("https://acme.zendesk.com.evil.io/agent/tickets/4711", None),
            (
                "https://evil.io/?https://acme.zendesk.com/agent/tickets/4711",
                None,
            ),
            ("https://a.b.zendesk.com/agent/tickets/4711", None),
        ];
        for (url, want) in cases {
            assert_eq!(recognize(url, &[]), want, "{url}");
        }
    }

    #[test]
    fn recognizes_attachment_token_urls_and_decodes_the_name() {
        let cases = [
            (
                "https://acme.zendesk.com/attachments/token/Tk1/?name=production_log.tar.gz",
                attachment("acme", "Tk1", Some("production_log.tar.gz")),
            ),
            (
                "https://acme.zendesk.com/attachments/token/Tk1?name=a%20b+c%C3%A9.txt",
                attachment("acme", "Tk1", Some("a b cé.txt")),
            ),
            (
                "https://acme.zendesk.com/attachments/token/Tk1/",
                attachment("acme", "Tk1", None),
            ),
            (
                "https://acme.zendesk.com/attachments/token/Tk1/?name=",
                attachment("acme", "Tk1", None),
            ),
            (
                "https://acme.zendesk.com/attachments/token/Tk1/?name=..%2F..%2Fetc%2Fpasswd",
                attachment("acme", "Tk1", Some("../../etc/passwd")),
            ),
            ("https://acme.zendesk.com/attachments/token/", None),
            ("https://acme.zendesk.com/attachments/token/a.b/", None),
            ("https://acme.zendesk.com/attachments/token/a/b/", None),
        ];
        for (url, want) in cases {
            assert_eq!(recognize(url, &[]), want, "{url}");
        }
    }

    #[test]
    fn recognizes_signed_zdusercontent_urls() {
        let signed = recognize(
            "https://p12.zdusercontent.com/attachment/1234/Tk1?token=eyJhbGciOi.x.y",
            &[],
        );
        assert_eq!(
            signed,
            Some(ZendeskUrl::SignedAttachment {
                account: 1234,
                token: Token("Tk1".into())
            })
        );
        assert_eq!(
            recognize("https://cdn.zdusercontent.com/attachment/1/T", &[]),
            None
        );
        assert_eq!(
            recognize("https://p1.zdusercontent.com/other/1/T", &[]),
            None
        );
    }

    #[test]
    fn recognizes_host_mapped_domains_only_when_listed() {
        let mapped = vec!["support.example.com".to_string()];
        let url = "https://support.example.com/agent/tickets/12";
        assert_eq!(recognize(url, &mapped), page("support.example.com", 12));
        assert_eq!(recognize(url, &[]), None);
        assert_eq!(
            recognize(
                "https://Support.Example.com/attachments/token/X/?name=a",
                &mapped
            ),
            attachment("support.example.com", "X", Some("a"))
        );
    }

    #[test]
    fn percent_decoding_keeps_invalid_escapes() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn deserializes_the_real_ticket_and_comment_shapes() {
        let ticket: TicketResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/ticket_with_org.json"))
                .expect("ticket fixture");
        assert_eq!(ticket.ticket.id, TicketId(4711));
        assert_eq!(ticket.ticket.organization_id, Some(9));
        assert_eq!(ticket.organizations[0].name, "ACME Corp.");

        let comments: CommentsResponse =
            serde_json::from_str(include_str!("../tests/fixtures/api/comments_page1.json"))
                .expect("comments fixture");
        let tokens: Vec<_> = comments
            .comments
            .iter()
            .flat_map(|c| &c.attachments)
            .filter_map(ApiAttachment::token)
            .collect();
        assert_eq!(tokens, [Token("Tk4711a".into()), Token("Tk4711b".into())]);
        assert!(comments.next_page.is_some());
    }
}
