//! The content scripts' knowledge of Zendesk URLs, generated from the core's constants.
//!
//! A content script decides on a click, synchronously, in every agent page: it cannot load
//! the WASM core there. So `zd-dl-router patterns --js` prints [`js`], a small classic
//! script that `build.sh` writes into `dist/<browser>/zendesk-patterns.js` and the manifest
//! loads before the content scripts. It defines `globalThis.zdPatterns`:
//!
//! - `isAttachmentLink(href, hosts = [])`: whether `href` is an attachment link, exactly
//!   when the core's [`recognize`](crate::zendesk::recognize)`(href, hosts)` says it is one
//!   (`hosts`: host-mapped domains; a content script passes its own page's host, since it
//!   only runs on Zendesk pages);
//! - `ticketPath(id)`, `ticketStatusPath(id)`, `commentsPath(id)`
//!   (with inline images, for the clean-up's redaction check): the API reads the content
//!   script makes, as paths on the account's own host.
//!
//! Every host, path, length and character set in it is taken from [`crate::zendesk`]
//! (character sets by asking the core's own byte predicates, white space by asking
//! [`char::is_whitespace`] as the core's parser does); the parsing steps are a port of that
//! module's URL parser. `tests/extension/patterns.test.mjs` holds the generated predicate
//! to `Router.recognize` on the URL fixtures and on thousands of generated URLs.

use crate::zendesk::{
    is_subdomain_byte, is_token_byte, ACCOUNT_HOST_SUFFIX, ATTACHMENT_PATH, COMMENTS_API,
    MAX_TOKEN_LEN, NOT_AN_ACCOUNT, SCHEME, SIGNED_HOST_SUFFIX, TICKET_API, TICKET_STATUS_API,
};

/// The script, with `{{NAME}}` where a value from the core goes.
const TEMPLATE: &str = r#"// GENERATED FILE, do not edit. Written by `zd-dl-router patterns --js` (src/patterns.rs)
// from the routing core's constants in src/zendesk.rs; ./build.sh writes it into
// dist/<browser>/zendesk-patterns.js. To change a Zendesk URL shape, change the core.
//
// What a Zendesk URL is, for the content scripts: they decide on a click, synchronously,
// without the WASM core. A classic script: it defines `globalThis.zdPatterns`.

(() => {
  'use strict';

  const SCHEME = {{SCHEME}};
  const ACCOUNT_HOST_SUFFIX = {{ACCOUNT_HOST_SUFFIX}};
  const NOT_AN_ACCOUNT = {{NOT_AN_ACCOUNT}};
  const SIGNED_HOST_SUFFIX = {{SIGNED_HOST_SUFFIX}};
  const ATTACHMENT_PATH = {{ATTACHMENT_PATH}};
  const SUBDOMAIN = {{SUBDOMAIN}};
  const TOKEN = {{TOKEN}};
  const SPACE = {{SPACE}};
  const TICKET_API = {{TICKET_API}};
  const TICKET_STATUS_API = {{TICKET_STATUS_API}};
  const COMMENTS_API = {{COMMENTS_API}};

  const lowerAscii = (s) => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());

  /** `url` without the white space around it (the core's white space, all of it in the BMP). */
  function trim(url) {
    let start = 0;
    let end = url.length;
    while (start < end && SPACE.test(url[start])) start++;
    while (end > start && SPACE.test(url[end - 1])) end--;
    return url.slice(start, end);
  }

  /** {scheme, host, path} of an absolute URL, split as the core splits it, or null. */
  function parts(url) {
    const text = trim(String(url));
    const schemeEnd = text.indexOf('://');
    if (schemeEnd < 0) return null;
    const rest = text.slice(schemeEnd + 3).split('#')[0];
    const authorityEnd = rest.search(/[/?]/);
    const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
    const path = (authorityEnd < 0 ? '' : rest.slice(authorityEnd)).split('?')[0];
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    const portStart = hostPort.lastIndexOf(':');
    const host = portStart >= 0 && /^[0-9]*$/.test(hostPort.slice(portStart + 1)) ? hostPort.slice(0, portStart) : hostPort;
    return { scheme: text.slice(0, schemeEnd), host: lowerAscii(host.replace(/\.+$/, '')), path: path || '/' };
  }

  /** Whether `host` (lower case) is a Zendesk account's: `<subdomain>.zendesk.com`, or one of `hosts`. */
  function isAccountHost(host, hosts) {
    if (host.endsWith(ACCOUNT_HOST_SUFFIX)) {
      const subdomain = host.slice(0, -ACCOUNT_HOST_SUFFIX.length);
      return subdomain !== NOT_AN_ACCOUNT && SUBDOMAIN.test(subdomain);
    }
    return hosts.some((h) => lowerAscii(String(h)) === host);
  }

  /**
   * Whether `href` is a Zendesk attachment link, `https://<sub>.zendesk.com/attachments/token/<token>/…`:
   * exactly when the core's recognize(href, hosts) is an attachment. `hosts`: host-mapped
   * domains to accept besides zendesk.com accounts (a content script passes its own page's
   * host: it runs only on Zendesk pages).
   */
  function isAttachmentLink(href, hosts = []) {
    const url = parts(href);
    if (!url || lowerAscii(url.scheme) !== SCHEME) return false;
    if (url.host.endsWith(SIGNED_HOST_SUFFIX)) return false; // a signed URL: a kind of its own
    if (!isAccountHost(url.host, hosts) || !url.path.startsWith(ATTACHMENT_PATH)) return false;
    const token = url.path.slice(ATTACHMENT_PATH.length);
    return TOKEN.test(token.endsWith('/') ? token.slice(0, -1) : token);
  }

  /** `template` with the ticket id in it; throws for anything but a positive integer. */
  function apiPath(template, ticketId) {
    if (!Number.isSafeInteger(ticketId) || ticketId <= 0) {
      const given = typeof ticketId === 'string' ? `the string "${ticketId}"` : String(ticketId);
      throw new TypeError(`zd-dl-router: a ticket id is a positive integer, not ${given}`);
    }
    return template.replace('{id}', String(ticketId));
  }

  globalThis.zdPatterns = Object.freeze({
    isAttachmentLink,
    /** The ticket with its organization and requester sideloaded: what the router reads. */
    ticketPath: (ticketId) => apiPath(TICKET_API, ticketId),
    /** The ticket alone, for its status (the clean-up). */
    ticketStatusPath: (ticketId) => apiPath(TICKET_STATUS_API, ticketId),
    /** The first page of the ticket's comments; each page names the next (`next_page`). */
    commentsPath: (ticketId) => apiPath(COMMENTS_API, ticketId),
    /** The same with inline images among the attachments (the clean-up's redaction check). */
  });
})();
"#;

/// The generated `zendesk-patterns.js` (see the module docs).
pub fn js() -> String {
    let string = |s: &str| serde_json::Value::from(s).to_string();
    let values = [
        ("SCHEME", string(SCHEME)),
        ("ACCOUNT_HOST_SUFFIX", string(ACCOUNT_HOST_SUFFIX)),
        ("NOT_AN_ACCOUNT", string(NOT_AN_ACCOUNT)),
        ("SIGNED_HOST_SUFFIX", string(SIGNED_HOST_SUFFIX)),
        ("ATTACHMENT_PATH", string(ATTACHMENT_PATH)),
        (
            "SUBDOMAIN",
            format!("/^{}+$/u", ascii_class(is_subdomain_byte)),
        ),
        (
            "TOKEN",
            format!("/^{}{{1,{MAX_TOKEN_LEN}}}$/u", ascii_class(is_token_byte)),
        ),
        ("SPACE", format!("/^{}$/u", class(white_space()))),
        ("TICKET_API", string(TICKET_API)),
        ("TICKET_STATUS_API", string(TICKET_STATUS_API)),
        ("COMMENTS_API", string(COMMENTS_API)),
    ];
    values
        .iter()
        .fold(TEMPLATE.to_owned(), |js, (name, value)| {
            js.replace(&format!("{{{{{name}}}}}"), value)
        })
}

/// Every character [`char::is_whitespace`] accepts, in order: what `str::trim` removes.
fn white_space() -> impl Iterator<Item = char> {
    (0..=char::MAX as u32)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
}

/// A character class (for a regex with the `u` flag) of the ASCII characters `allowed` accepts.
fn ascii_class(allowed: fn(u8) -> bool) -> String {
    class((0..=127u8).filter(|&b| allowed(b)).map(char::from))
}

/// A character class (for a regex with the `u` flag) of `chars` (ascending), as ranges:
/// letters and digits as they are, everything else escaped (`\u{2d}`).
fn class(chars: impl Iterator<Item = char>) -> String {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in chars {
        match ranges.last_mut() {
            Some((_, end)) if *end as u32 + 1 == c as u32 => *end = c,
            _ => ranges.push((c, c)),
        }
    }
    let one = |c: char| {
        if c.is_ascii_alphanumeric() {
            c.to_string()
        } else {
            format!("\\u{{{:x}}}", c as u32)
        }
    };
    let body: String = ranges
        .iter()
        .map(|&(start, end)| match end as u32 - start as u32 {
            0 => one(start),
            1 => one(start) + &one(end),
            _ => format!("{}-{}", one(start), one(end)),
        })
        .collect();
    format!("[{body}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_in_every_value_of_the_template() {
        let js = js();
        assert!(!js.contains("{{"), "a placeholder is left:\n{js}");
        assert!(js.starts_with("// GENERATED FILE, do not edit."));
        assert!(js.contains(r#"const ATTACHMENT_PATH = "/attachments/token/";"#));
        assert!(js.contains(r"const TOKEN = /^[\u{2d}0-9A-Z\u{5f}a-z]{1,256}$/u;"));
        assert!(js.contains(r"const SUBDOMAIN = /^[\u{2d}0-9a-z]+$/u;"));
    }

    #[test]
    fn writes_character_classes_as_ranges() {
        assert_eq!(class("abcxz".chars()), "[a-cxz]");
        assert_eq!(class("ab/".chars()), r"[ab\u{2f}]");
        assert_eq!(
            class(['\t', '\n', '\u{3000}'].into_iter()),
            r"[\u{9}\u{a}\u{3000}]"
        );
    }

    // The script trims one UTF-16 unit at a time: right only while no white space lies
    // outside the Basic Multilingual Plane.
    #[test]
    fn white_space_lies_in_the_basic_multilingual_plane() {
        assert!(white_space().all(|c| (c as u32) <= 0xFFFF));
        assert!(white_space().count() > 20);
    }
}
