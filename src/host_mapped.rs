//! Host-mapped agent domains (`support.example.com` for `acme.zendesk.com`) in the browser.
//!
//! The manifest's content script runs on `https://*.zendesk.com/agent/*` only; declaring it
//! for every host would widen what the extension may read at install time. So for each
//! host-mapped domain the user granted access to, the worker registers the same script at
//! run time. This module decides what that takes: which domains are valid, the origin whose
//! host permission a domain needs ([`HostAccess::origin`], what the options page and the
//! popup request), the content script of its agent pages ([`HostAccess::matches`],
//! [`HostAccess::id`]), and which registrations to add and drop ([`script_changes`]).
//!
//! ```
//! use zd_dl_router::host_mapped::host_access;
//! let access = host_access(" Support.Example.COM. ").expect("a host name");
//! assert_eq!(access.origin, "https://support.example.com/*");
//! assert_eq!(access.matches, ["https://support.example.com/agent/*"]);
//! assert_eq!(host_access("support.example.com:8443"), None);
//! ```

use crate::zendesk::{Instance, ACCOUNT_HOST_SUFFIX, SCHEME};
use serde::Serialize;

/// The id of every content script registered for a host-mapped domain starts with this; the
/// domain follows. Its match patterns follow from the domain: a version that changes them
/// changes this prefix, so that registrations of the old shape are dropped.
pub const SCRIPT_ID_PREFIX: &str = "host-mapped:";

/// The agent pages of a domain, as the manifest's content script matches them on zendesk.com.
const AGENT_PAGES: &str = "/agent/*";

/// What a host-mapped domain needs in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostAccess {
    /// The domain, normalised (lower case, no trailing dot).
    pub domain: String,
    /// The host permission to ask for: `https://<domain>/*`.
    pub origin: String,
    /// The match patterns of its content script: `https://<domain>/agent/*`.
    pub matches: Vec<String>,
    /// The id of its content script registration.
    pub id: String,
}

/// What to change so that exactly the wanted scripts are registered.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScriptChanges {
    /// Ids of registrations to drop (first).
    pub unregister: Vec<String>,
    /// Registrations to add.
    pub register: Vec<HostAccess>,
}

/// `raw` as the settings keep it: the name of the instance the domain is (trimmed, without
/// trailing dots, ASCII lower case), so a setting and the instance of its URLs compare equal.
pub fn normalise(raw: &str) -> String {
    Instance::new(raw).as_str().to_owned()
}

/// Why `domain` (normalised) cannot be a host-mapped domain, or `None` when it can.
pub fn problem(domain: &str) -> Option<String> {
    if !is_host_name(domain) {
        let hint = if domain.is_ascii() {
            ""
        } else {
            " (write an international name in its xn-- form)"
        };
        return Some(format!(
            "'{domain}' is not a host name like support.example.com{hint}"
        ));
    }
    domain
        .ends_with(ACCOUNT_HOST_SUFFIX)
        .then(|| "zendesk.com subdomains are recognised without listing them".to_owned())
}

/// What host-mapped domain `raw` needs, or `None` when it is none (see [`problem`]).
pub fn host_access(raw: &str) -> Option<HostAccess> {
    let domain = normalise(raw);
    if problem(&domain).is_some() {
        return None;
    }
    Some(HostAccess {
        origin: format!("{SCHEME}://{domain}/*"),
        matches: vec![format!("{SCHEME}://{domain}{AGENT_PAGES}")],
        id: format!("{SCRIPT_ID_PREFIX}{domain}"),
        domain,
    })
}

/// The changes that leave registered exactly one script per domain of `granted` (the
/// host-mapped domains whose host permission is granted; invalid ones and repeats are
/// skipped), given the ids of the scripts `registered` now. Registrations with ids not of
/// [`SCRIPT_ID_PREFIX`] are not touched; ours for a domain no longer granted are dropped.
pub fn script_changes(granted: &[String], registered: &[String]) -> ScriptChanges {
    let mut wanted: Vec<HostAccess> = Vec::new();
    for access in granted.iter().filter_map(|d| host_access(d)) {
        if !wanted.iter().any(|w| w.id == access.id) {
            wanted.push(access);
        }
    }
    ScriptChanges {
        unregister: registered
            .iter()
            .filter(|id| id.starts_with(SCRIPT_ID_PREFIX) && !wanted.iter().any(|w| &w.id == *id))
            .cloned()
            .collect(),
        register: wanted
            .into_iter()
            .filter(|w| !registered.contains(&w.id))
            .collect(),
    }
}

fn is_host_name(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `pattern` is a valid `https` match pattern with one exact host, by the grammar
    /// of Chrome's and Firefox's match patterns: `https://<host><path>`, the host without
    /// wildcard, port, user info or upper case, the path starting with `/`.
    fn is_exact_https_pattern(pattern: &str) -> bool {
        let Some(rest) = pattern.strip_prefix("https://") else {
            return false;
        };
        let Some(slash) = rest.find('/') else {
            return false;
        };
        let host = &rest[..slash];
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
    }

    #[test]
    fn a_domain_gets_its_origin_its_agent_pages_and_an_id_of_its_own() {
        let access = host_access("support.example.com").expect("valid");
        assert_eq!(
            access,
            HostAccess {
                domain: "support.example.com".into(),
                origin: "https://support.example.com/*".into(),
                matches: vec!["https://support.example.com/agent/*".into()],
                id: "host-mapped:support.example.com".into(),
            }
        );
    }

    #[test]
    fn upper_case_space_and_trailing_dots_are_normalised_away() {
        for raw in [
            "SUPPORT.example.com",
            " support.example.com\t",
            "support.example.com.",
            "support.example.com..",
        ] {
            let access = host_access(raw).unwrap_or_else(|| panic!("{raw:?} is valid"));
            assert_eq!(access.origin, "https://support.example.com/*", "{raw:?}");
        }
    }

    #[test]
    fn hostile_domains_yield_no_access() {
        for raw in [
            "",
            ".",
            "localhost",
            "support.example.com:8443",
            "support.example.com/agent",
            "https://support.example.com",
            "*.example.com",
            "*",
            "user@support.example.com",
            "support..example.com",
            ".support.example.com",
            "-support.example.com",
            "support-.example.com",
            "support example.com",
            "bücher.example",
            "support.example.com/*",
            "support.example.com?x=1",
            "support.example.com#x",
            "[::1]",
            "acme.zendesk.com",
            &format!("{}.example.com", "a".repeat(64)),
            &format!("{}com", "a.".repeat(127)),
        ] {
            assert_eq!(host_access(raw), None, "{raw:?} must be refused");
            assert!(problem(&normalise(raw)).is_some(), "{raw:?} has a problem");
        }
    }

    #[test]
    fn an_international_name_is_refused_with_a_hint_and_accepted_in_its_ascii_form() {
        let problem = problem(&normalise("Bücher.example")).expect("refused");
        assert!(problem.contains("xn--"), "{problem}");
        assert_eq!(
            host_access("xn--bcher-kva.example").map(|a| a.origin),
            Some("https://xn--bcher-kva.example/*".to_owned())
        );
    }

    #[test]
    fn every_accepted_domain_yields_valid_exact_match_patterns() {
        let samples = [
            "support.example.com",
            "A.B",
            "127.0.0.1",
            "xn--bcher-kva.example.",
            "a-b.c-d.e",
            &format!("{}.example.com", "a".repeat(63)),
            "9.9",
        ];
        for raw in samples {
            let access = host_access(raw).unwrap_or_else(|| panic!("{raw:?} is valid"));
            for pattern in access.matches.iter().chain([&access.origin]) {
                assert!(is_exact_https_pattern(pattern), "{raw:?} → {pattern}");
            }
            assert!(access.matches[0].ends_with("/agent/*"));
        }
        // Every single character in a domain: whatever is accepted still gives valid patterns.
        for c in (0u8..=127).map(char::from).chain(['é', 'ß', '\u{3000}']) {
            if let Some(access) = host_access(&format!("sup{c}port.example.com")) {
                assert!(is_exact_https_pattern(&access.origin), "{c:?}");
                assert!(is_exact_https_pattern(&access.matches[0]), "{c:?}");
            }
        }
    }

    #[test]
    fn granted_domains_not_registered_are_registered_once() {
        let changes = script_changes(
            &[
                "support.example.com".into(),
                "Support.Example.com".into(),
                "help.example.org".into(),
                "not a host".into(),
            ],
            &[],
        );
        let ids: Vec<_> = changes.register.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "host-mapped:support.example.com",
                "host-mapped:help.example.org"
            ]
        );
        assert!(changes.unregister.is_empty());
    }

    #[test]
    fn registrations_in_place_are_left_alone() {
        let changes = script_changes(
            &["support.example.com".into()],
            &["host-mapped:support.example.com".into()],
        );
        assert_eq!(changes, ScriptChanges::default());
    }

    #[test]
    fn registrations_of_domains_no_longer_granted_or_listed_are_dropped() {
        let changes = script_changes(
            &["help.example.org".into()],
            &[
                "host-mapped:support.example.com".into(),
                "host-mapped:help.example.org".into(),
                "someone-else".into(),
            ],
        );
        assert_eq!(changes.unregister, ["host-mapped:support.example.com"]);
        assert!(changes.register.is_empty());
    }
}
