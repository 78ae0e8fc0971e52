//! libFuzzer target: `ValidSettings::from_json` on arbitrary text; valid settings route a
//! hostile download below the base folder, to a path both browsers save unchanged on every
//! OS (judged by `tests/oracle`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::router::{decide, Decision, DownloadEvent};
use zd_dl_router::settings::ValidSettings;
use zd_dl_router::tickets::{Knowledge, Organization, Ticket};
use zd_dl_router::zendesk::{Instance, TicketId};

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(settings) = ValidSettings::from_json(&s) else {
        return;
    };
    let mut k = Knowledge::default();
    k.observe_ticket(
        Ticket {
            instance: Instance::new("acme"),
            id: TicketId(4711),
            organization: Some(Organization {
                id: 9,
                name: "../ACME\u{202E}. ".into(),
            }),
            subject: Some("CON".into()),
            requester: Some("a/b".into()),
            status: Some("open".into()),
        },
        0.0,
    );
    let event = DownloadEvent {
        url: "https://acme.zendesk.com/attachments/token/Tk1/?name=..%2F..%2Fx.lnk".into(),
        referrer: Some("https://acme.zendesk.com/agent/tickets/4711".into()),
        lookup_done: true,
        ..DownloadEvent::default()
    };
    if let Decision::Route { path, .. } = decide(&event, &k, &settings) {
        let base: Vec<&str> = settings.base_dirs().collect();
        let parts: Vec<&str> = path.as_str().split('/').collect();
        assert!(
            parts.len() > base.len() && parts[..base.len()] == base[..],
            "{path}"
        );
        let rejected = oracle::rejections(path.as_str());
        assert!(rejected.is_empty(), "{s:?} -> {path}: {rejected:#?}");
    }
});
