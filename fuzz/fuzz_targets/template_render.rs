//! libFuzzer target: `Template::parse` on arbitrary text; every parsed template renders, for
//! hostile values (the input's tail, split on U+0001), a path both browsers save unchanged on
//! every OS (judged by `tests/oracle`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::sanitize::MAX_DEPTH;
use zd_dl_router::template::Template;

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (source, values) = s
        .split_once('\u{2}')
        .unwrap_or((&s, "../x\u{1}CON\u{1}a\u{202E}b"));
    let values: Vec<&str> = values.split('\u{1}').collect();
    if let Ok(t) = Template::parse(source) {
        let i = std::cell::Cell::new(0usize);
        let p = t.render(|_| {
            i.set(i.get() + 1);
            values[i.get() % values.len()].to_owned()
        });
        assert!(
            p.as_str().split('/').count() <= MAX_DEPTH + 1,
            "{source:?} -> {p}"
        );
        let rejected = oracle::rejections(p.as_str());
        assert!(rejected.is_empty(), "{source:?} -> {p}: {rejected:#?}");
    }
});
