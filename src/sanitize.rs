//! TEMPORARY stub, replaced by the real sanitizer.
#![allow(missing_docs)]
pub const MAX_FILE_NAME_BYTES: usize = 255;
pub const MAX_DIR_NAME_BYTES: usize = 100;
pub const MAX_DEPTH: usize = 10;
pub fn component(raw: &str, _is_file_name: bool) -> String {
    let s: String = raw
        .trim()
        .trim_end_matches(['.', ' '])
        .chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let s = if s.starts_with('.') {
        format!("_{}", &s[1..])
    } else {
        s
    };
    if s.is_empty() || s.eq_ignore_ascii_case("con") {
        format!("_{s}")
    } else {
        s
    }
}
pub fn is_portable_component(s: &str) -> bool {
    component(s, true) == s
}
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath(String);
impl SafePath {
    pub fn new<S: AsRef<str>>(dirs: &[S], file_name: &str) -> SafePath {
        let mut parts: Vec<String> = dirs
            .iter()
            .filter(|d| !d.as_ref().trim().is_empty())
            .take(MAX_DEPTH)
            .map(|d| component(d.as_ref(), false))
            .collect();
        parts.push(if file_name.trim().is_empty() {
            "download".into()
        } else {
            component(file_name, true)
        });
        SafePath(parts.join("/"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn dir(&self) -> &str {
        self.0.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    }
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }
}
impl std::fmt::Display for SafePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
