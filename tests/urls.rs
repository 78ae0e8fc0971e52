//! `tests/fixtures/urls.tsv`: real-world URL shapes.

use zd_dl_router::zendesk::{recognize, ZendeskUrl};

#[test]
fn every_url_in_the_fixture_is_recognized_as_listed() {
    let mapped = vec!["support.example.com".to_string()];
    let fixture = include_str!("fixtures/urls.tsv");
    let mut checked = 0;
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (url, kind, instance, id, name) = (
            cols[0],
            cols[1],
            cols[2],
            cols[3],
            cols.get(4).copied().unwrap_or(""),
        );
        let got = recognize(url, &mapped);
        match (kind, got) {
            ("none", None) => {}
            (
                "page",
                Some(ZendeskUrl::TicketPage {
                    instance: i,
                    ticket_id,
                }),
            ) => {
                assert_eq!(
                    (i.as_str(), ticket_id.to_string().as_str()),
                    (instance, id),
                    "{url}"
                );
            }
            (
                "attachment",
                Some(ZendeskUrl::Attachment {
                    instance: i,
                    token,
                    name: n,
                }),
            ) => {
                assert_eq!(
                    (i.as_str(), token.as_str(), n.as_deref().unwrap_or("")),
                    (instance, id, name),
                    "{url}"
                );
            }
            ("signed", Some(ZendeskUrl::SignedAttachment { token, .. })) => {
                assert_eq!(token.as_str(), id, "{url}")
            }
            (kind, got) => panic!("{url}: expected {kind}, got {got:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixture lines");
}
