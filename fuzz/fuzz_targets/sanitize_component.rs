//! libFuzzer target: `sanitize::component` and `SafePath::new` on arbitrary bytes (lossy
//! UTF-8), judged by the browsers' rules (`tests/oracle`), not by the product's own checker.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::sanitize::{component, SafePath, MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES};

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for is_file in [false, true] {
        let c = component(&s, is_file);
        let limit = if is_file {
            MAX_FILE_NAME_BYTES
        } else {
            MAX_DIR_NAME_BYTES
        };
        assert!(!c.is_empty() && c.len() <= limit, "{s:?} -> {c:?}");
        // A folder is judged with a file in it.
        let path = if is_file { c.clone() } else { format!("{c}/f") };
        let rejected = oracle::rejections(&path);
        assert!(rejected.is_empty(), "{s:?} -> {c:?}: {rejected:#?}");
        assert_eq!(component(&c, is_file), c, "not idempotent: {s:?}");
    }
    let parts: Vec<&str> = s.split('\u{1}').collect();
    let (file, dirs) = parts.split_last().unwrap();
    let p = SafePath::new(dirs, file);
    let rejected = oracle::rejections(p.as_str());
    assert!(rejected.is_empty(), "{s:?} -> {p}: {rejected:#?}");
});
