//! libFuzzer target: `zendesk::recognize` and `percent_decode` on arbitrary text: never
//! panics, and an attachment link with any text as its `?name=` is recognised as that link.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::zendesk::{percent_decode, recognize, ZendeskUrl};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = percent_decode(&s);
    let mapped = vec!["support.example.com".to_string()];
    let _ = recognize(&s, &mapped);
    let url = format!("https://acme.zendesk.com/attachments/token/Tk1/?name={s}");
    match recognize(&url, &mapped) {
        Some(ZendeskUrl::Attachment {
            instance,
            token,
            name,
        }) => {
            assert_eq!(
                (instance.as_str(), token.as_str()),
                ("acme", "Tk1"),
                "{url:?}"
            );
            assert_ne!(name.as_deref(), Some(""), "{url:?}");
        }
        other => panic!("{url:?} is an attachment link, recognised as {other:?}"),
    }
});
