//! Turning hostile strings (organization names, attachment file names) into path
//! components that Chrome, Firefox, Windows, macOS and Linux all accept.
//!
//! Why: the router suggests `zendesk/<organization>/<ticket>/<file>` as a download
//! filename. Chrome silently ignores a suggestion it considers unsafe and saves to the
//! Downloads root instead; Firefox's `downloads.download()` rejects it with "filename
//! must not contain illegal characters". Organization and file names are chosen by
//! customers, so every component goes through [`component`], and the only way to build
//! a routed path is [`SafePath::new`].
//!
//! # Rules, and where they come from
//!
//! A component is accepted ([`is_portable_component`]) when it passes the union of:
//!
//! * **Characters illegal anywhere** — `" * / : < > ? \ |` and `~`, control characters
//!   (Cc), format characters (Cf: soft hyphen, zero-width characters, ZWJ/ZWNJ, bidi
//!   embeddings/overrides/isolates, U+FEFF, tag characters, …) and noncharacters
//!   (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF). Mirrors Chromium `base/i18n/file_util_icu.cc`
//!   `IllegalCharacters` (`illegal_anywhere_`) used by `base::i18n::IsFilenameLegal`.
//!   Also `%` (replaced), U+2028/U+2029 (dropped) and space separators other than U+0020
//!   and U+3000 (rewritten to U+0020): Firefox `nsExternalHelperAppService::SanitizeFileName`
//!   (`KNOWN_PATH_SEPARATORS FILE_ILLEGAL_CHARACTERS "%"`, general categories Cc/Zl/Zp/Zs/Cf),
//!   which `DownloadPaths.sanitize` calls and `ext-downloads.js` `downloads.download()`
//!   compares every path component against.
//! * **Characters illegal at either end** — Unicode White_Space and `.`: Chromium
//!   `illegal_at_ends_` (`IsFilenameLegal`), `SanitizeGeneratedFileName(…, true)` (Windows
//!   `CreateFile` strips trailing dots and spaces; leading and trailing dots are trimmed),
//!   and Firefox `SanitizeFileName` (drops leading dots/whitespace, trims trailing
//!   ` `, U+3000, `.`, U+180E). No leading dot also means no hidden files, `.` or `..`.
//! * **No whitespace after the last dot** — Firefox `SanitizeFileName` strips whitespace
//!   from the "extension" (everything from the last dot) of every component unless the
//!   caller passes `allowDirectoryNames`, which `ext-downloads.js` only does in recent
//!   versions and only for directories.
//! * **No shell-integrated extension** (last extension, ASCII case-insensitive): `lnk`,
//!   `local` and CLSID-like `{…}` from Chromium `net::IsShellIntegratedExtension`
//!   (`filename_util_internal.cc`, checked by `IsSafePortablePathComponent`), plus `url`,
//!   `scf`, `desktop` from Firefox `SanitizeFileName` (which appends `.download`).
//! * **No Windows reserved name** — Chromium `net::IsReservedNameOnWindows`: devices `CON
//!   PRN AUX NUL COM1-9 LPT1-9 CLOCK$`, alone or followed by `.`, and the shell's
//!   `desktop.ini` / `thumbs.db`. Added from Microsoft's "Naming Files, Paths, and
//!   Namespaces": `COM0`, `LPT0`, `COM¹²³`, `LPT¹²³`, `CONIN$`, `CONOUT$`, and a device
//!   name followed by spaces before the dot (`NUL .txt`), which Windows also maps to the device.
//! * **Length** — at most [`MAX_FILE_NAME_BYTES`] UTF-8 bytes (NTFS, APFS and ext4 all
//!   allow 255, but we stop at 240: UTF-16 units never exceed UTF-8 bytes). While downloading,
//!   Firefox writes `<name>.part` and Chrome `<name>.crdownload`; Chrome shortens names
//!   that leave no room for its suffix, Firefox does not — hence the 15 bytes of headroom.
//!
//! A whole path mirrors Chromium `net::IsSafePortableRelativePath` (not absolute, every
//! component safe) and Firefox `downloads.download()` (not absolute, no `..`).
//!
//! # How [`component`] repairs a string
//!
//! 1. Trim whitespace at both ends; replace each run of illegal characters with one `_`;
//!    rewrite odd spaces (NBSP, thin space, …) to U+0020.
//! 2. Trim trailing dots and whitespace; a leading run of dots becomes `_`.
//! 3. While the text after the last dot contains whitespace, that dot is dropped when it
//!    touches whitespace (`ACME Corp. Ltd` → `ACME Corp Ltd`) and becomes `_` otherwise.
//! 4. Shell-integrated extension: a file name gets the extension `download`, as Chromium's
//!    `EnsureSafeExtension` does on Windows (`evil.lnk` → `evil.download`; Firefox would
//!    append instead: `evil.lnk.download`); a directory gets `_` appended (`Acme.url` →
//!    `Acme.url_`) so an organization name keeps its text.
//! 5. Reserved name: prefix `_` (`CON` → `_CON`, `com1.txt` → `_com1.txt`), as Chromium's
//!    `GenerateSafeFileName` does.
//! 6. Too long: cut on a char boundary (a file name keeps an extension of at most 16
//!    bytes, `.tar.gz`-style double extensions included) and run steps 2–5 again, since
//!    a cut can expose a trailing space, a dot or a reserved name.
//! 7. Empty: `_` for a directory, `download` for a file name (Chromium's fallback name).
//!
//! Nothing else is normalized: letters of any script, emoji, combining marks and inner
//! spaces are kept (no NFC/NFD, no case change, no whitespace collapsing). Both browsers
//! reject ZWJ (U+200D), so emoji ZWJ sequences come out as their parts joined by `_`.

use std::fmt;

/// Longest file-name component, in UTF-8 bytes.
pub const MAX_FILE_NAME_BYTES: usize = 240;
/// Longest directory component, in UTF-8 bytes (folders stay readable and paths short on Windows).
pub const MAX_DIR_NAME_BYTES: usize = 100;
/// Most directory components a routed path may have.
pub const MAX_DEPTH: usize = 10;

/// Directory component used when nothing usable is left.
const FALLBACK_DIR: &str = "_";
/// File name used when nothing usable is left (Chromium's `kFinalFallbackName`).
const FALLBACK_FILE: &str = "download";
/// Extension that replaces a shell-integrated one (Chromium `EnsureSafeExtension`).
const SAFE_EXTENSION: &str = "download";
/// Longest extension (with its dot) kept when a file name is cut.
const MAX_KEPT_EXTENSION_BYTES: usize = 16;
/// How much [`finish`] can lengthen a name: `.{}` → `.download` (+6), then a `_` prefix (+1).
const FINISH_GROWTH: usize = 7;

/// Printable ASCII that is illegal anywhere: Chromium `illegal_anywhere_` (`"~*/:<>?\|`)
/// plus Firefox's `%`.
const ILLEGAL_ASCII: &[char] = &['"', '*', '/', ':', '<', '>', '?', '\\', '|', '~', '%'];

/// Unicode general category Cf (format), Unicode 15/16.
const FORMAT_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Last extensions that make Windows (or a Linux desktop) treat a file specially.
const SHELL_INTEGRATED_EXTENSIONS: &[&str] = &["lnk", "local", "url", "scf", "desktop"];

/// Final extensions that form a double extension with the one before (`.tar.gz`);
/// Chromium `kCommonDoubleExtensionSuffixes`.
const DOUBLE_EXTENSION_SUFFIXES: &[&str] =
    &["bz", "bz2", "gz", "lz", "lzma", "lzo", "xz", "z", "zst"];

/// Windows device names, lower case.
const RESERVED_DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "clock$", "conin$", "conout$", "com0", "com1", "com2", "com3",
    "com4", "com5", "com6", "com7", "com8", "com9", "com¹", "com²", "com³", "lpt0", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "lpt¹", "lpt²", "lpt³",
];

/// Whole names the Windows shell gives a meaning ("Customize folder"), lower case.
const RESERVED_SHELL_NAMES: &[&str] = &["desktop.ini", "thumbs.db"];

/// True for Unicode general category Cf.
fn is_format(c: char) -> bool {
    let u = u32::from(c);
    FORMAT_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&u))
}

/// True for the 66 noncharacters.
fn is_noncharacter(c: char) -> bool {
    let u = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

/// Characters no component may contain anywhere.
fn is_illegal_anywhere(c: char) -> bool {
    if c.is_ascii() {
        // The common case, decided without the Unicode tables.
        return ILLEGAL_ASCII.contains(&c) || c.is_ascii_control();
    }
    // Beyond ASCII: C1 controls (Cc), Cf, noncharacters, and the line/paragraph separators.
    c.is_control() || is_format(c) || is_noncharacter(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Space separators (Zs) other than U+0020 and U+3000, which Firefox rewrites to U+0020.
fn is_odd_space(c: char) -> bool {
    matches!(
        c,
        '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}'
    )
}

/// Characters a component may neither start nor end with.
fn is_illegal_at_ends(c: char) -> bool {
    c.is_whitespace() || c == '.'
}

/// Chromium `IsShellIntegratedExtension` plus Firefox's list; `ext` has no dot.
fn is_shell_integrated_extension(ext: &str) -> bool {
    SHELL_INTEGRATED_EXTENSIONS
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
        || (ext.starts_with('{') && ext.ends_with('}'))
}

/// Chromium `IsReservedNameOnWindows`, widened as described in the module docs.
fn is_reserved_on_windows(name: &str) -> bool {
    // Every reserved name has at most 8 bytes before its first dot (`CONOUT$`, `COM¹`,
    // `desktop`): longer ones are decided without allocating.
    let stem_len = name.find('.').unwrap_or(name.len());
    if name[..stem_len].trim_end_matches(' ').len() > 8 {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_SHELL_NAMES.contains(&lower.as_str()) {
        return true;
    }
    let stem = match lower.find('.') {
        Some(dot) => &lower[..dot],
        None => lower.as_str(),
    };
    RESERVED_DEVICE_NAMES.contains(&stem.trim_end_matches(' '))
}

/// True when the text after the last dot contains whitespace (Firefox strips it).
fn extension_has_whitespace(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.contains(char::is_whitespace))
}

/// The checker: true when `s` is a component both browsers and all three OSes accept
/// (Chromium's `IsSafePortablePathComponent` semantics + Firefox's illegal characters +
/// no control/format/bidi characters + the length limit for a file name,
/// [`MAX_FILE_NAME_BYTES`]). See the module docs for the rules.
pub fn is_portable_component(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().next_back()) else {
        return false;
    };
    s.len() <= MAX_FILE_NAME_BYTES
        && !is_illegal_at_ends(first)
        && !is_illegal_at_ends(last)
        && !s.chars().any(|c| is_illegal_anywhere(c) || is_odd_space(c))
        && !extension_has_whitespace(s)
        && !s
            .rsplit_once('.')
            .is_some_and(|(_, ext)| is_shell_integrated_extension(ext))
        && !is_reserved_on_windows(s)
}

/// Step 1: trims whitespace, replaces each run of illegal characters with one `_` and
/// rewrites odd spaces to U+0020.
fn replace_illegal(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_replaced_run = false;
    for c in raw.trim().chars() {
        if is_illegal_anywhere(c) {
            if !in_replaced_run {
                out.push('_');
            }
            in_replaced_run = true;
        } else {
            out.push(if is_odd_space(c) { ' ' } else { c });
            in_replaced_run = false;
        }
    }
    out
}

/// Steps 2–5 and 7 on a string that has no illegal characters. The result passes
/// [`is_portable_component`] except, possibly, for its length.
fn finish(s: &str, is_file_name: bool) -> String {
    // Step 2: the ends.
    let s = s
        .trim_start_matches(char::is_whitespace)
        .trim_end_matches(is_illegal_at_ends);
    if s.is_empty() {
        return if is_file_name {
            FALLBACK_FILE
        } else {
            FALLBACK_DIR
        }
        .to_owned();
    }
    let rest = s.trim_start_matches('.');
    // `rest` is not empty: `s` does not end with a dot.
    let mut name = if rest.len() == s.len() || rest.starts_with('_') {
        rest.to_owned()
    } else {
        format!("_{rest}")
    };

    // Step 3: no whitespace after the last dot. The dot is never first or last here.
    while let Some(dot) = name.rfind('.') {
        let (before, after) = (&name[..dot], &name[dot + 1..]);
        if !after.contains(char::is_whitespace) {
            break;
        }
        if before.ends_with(char::is_whitespace) || after.starts_with(char::is_whitespace) {
            name.remove(dot);
        } else {
            name.replace_range(dot..=dot, "_");
        }
    }

    // Step 4: shell-integrated extensions.
    if let Some(dot) = name.rfind('.') {
        if is_shell_integrated_extension(&name[dot + 1..]) {
            if is_file_name {
                name.truncate(dot + 1);
                name.push_str(SAFE_EXTENSION);
            } else {
                name.push('_');
            }
        }
    }

    // Step 5: Windows reserved names.
    if is_reserved_on_windows(&name) {
        name.insert(0, '_');
    }
    name
}

/// Largest char boundary of `s` at or below `index`.
fn floor_char_boundary(s: &str, index: usize) -> usize {
    if index >= s.len() {
        return s.len();
    }
    let mut i = index;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The extension (with its dot) a cut file name keeps: the double extension (`.tar.gz`)
/// or the last one, if at most [`MAX_KEPT_EXTENSION_BYTES`]; otherwise "".
fn kept_extension(name: &str) -> &str {
    let Some(last) = name.rfind('.').filter(|&i| i > 0) else {
        return "";
    };
    let single = &name[last..];
    let double = name[..last]
        .rfind('.')
        .filter(|&prev| {
            let middle = &name[prev + 1..last];
            prev > 0
                && (1..=4).contains(&middle.len())
                && middle.bytes().all(|b| b.is_ascii_alphanumeric())
                && DOUBLE_EXTENSION_SUFFIXES
                    .iter()
                    .any(|x| name[last + 1..].eq_ignore_ascii_case(x))
        })
        .map(|prev| &name[prev..]);
    [double, Some(single)]
        .into_iter()
        .flatten()
        .find(|ext| ext.len() <= MAX_KEPT_EXTENSION_BYTES)
        .unwrap_or("")
}

/// Step 6: cuts `name` (which starts with neither whitespace nor a dot) to at most
/// `max` bytes on a char boundary, keeping a short extension on a file name.
fn cut(name: &str, max: usize, is_file_name: bool) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let ext = if is_file_name {
        kept_extension(name)
    } else {
        ""
    };
    let stem = &name[..name.len() - ext.len()];
    let stem = &stem[..floor_char_boundary(stem, max - ext.len())];
    format!("{}{ext}", stem.trim_end_matches(is_illegal_at_ends))
}

/// Makes one path component safe. Never returns an empty string and never a string for
/// which [`is_portable_component`] is false. `is_file_name` = the last component: when
/// cutting to length keep the extension (`aaaa…aaa.tar.gz` keeps `.tar.gz`, an extension
/// of at most 16 bytes); directory components are cut to [`MAX_DIR_NAME_BYTES`], file
/// names to [`MAX_FILE_NAME_BYTES`], always on a char boundary. Idempotent.
pub fn component(raw: &str, is_file_name: bool) -> String {
    let limit = if is_file_name {
        MAX_FILE_NAME_BYTES
    } else {
        MAX_DIR_NAME_BYTES
    };
    // Most names are already fine: the checker is one cheap pass, and `component` is the
    // identity on portable input (a property test pins that).
    if raw.len() <= limit && is_portable_component(raw) {
        return raw.to_owned();
    }
    let name = finish(&replace_illegal(raw), is_file_name);
    if name.len() <= limit {
        return name;
    }
    // The cut keeps the first character, so `finish` can only grow it by FINISH_GROWTH.
    finish(
        &cut(&name, limit - FINISH_GROWTH, is_file_name),
        is_file_name,
    )
}

/// A relative path, '/'-separated, that only this module can construct: every component
/// passes [`is_portable_component`], no "..", no ".", not absolute, no empty component,
/// at most [`MAX_DEPTH`] directories plus one file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath(String);

impl SafePath {
    /// Sanitizes each directory component and the file name and joins them with '/'.
    /// Directory components that are empty after trimming whitespace are dropped (an
    /// empty org never makes "a//b"); more than [`MAX_DEPTH`] directories: keep the first
    /// [`MAX_DEPTH`]. A file name that is empty becomes "download". A '/' or '\' inside
    /// a component never splits it: it becomes '_'.
    pub fn new<S: AsRef<str>>(dirs: &[S], file_name: &str) -> SafePath {
        let mut path = String::new();
        for dir in dirs
            .iter()
            .map(AsRef::as_ref)
            .filter(|d| !d.trim().is_empty())
            .take(MAX_DEPTH)
        {
            path.push_str(&component(dir, false));
            path.push('/');
        }
        path.push_str(&component(file_name, true));
        SafePath(path)
    }

    /// The whole path, e.g. `zendesk/ACME Corp/12345/report.pdf`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The directory part ("" when none), without a trailing '/'.
    pub fn dir(&self) -> &str {
        self.0.rfind('/').map_or("", |slash| &self.0[..slash])
    }

    /// The file name (the last component).
    pub fn file_name(&self) -> &str {
        self.0
            .rfind('/')
            .map_or(&self.0, |slash| &self.0[slash + 1..])
    }
}

impl serde::Serialize for SafePath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl AsRef<str> for SafePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is native-only
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (behaviour, input, is_file_name, expected)
    const CASES: &[(&str, &str, bool, &str)] = &[
        ("traversal_parent_dir", "..", false, "_"),
        ("traversal_parent_file", "..", true, "download"),
        ("traversal_current_dir", ".", false, "_"),
        ("traversal_three_dots", "...", false, "_"),
        ("traversal_posix", "../../etc", false, "_.._etc"),
        ("traversal_windows", "..\\..\\x", true, "_.._x"),
        ("absolute_posix", "/etc/passwd", true, "_etc_passwd"),
        ("absolute_drive", "C:\\Windows", false, "C_Windows"),
        ("absolute_unc", "\\\\server\\share", false, "_server_share"),
        ("reserved_con", "CON", false, "_CON"),
        ("reserved_lowercase", "con", true, "_con"),
        ("reserved_with_extension", "com1.txt", true, "_com1.txt"),
        ("reserved_lpt9", "LPT9", true, "_LPT9"),
        (
            "reserved_double_extension",
            "NUL.tar.gz",
            true,
            "_NUL.tar.gz",
        ),
        ("reserved_com0", "com0", false, "_com0"),
        ("reserved_superscript", "COM¹.log", true, "_COM¹.log"),
        ("reserved_space_before_dot", "aux .txt", true, "_aux .txt"),
        ("reserved_clock", "clock$", false, "_clock$"),
        ("reserved_conout", "CONOUT$", false, "_CONOUT$"),
        ("reserved_desktop_ini", "Desktop.ini", true, "_Desktop.ini"),
        ("reserved_thumbs_db", "thumbs.db", true, "_thumbs.db"),
        ("reserved_after_trailing_dot", "PRN.", false, "_PRN"),
        (
            "not_reserved_longer_word",
            "console.log",
            true,
            "console.log",
        ),
        ("not_reserved_com10", "COM10", false, "COM10"),
        ("trailing_dot", "ACME Corp.", false, "ACME Corp"),
        ("trailing_dots_and_spaces", "name. . ", true, "name"),
        ("trailing_nbsp", "name\u{A0}", false, "name"),
        (
            "leading_whitespace_and_tab",
            "  \t report.pdf",
            true,
            "report.pdf",
        ),
        ("leading_dot_file", ".bashrc", true, "_bashrc"),
        ("leading_dots_dir", "..hidden", false, "_hidden"),
        ("leading_dot_then_space", ". x", false, "_ x"),
        ("shell_lnk", "evil.lnk", true, "evil.download"),
        ("shell_lnk_uppercase", "Evil.LNK", true, "Evil.download"),
        ("shell_local", "app.exe.local", true, "app.exe.download"),
        ("shell_url", "site.url", true, "site.download"),
        ("shell_scf", "x.scf", true, "x.download"),
        ("shell_desktop", "run.desktop", true, "run.download"),
        (
            "shell_clsid",
            "doc.{20D04FE0-3AEA-1069-A2D8-08002B30309D}",
            true,
            "doc.download",
        ),
        ("shell_lnk_trailing_dot", "evil.lnk.", true, "evil.download"),
        ("shell_dir_keeps_text", "Acme.url", false, "Acme.url_"),
        ("shell_then_reserved", "CON.lnk", true, "_CON.download"),
        ("shell_only_extension", ".lnk", true, "_lnk"),
        ("not_shell_inner", "a.lnk.txt", true, "a.lnk.txt"),
        ("nul_char", "a\0b.txt", true, "a_b.txt"),
        ("control_run_collapsed", "a\r\n\tb", false, "a_b"),
        ("c1_control", "a\u{85}b", false, "a_b"),
        ("del", "a\u{7F}b", false, "a_b"),
        (
            "bidi_override",
            "invoice\u{202E}fdp.exe",
            true,
            "invoice_fdp.exe",
        ),
        ("bidi_isolates", "a\u{2066}b\u{2069}", false, "a_b_"),
        ("zero_width_space", "pay\u{200B}pal", false, "pay_pal"),
        ("zero_width_joiner", "👨\u{200D}👩", false, "👨_👩"),
        ("byte_order_mark", "\u{FEFF}report", true, "_report"),
        ("soft_hyphen", "co\u{AD}op", false, "co_op"),
        ("noncharacter", "a\u{FFFE}b", false, "a_b"),
        ("line_separator", "a\u{2028}b", false, "a_b"),
        ("nbsp_becomes_space", "ACME\u{A0}Corp", false, "ACME Corp"),
        (
            "ideographic_space_kept",
            "株式会社\u{3000}日本",
            false,
            "株式会社\u{3000}日本",
        ),
        ("illegal_ascii", "a<b>c:d\"e|f?g*h", true, "a_b_c_d_e_f_g_h"),
        ("illegal_run_collapsed", "a<>:\"|?*b", false, "a_b"),
        ("tilde", "~backup", true, "_backup"),
        ("percent", "100% done", false, "100_ done"),
        ("dot_space_dir", "ACME Corp. Ltd", false, "ACME Corp Ltd"),
        ("dot_space_file", "Invoice no. 42", true, "Invoice no 42"),
        ("dot_inside_word", "v1.2 beta", false, "v1_2 beta"),
        (
            "dot_space_keeps_real_extension",
            "Q3 v1. final.pdf",
            true,
            "Q3 v1. final.pdf",
        ),
        ("emoji_kept", "📎 Report 🚀.pdf", true, "📎 Report 🚀.pdf"),
        (
            "combining_marks_kept",
            "Cafe\u{301} déjà vu.txt",
            true,
            "Cafe\u{301} déjà vu.txt",
        ),
        (
            "scripts_kept",
            "Ünïcödé 日本語 العربية.docx",
            true,
            "Ünïcödé 日本語 العربية.docx",
        ),
        ("inner_spaces_kept", "a  b", false, "a  b"),
        ("underscore_kept", "_", false, "_"),
        ("empty_dir", "", false, "_"),
        ("empty_file", "", true, "download"),
        ("whitespace_only", " \t\u{3000}\u{A0} ", true, "download"),
        ("whitespace_only_dir", "   ", false, "_"),
    ];

    #[test]
    fn component_table() {
        for &(behaviour, input, is_file_name, expected) in CASES {
            let got = component(input, is_file_name);
            assert_eq!(
                got, expected,
                "{behaviour}: component({input:?}, {is_file_name})"
            );
            assert!(
                is_portable_component(&got),
                "{behaviour}: {got:?} not portable"
            );
            assert_eq!(
                component(&got, is_file_name),
                got,
                "{behaviour}: not idempotent"
            );
        }
    }

    #[test]
    fn checker_rejects() {
        let long = "x".repeat(MAX_FILE_NAME_BYTES + 1);
        for bad in [
            "",
            ".",
            "..",
            "...",
            ".bashrc",
            "a/b",
            "a\\b",
            "C:",
            "a ",
            " a",
            "a.",
            "a\u{3000}",
            "a\0b",
            "a\u{202E}b",
            "a\u{200D}b",
            "a\u{FEFF}",
            "a%b",
            "a~b",
            "a\u{A0}b",
            "a\u{2028}b",
            "a.b c",
            "CON",
            "nul.txt",
            "Thumbs.db",
            "x.lnk",
            "x.URL",
            "x.{a}",
            long.as_str(),
        ] {
            assert!(!is_portable_component(bad), "{bad:?} accepted");
        }
        for good in [
            "a",
            "_",
            "a b",
            "a.b",
            "a. b.c",
            "x.lnk_",
            "_CON",
            "日本語",
            "a\u{3000}b",
        ] {
            assert!(is_portable_component(good), "{good:?} rejected");
        }
    }

    #[test]
    fn long_file_name_keeps_double_extension() {
        let got = component(&format!("{}.tar.gz", "a".repeat(1000)), true);
        assert!(got.len() <= MAX_FILE_NAME_BYTES);
        assert!(got.ends_with(".tar.gz") && got.starts_with("aaaa"), "{got}");
        assert!(is_portable_component(&got));
    }

    #[test]
    fn long_file_name_keeps_extension() {
        let got = component(&format!("{}.pdf", "b".repeat(1000)), true);
        assert!(got.len() <= MAX_FILE_NAME_BYTES && got.len() > 200);
        assert!(got.ends_with("b.pdf"), "{got}");
    }

    #[test]
    fn long_extension_is_cut_with_the_rest() {
        let got = component(&format!("a.{}", "x".repeat(1000)), true);
        assert!(got.len() <= MAX_FILE_NAME_BYTES && got.starts_with("a.xxx"));
    }

    #[test]
    fn long_dir_name_is_cut() {
        let got = component(&"d".repeat(1000), false);
        assert!(got.len() <= MAX_DIR_NAME_BYTES && got.len() > 90);
    }

    #[test]
    fn long_multibyte_names_cut_on_char_boundary() {
        let got = component(&"é".repeat(1000), true);
        assert!(got.len() <= MAX_FILE_NAME_BYTES && got.chars().all(|c| c == 'é'));
        let got = component(&format!("{}.txt", "日本".repeat(500)), true);
        assert!(
            got.len() <= MAX_FILE_NAME_BYTES && got.ends_with(".txt"),
            "{got}"
        );
        assert!(got
            .trim_end_matches(".txt")
            .chars()
            .all(|c| c == '日' || c == '本'));
        let got = component(&"🚀".repeat(1000), false);
        assert!(got.len() <= MAX_DIR_NAME_BYTES && got.chars().all(|c| c == '🚀'));
    }

    #[test]
    fn cut_exposing_trailing_space_is_trimmed() {
        let got = component(&format!("a{}b", " ".repeat(300)), false);
        assert_eq!(got, "a");
    }

    #[test]
    fn cut_exposing_reserved_name_is_prefixed() {
        let got = component(&format!("CON{}x", " ".repeat(300)), false);
        assert_eq!(got, "_CON");
    }

    #[test]
    fn cut_exposing_shell_extension_is_renamed() {
        // The cut (7 bytes under the limit) lands right after ".lnk".
        let stem = "x".repeat(MAX_FILE_NAME_BYTES - 7 - 4);
        let raw = format!("{stem}.lnk{}", "y".repeat(100));
        let got = component(&raw, true);
        assert_eq!(got, format!("{stem}.download"));
    }

    #[test]
    fn cut_exposing_dot_space_extension_is_fixed() {
        let got = component(&format!("a.b {}.d", "c".repeat(200)), false);
        assert!(is_portable_component(&got), "{got}");
        assert!(got.starts_with("a_b ccc"), "{got}");
    }

    #[test]
    fn safe_path_joins_components() {
        let p = SafePath::new(&["zendesk", "ACME Corp.", "12345"], "report.pdf");
        assert_eq!(p.as_str(), "zendesk/ACME Corp/12345/report.pdf");
        assert_eq!(p.dir(), "zendesk/ACME Corp/12345");
        assert_eq!(p.file_name(), "report.pdf");
        assert_eq!(p.to_string(), p.as_str());
    }

    #[test]
    fn safe_path_drops_blank_dirs() {
        let p = SafePath::new(&["zendesk", "", "  \t", "42"], "a.txt");
        assert_eq!(p.as_str(), "zendesk/42/a.txt");
    }

    #[test]
    fn safe_path_without_dirs() {
        let p = SafePath::new::<&str>(&[], "");
        assert_eq!(
            (p.as_str(), p.dir(), p.file_name()),
            ("download", "", "download")
        );
    }

    #[test]
    fn safe_path_neutralizes_traversal() {
        let p = SafePath::new(&["..", "../..", "/etc"], "../x");
        assert_eq!(p.as_str(), "_/_/_etc/_x");
    }

    #[test]
    fn safe_path_keeps_first_max_depth_dirs() {
        let dirs: Vec<String> = (0..15).map(|i| format!("d{i}")).collect();
        let p = SafePath::new(&dirs, "f");
        assert_eq!(p.dir().split('/').count(), MAX_DEPTH);
        assert!(p.dir().starts_with("d0/d1/") && p.dir().ends_with("/d9"));
    }

    /// Firefox `SanitizeFileName` with `VALIDATE_SANITIZE_ONLY | VALIDATE_DONT_TRUNCATE |
    /// VALIDATE_DONT_COLLAPSE_WHITESPACE`, which `downloads.download()` compares each
    /// component with (`allow_directory_names` only in recent versions).
    fn firefox_sanitize(name: &str, allow_directory_names: bool) -> String {
        let zs = |c: char| c == ' ' || c == '\u{3000}' || is_odd_space(c);
        let mut out = String::new();
        for c in name.chars() {
            if "\\/:*?\"<>|%".contains(c) {
                out.push('_');
            } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                continue;
            } else if zs(c) || c == '\u{FEFF}' {
                if !out.is_empty() {
                    out.push(if c == '\u{3000}' { c } else { ' ' });
                }
            } else if c == '.' || c == '\u{180E}' {
                if !out.is_empty() {
                    out.push(c);
                }
            } else if is_format(c) {
                out.push('_');
            } else {
                out.push(c);
            }
        }
        let out = out.trim_end_matches([' ', '\u{3000}', '.', '\u{180E}']);
        let (base, mut ext) = match out.rfind('.') {
            Some(dot) => (&out[..dot], out[dot..].to_owned()),
            None => (out, String::new()),
        };
        if !allow_directory_names {
            ext.retain(|c| !c.is_ascii_whitespace());
        }
        let suffix = if [".lnk", ".local", ".url", ".scf", ".desktop"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
        {
            ".download"
        } else {
            ""
        };
        format!("{base}{ext}{suffix}")
    }

    /// Chromium `IsSafePortablePathComponent` (IsFilenameLegal, SanitizeGeneratedFileName
    /// with replace_trailing, IsShellIntegratedExtension, IsReservedNameOnWindows).
    fn chromium_is_safe_portable_component(s: &str) -> bool {
        let illegal_anywhere = |c: char| {
            "\"~*/:<>?\\|".contains(c) || c.is_control() || is_format(c) || is_noncharacter(c)
        };
        let at_ends = |c: char| c.is_whitespace() || c == '.';
        let legal =
            !s.chars().any(illegal_anywhere) && !s.starts_with(at_ends) && !s.ends_with(at_ends);
        let sanitized_unchanged = !s.ends_with([' ', '.'])
            && !s.ends_with(|c: char| c.is_ascii_whitespace())
            && !s.starts_with('.')
            && !s.contains(['/', '\\']);
        let ext = s
            .rsplit_once('.')
            .map_or("", |(_, e)| e)
            .to_ascii_lowercase();
        let shell = ext == "lnk" || ext == "local" || (ext.starts_with('{') && ext.ends_with('}'));
        let lower = s.to_ascii_lowercase();
        let devices = [
            "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
            "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
            "clock$",
        ];
        let reserved = devices.iter().any(|d| {
            lower.starts_with(d) && (lower.len() == d.len() || lower.as_bytes()[d.len()] == b'.')
        }) || lower == "desktop.ini"
            || lower == "thumbs.db";
        !s.is_empty() && legal && sanitized_unchanged && !shell && !reserved
    }

    fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => prop::sample::select(vec![
                '.', ' ', '/', '\\', ':', '%', '~', '_', '{', '}', '$', '\u{A0}', '\u{3000}',
                '\u{202E}', '\u{200B}', '\u{200D}', '\u{FEFF}', '\0', '\n', '\t', '\u{85}',
                '\u{2028}', '\u{180E}', '\u{FFFE}', '¹', 'é', '日', '🚀', '\u{301}',
            ]),
            3 => prop::char::range('a', 'z'),
            1 => any::<char>(),
        ]
    }

    /// Arbitrary strings, weighted towards the ones that break file names.
    fn hostile_input() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "\\PC*",
            prop::collection::vec(hostile_char(), 0..48).prop_map(|v| v.into_iter().collect()),
            "[ .]{0,2}(?i:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|clock\\$|conin\\$|desktop\\.ini|thumbs\\.db|[a-z]{1,3})( {0,2}\\.(?i:lnk|local|url|scf|desktop|txt|tar|gz|\\{[0-9a-f-]{0,6}\\}| ?[a-z]{0,3})){0,3}[ .]{0,2}",
            "[a-zé日🚀 .~-]{0,400}(\\.(tar\\.gz|pdf|lnk|[a-z ]{1,20}))?",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn component_is_portable_and_bounded(s in hostile_input(), is_file_name in any::<bool>()) {
            let got = component(&s, is_file_name);
            let limit = if is_file_name { MAX_FILE_NAME_BYTES } else { MAX_DIR_NAME_BYTES };
            prop_assert!(is_portable_component(&got), "{:?} -> {:?}", s, got);
            prop_assert!(!got.is_empty() && got.len() <= limit, "{:?} -> {:?}", s, got);
        }

        #[test]
        fn component_is_idempotent(s in hostile_input(), is_file_name in any::<bool>()) {
            let once = component(&s, is_file_name);
            prop_assert_eq!(component(&once, is_file_name), once);
        }

        #[test]
        fn component_output_survives_firefox(s in hostile_input(), is_file_name in any::<bool>()) {
            let got = component(&s, is_file_name);
            prop_assert_eq!(firefox_sanitize(&got, false), got.clone());
            prop_assert_eq!(firefox_sanitize(&got, true), got);
        }

        #[test]
        fn component_output_passes_chromium(s in hostile_input(), is_file_name in any::<bool>()) {
            let got = component(&s, is_file_name);
            prop_assert!(chromium_is_safe_portable_component(&got), "{:?} -> {:?}", s, got);
        }

        #[test]
        fn portable_input_is_kept(
            s in "[a-zA-Z0-9_(é日]([a-zA-Z0-9 _()é日-]{0,50}(\\.[a-zA-Z0-9_()-]{1,5}){0,2})?",
            is_file_name in any::<bool>()) {
            prop_assume!(is_portable_component(&s) && s.len() <= MAX_DIR_NAME_BYTES);
            prop_assert_eq!(component(&s, is_file_name), s);
        }

        #[test]
        fn safe_path_is_safe(
            dirs in prop::collection::vec(hostile_input(), 0..16),
            file_name in hostile_input(),
        ) {
            let p = SafePath::new(&dirs, &file_name);
            let s = p.as_str();
            prop_assert!(!s.starts_with('/') && !s.starts_with('\\'));
            prop_assert!(!s.contains('\\') && !s.contains(':'));
            prop_assert!(s.len() <= MAX_DEPTH * (MAX_DIR_NAME_BYTES + 1) + MAX_FILE_NAME_BYTES);
            let parts: Vec<&str> = s.split('/').collect();
            prop_assert!(parts.len() - 1 <= MAX_DEPTH);
            let kept_dirs = dirs.iter().filter(|d| !d.trim().is_empty()).count().min(MAX_DEPTH);
            prop_assert_eq!(parts.len() - 1, kept_dirs);
            for part in &parts {
                prop_assert!(!part.is_empty() && *part != ".." && *part != ".");
                prop_assert!(is_portable_component(part), "{:?}", part);
            }
            prop_assert_eq!(p.file_name(), parts[parts.len() - 1]);
            if p.dir().is_empty() {
                prop_assert_eq!(s, p.file_name());
            } else {
                prop_assert_eq!(s.to_owned(), format!("{}/{}", p.dir(), p.file_name()));
            }
        }
    }
}
