//! Shared by the property tests (`tests/fuzz.rs`) and the hostile-name tests
//! (`tests/hostile.rs`): what a routed path must be, judged by the browsers' rules
//! (`tests/oracle`), and the hostile-name corpus.

use crate::oracle;
use zd_dl_router::sanitize::{MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES};

/// Why `path` is not a routed path below `base` (its components), if it is not: it must
/// lie inside the base folder, with a file name below it, and be saved unchanged by both
/// browsers on every OS.
pub fn violation(path: &str, base: &[&str]) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() <= base.len() || parts[..base.len()] != *base {
        return Some(format!("not inside {base:?}: {path:?}"));
    }
    let rejected = oracle::rejections(path);
    (!rejected.is_empty()).then(|| {
        format!(
            "{path:?} would not be saved unchanged:\n  {}",
            rejected.join("\n  ")
        )
    })
}

/// Why `path`, routed with the default template for ticket 4711 of organization `org`
/// (`None`: none) and attachment `file`, is not where that template puts it, if it is not.
/// Stated without the sanitizer: a path both browsers save unchanged is kept exactly when
/// its names are within the product's documented limits (`MAX_DIR_NAME_BYTES`,
/// `MAX_FILE_NAME_BYTES`); otherwise it is `zendesk/<folder>/4711/<name>`, the folder
/// `_no-organization` for a missing or blank organization, and folder and name made only of
/// the organization's and the file's own letters and digits, in order (a sanitizer drops
/// and replaces characters and may rename a dangerous extension to `download`; it never
/// invents text).
pub fn default_layout_violation(path: &str, org: Option<&str>, file: &str) -> Option<String> {
    const NO_ORGANIZATION: &str = "_no-organization";
    let org = org.filter(|o| !o.trim().is_empty());
    let org_folder = org.unwrap_or(NO_ORGANIZATION);
    let asked = format!("zendesk/{org_folder}/4711/{file}");
    let within_limits = org_folder.len() <= MAX_DIR_NAME_BYTES && file.len() <= MAX_FILE_NAME_BYTES;
    if within_limits
        && !org_folder.contains('/')
        && !file.contains('/')
        && oracle::rejections(&asked).is_empty()
    {
        return (path != asked)
            .then(|| format!("{asked:?} is fine everywhere, yet routed to {path:?}"));
    }
    let parts: Vec<&str> = path.split('/').collect();
    let ["zendesk", folder, "4711", name] = parts[..] else {
        return Some(format!(
            "{path:?} is not zendesk/<organization>/4711/<file>"
        ));
    };
    match org {
        None if folder != NO_ORGANIZATION => {
            return Some(format!(
                "{path:?}: a ticket without organization belongs in {NO_ORGANIZATION:?}"
            ))
        }
        Some(org) if !keeps_own_text(folder, org, "") => {
            return Some(format!(
                "folder {folder:?} has text that is not in organization {org:?}"
            ))
        }
        _ => {}
    }
    if !keeps_own_text(name, file, "download") {
        return Some(format!(
            "file name {name:?} has text that is not in {file:?}"
        ));
    }
    None
}

/// True when the letters and digits of `made` occur, in order, among those of `from`
/// followed by `added`.
fn keeps_own_text(made: &str, from: &str, added: &str) -> bool {
    let mut source = from
        .chars()
        .chain(added.chars())
        .filter(|c| c.is_alphanumeric());
    made.chars()
        .filter(|c| c.is_alphanumeric())
        .all(|c| source.any(|s| s == c))
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
