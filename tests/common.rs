//! Shared by the property tests (`tests/fuzz.rs`) and the hostile-name tests
//! (`tests/hostile.rs`): the invariants of a routed path, and the hostile-name corpus.

use zd_dl_router::sanitize::{
    component, is_portable_component, MAX_DEPTH, MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES,
};

/// The first invariant `path` breaks, if any: relative, no `\` or `:`, at most
/// [`MAX_DEPTH`] folders, inside `base` (its components), no `.`/`..`/empty component,
/// every component portable, within its length limit and unchanged by the sanitizer.
pub fn violation(path: &str, base: &[&str]) -> Option<String> {
    if path.is_empty() {
        return Some("empty path".into());
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return Some(format!("not a plain relative path: {path:?}"));
    }
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() - 1 > MAX_DEPTH {
        return Some(format!("too deep: {path:?}"));
    }
    if parts.len() <= base.len() || parts[..base.len()] != *base {
        return Some(format!("not inside {base:?}: {path:?}"));
    }
    for (i, part) in parts.iter().enumerate() {
        let is_file = i == parts.len() - 1;
        let limit = if is_file {
            MAX_FILE_NAME_BYTES
        } else {
            MAX_DIR_NAME_BYTES
        };
        if *part == "." || *part == ".." || part.is_empty() {
            return Some(format!("bad component {part:?} in {path:?}"));
        }
        if part.len() > limit {
            return Some(format!(
                "{part:?} too long ({} bytes) in {path:?}",
                part.len()
            ));
        }
        if !is_portable_component(part) {
            return Some(format!("{part:?} not portable in {path:?}"));
        }
        if component(part, is_file) != *part {
            return Some(format!(
                "{part:?} not a fixed point of the sanitizer in {path:?}"
            ));
        }
    }
    None
}

const CORPUS: &str = include_str!("fixtures/hostile-names");

/// Decodes one corpus line (see the escapes documented at the top of the file).
pub fn unescape(line: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let braced = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Result<String, String> {
        if chars.next() != Some('{') {
            return Err(format!("expected '{{' in {line:?}"));
        }
        let inner: String = chars.by_ref().take_while(|&c| c != '}').collect();
        Ok(inner)
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('#') => out.push('#'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('s') => out.push(' '),
            Some('e') => {}
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let n = u32::from_str_radix(&hex, 16)
                    .map_err(|e| format!("\\x{hex} in {line:?}: {e}"))?;
                out.push(char::from_u32(n).ok_or_else(|| format!("bad \\x{hex}"))?);
            }
            Some('u') => {
                let hex = braced(&mut chars)?;
                let n = u32::from_str_radix(&hex, 16)
                    .map_err(|e| format!("\\u{{{hex}}} in {line:?}: {e}"))?;
                out.push(
                    char::from_u32(n)
                        .ok_or_else(|| format!("\\u{{{hex}}} is not a scalar value"))?,
                );
            }
            Some('*') => {
                let n: usize = braced(&mut chars)?
                    .parse()
                    .map_err(|e| format!("\\*{{}} in {line:?}: {e}"))?;
                let prev = out
                    .chars()
                    .last()
                    .ok_or_else(|| format!("\\* with nothing before it in {line:?}"))?;
                for _ in 1..n {
                    out.push(prev);
                }
            }
            other => return Err(format!("unknown escape \\{other:?} in {line:?}")),
        }
    }
    Ok(out)
}

/// Every name of the corpus, decoded, in file order.
pub fn corpus() -> Vec<String> {
    CORPUS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| unescape(l).unwrap_or_else(|e| panic!("tests/fixtures/hostile-names: {e}")))
        .collect()
}

/// `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
