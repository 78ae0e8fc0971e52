//! libFuzzer target: `sanitize::component` and `SafePath::new` on arbitrary bytes (lossy UTF-8).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zd_dl_router::sanitize::{
    component, is_portable_component, SafePath, MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES,
};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for is_file in [false, true] {
        let c = component(&s, is_file);
        let limit = if is_file {
            MAX_FILE_NAME_BYTES
        } else {
            MAX_DIR_NAME_BYTES
        };
        assert!(
            is_portable_component(&c) && c.len() <= limit,
            "{s:?} -> {c:?}"
        );
        assert_eq!(component(&c, is_file), c, "not idempotent: {s:?}");
    }
    let parts: Vec<&str> = s.split('\u{1}').collect();
    let (file, dirs) = parts.split_last().unwrap();
    let p = SafePath::new(dirs, file);
    for part in p.as_str().split('/') {
        assert!(is_portable_component(part), "{s:?} -> {p}");
    }
});
