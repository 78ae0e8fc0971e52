//! Which agent tab loads which ticket when a download needs a ticket the router does not
//! know: a good citizen towards Zendesk's API.
//!
//! Zendesk's API limit (200–700 requests a minute, by plan) is shared by the whole support
//! team. A download of an attachment token no known ticket lists could be from any ticket
//! an agent has open; the only honest candidates are the tickets the agent tabs show
//! *now*. So a token lookup reloads each ticket shown in an agent tab once (one tab per
//! ticket, however many tabs show it), and never the same ticket more than once per
//! [`RELOAD_INTERVAL_MS`]. A ticket-id lookup (the referrer named the ticket) loads that
//! one ticket through one tab, preferring a tab that shows it.

use crate::router::Lookup;
use crate::tickets::TicketRef;
use crate::zendesk::{Instance, TicketId};
use serde::{Deserialize, Serialize};

/// A ticket is force-reloaded for token lookups at most once in this many milliseconds.
pub const RELOAD_INTERVAL_MS: f64 = 30_000.0;

/// An agent tab of the instance and the ticket its URL shows (if any).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentTab {
    /// The browser's tab id.
    pub tab_id: u64,
    /// The ticket the tab shows, when it shows one.
    #[serde(default)]
    pub ticket_id: Option<TicketId>,
}

/// One load to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Load {
    /// The tab to ask.
    pub tab_id: u64,
    /// The ticket it loads (ticket JSON and all comment pages).
    pub ticket_id: TicketId,
    /// Bypass the tab's cache (token lookups: the ticket may have a new attachment).
    pub fresh: bool,
}

/// When each ticket was last reloaded for a token lookup. Bounded: entries older than
/// the interval are dropped at every plan.
#[derive(Debug, Clone, Default)]
pub struct Reloads {
    last: Vec<(TicketRef, f64)>,
}

impl Reloads {
    /// The loads for `lookup` on `instance`, given its agent `tabs`; records the reloads.
    pub fn plan(
        &mut self,
        instance: &Instance,
        lookup: &Lookup,
        tabs: &[AgentTab],
        now_ms: f64,
    ) -> Vec<Load> {
        self.last.retain(|(_, t)| now_ms - *t < RELOAD_INTERVAL_MS);
        match lookup {
            Lookup::TicketId(id) => tabs
                .iter()
                .find(|t| t.ticket_id == Some(*id))
                .or(tabs.first())
                .map(|t| Load {
                    tab_id: t.tab_id,
                    ticket_id: *id,
                    fresh: false,
                })
                .into_iter()
                .collect(),
            Lookup::Token(_) => {
                let mut loads: Vec<Load> = Vec::new();
                for tab in tabs {
                    let Some(id) = tab.ticket_id else { continue };
                    let key = TicketRef {
                        instance: instance.clone(),
                        id,
                    };
                    if self.last.iter().any(|(k, _)| *k == key) {
                        continue;
                    }
                    self.last.push((key, now_ms));
                    loads.push(Load {
                        tab_id: tab.tab_id,
                        ticket_id: id,
                        fresh: true,
                    });
                }
                loads
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zendesk::Token;

    fn tab(tab_id: u64, ticket: Option<u64>) -> AgentTab {
        AgentTab {
            tab_id,
            ticket_id: ticket.map(TicketId),
        }
    }

    fn token() -> Lookup {
        Lookup::Token(Token::parse("T").expect("token"))
    }

    fn tickets(loads: &[Load]) -> Vec<(u64, u64)> {
        loads.iter().map(|l| (l.tab_id, l.ticket_id.0)).collect()
    }

    #[test]
    fn a_token_reloads_each_shown_ticket_once_through_one_tab() {
        let acme = Instance::new("acme");
        let tabs = [
            tab(1, Some(10)),
            tab(2, Some(10)),
            tab(3, Some(11)),
            tab(4, None),
        ];
        let loads = Reloads::default().plan(&acme, &token(), &tabs, 0.0);
        assert_eq!(tickets(&loads), [(1, 10), (3, 11)]);
        assert!(loads.iter().all(|l| l.fresh));
    }

    #[test]
    fn a_ticket_is_reloaded_at_most_once_per_interval() {
        let acme = Instance::new("acme");
        let tabs = [tab(1, Some(10))];
        let mut r = Reloads::default();
        assert_eq!(r.plan(&acme, &token(), &tabs, 0.0).len(), 1);
        assert!(r
            .plan(&acme, &token(), &tabs, RELOAD_INTERVAL_MS - 1.0)
            .is_empty());
        assert_eq!(r.plan(&acme, &token(), &tabs, RELOAD_INTERVAL_MS).len(), 1);
        assert_eq!(r.last.len(), 1, "bounded");
    }

    #[test]
    fn a_ticket_id_is_loaded_by_one_tab_preferring_the_one_showing_it() {
        let acme = Instance::new("acme");
        let tabs = [tab(1, Some(10)), tab(2, Some(12))];
        let mut r = Reloads::default();
        let loads = r.plan(&acme, &Lookup::TicketId(TicketId(12)), &tabs, 0.0);
        assert_eq!(tickets(&loads), [(2, 12)]);
        assert!(!loads[0].fresh);
        let other = r.plan(&acme, &Lookup::TicketId(TicketId(99)), &tabs, 0.0);
        assert_eq!(tickets(&other), [(1, 99)]);
        assert!(r
            .plan(&acme, &Lookup::TicketId(TicketId(99)), &[], 0.0)
            .is_empty());
    }
}
