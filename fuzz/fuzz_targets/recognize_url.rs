//! libFuzzer target: `zendesk::recognize` and `percent_decode` on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::zendesk::{percent_decode, recognize, Token, ZendeskUrl};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = percent_decode(&s);
    let mapped = vec!["support.example.com".to_string()];
    for url in [
        s.to_string(),
        format!("https://acme.zendesk.com/attachments/token/Tk1/?name={s}"),
    ] {
        match recognize(&url, &mapped) {
            Some(ZendeskUrl::Attachment { token, name, .. }) => {
                assert!(Token::parse(token.as_str()).is_some());
                assert_ne!(name.as_deref(), Some(""));
            }
            Some(ZendeskUrl::TicketPage { ticket_id, .. }) => assert!(ticket_id.0 > 0),
            _ => {}
        }
    }
});
