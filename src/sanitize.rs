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
//! * **No ASCII whitespace after the last dot** — Firefox `SanitizeFileName` strips
//!   whitespace from the "extension" (everything from the last dot) of every component
//!   unless the caller passes `allowDirectoryNames`, which `ext-downloads.js` only does in
//!   recent versions and only for directories. It strips with `nsTSubstring::StripWhitespace`,
//!   which removes only ASCII whitespace (`ASCIIMask::MaskWhitespace`, `\f\t\r\n `), so
//!   `v1.\u{3000}final` is kept; Chromium minds whitespace only at either end.
//! * **No shell-integrated extension** (last extension, ASCII case-insensitive): `lnk`,
//!   `local` and CLSID-like `{…}` from Chromium `net::IsShellIntegratedExtension`
//!   (`filename_util_internal.cc`, checked by `IsSafePortablePathComponent`), plus `url`,
//!   `scf`, `desktop` from Firefox `SanitizeFileName` (which appends `.download`).
//! * **No Windows reserved name** — Chromium `net::IsReservedNameOnWindows`: devices `CON
//!   PRN AUX NUL COM1-9 LPT1-9 CLOCK$`, alone or followed by `.`, and the shell's
//!   `desktop.ini` / `thumbs.db`. Added from Microsoft's "Naming Files, Paths, and
//!   Namespaces": `COM0`, `LPT0`, `COM¹²³`, `LPT¹²³`, `CONIN$`, `CONOUT$`, and a device
//!   name followed by spaces before the dot (`NUL .txt`), which Windows also maps to the device.
//! * **Length** — at most [`MAX_FILE_NAME_BYTES`] (239) UTF-8 bytes for a file name and
//!   [`MAX_DIR_NAME_BYTES`] for a folder (short folders keep paths short). Chromium shortens a
//!   file name over `GetMaximumPathComponentLength` minus the longer of `.crdownload` (11) and,
//!   on Windows, `:Zone.Identifier` (16) (`DownloadPathReservationTracker`,
//!   `download_path_reservation_tracker.cc`): 255 − 16 = 239 UTF-16 units on NTFS, 255 − 11 =
//!   244 bytes on ext4 and APFS (`NAME_MAX`). Firefox does not shorten
//!   (`VALIDATE_DONT_TRUNCATE`) and writes `<name>.part` (255 − 5 = 250). A name never has more
//!   UTF-16 units than UTF-8 bytes, so 239 bytes is within every one of these.
//!
//! A whole path mirrors Chromium `net::IsSafePortableRelativePath` (not absolute, every
//! component safe) and Firefox `downloads.download()` (not absolute, no `..`).
//!
//! # The whole path: at most [`MAX_PATH_UNITS`] (203) UTF-16 units
//!
//! Chromium on Windows keeps the whole path under `MAX_PATH` (260 UTF-16 units with the
//! terminating NUL): `base::GetMaximumPathComponentLength(dir)` is at most
//! `MAX_PATH − 1 − (len(dir) + 1)` (`base/files/file_util_win.cc`), and the reservation
//! tracker keeps 16 of that for `:Zone.Identifier`. A longer file name is shortened by the
//! browser (so the file is not where the router said); folders too long to leave any room
//! fail the download with `NAME_TOO_LONG` — a lost download. Below a Downloads folder
//! `C:\Users\<name>\Downloads` with the longest account name Windows allows (20
//! characters: 39 units), that leaves 260 − 1 − 39 − 1 − 16 = 203 units for
//! `zendesk/…/<file>`, counted in UTF-16 code units (an emoji is 2). [`SafePath::new`] keeps
//! every path within it, deterministically, so that what the CLI predicts is where the
//! browser saves:
//!
//! 1. The folders (base folder included) come first: while they, with their `/`s, take more
//!    than 203 − [`FILE_NAME_ROOM_UNITS`] units, the longest ones are cut, all to the same
//!    length (on a character boundary, repaired as in step 6 below). They depend on the
//!    folders alone, never on the file name, so every file of a ticket (and Download all's
//!    `ticket.html`) lands in one folder.
//! 2. The file name gets the rest (at least [`FILE_NAME_ROOM_UNITS`]): when it is longer, its
//!    stem is cut and its extension kept, as in step 6.
//!
//! A file name alone is a path too: [`component`] keeps a file name within 203 units as well.
//! When a file of that name exists and the path is within 6 units of the budget, Chromium's
//! uniquifier shortens the name to make room for ` (1)` (`CreateUniqueFilename`); the records
//! follow the name the browser reports.
//!
//! # How [`component`] repairs a string
//!
//! 1. Trim whitespace at both ends; replace each run of illegal characters with one `_`;
//!    rewrite odd spaces (NBSP, thin space, …) to U+0020.
//! 2. Trim trailing dots and whitespace; a leading run of dots becomes `_`.
//! 3. While the text after the last dot contains ASCII whitespace, that dot is dropped when
//!    it touches whitespace (`ACME Corp. Ltd` → `ACME Corp Ltd`) and becomes `_` otherwise.
//! 4. Shell-integrated extension: a file name gets the extension `download`, as Chromium's
//!    `EnsureSafeExtension` does on Windows (`evil.lnk` → `evil.download`; Firefox would
//!    append instead: `evil.lnk.download`); a directory gets `_` appended (`Acme.url` →
//!    `Acme.url_`) so an organization name keeps its text.
//! 5. Reserved name: prefix `_` (`CON` → `_CON`, `com1.txt` → `_com1.txt`), as Chromium's
//!    `GenerateSafeFileName` does.
//! 6. Too long: cut on a char boundary to the limit (a file name keeps an extension of at
//!    most 16 bytes, `.tar.gz`-style double extensions included) and run steps 2–5 again,
//!    since a cut can expose a trailing space, a dot or a reserved name; if that made it
//!    longer than the limit again (`.{…}` → `.download`, a `_` prefix), cut 7 shorter.
//! 7. Empty: `_` for a directory, `download` for a file name (Chromium's fallback name).
//!
//! Nothing else is normalized: letters of any script, emoji, combining marks and inner
//! spaces are kept (no NFC/NFD, no case change, no whitespace collapsing). Both browsers
//! reject ZWJ (U+200D), so emoji ZWJ sequences come out as their parts joined by `_`.

use std::fmt;

/// Longest file name, in UTF-8 bytes: Chromium shortens names over 239 UTF-16 units on
/// Windows and 244 bytes elsewhere, and UTF-16 units never outnumber UTF-8 bytes (see the
/// module docs).
pub const MAX_FILE_NAME_BYTES: usize = 239;
/// Longest directory component, in UTF-8 bytes (folders stay readable and paths short on Windows).
pub const MAX_DIR_NAME_BYTES: usize = 100;
/// Longest whole path below Downloads, in UTF-16 code units: 260 (`MAX_PATH`) − 1 (its NUL)
/// − 39 (`C:\Users\<20 characters>\Downloads`) − 1 (`\`) − 16 (`:Zone.Identifier`) = 203.
/// See the module docs.
pub const MAX_PATH_UNITS: usize = 260 - 1 - WINDOWS_DOWNLOADS_UNITS - 1 - ":Zone.Identifier".len();
/// Room in [`MAX_PATH_UNITS`] that the file name always keeps: folders are cut before it
/// would get less (a 16-unit extension and a recognisable stem).
pub const FILE_NAME_ROOM_UNITS: usize = 48;
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
/// The Windows Downloads folder [`MAX_PATH_UNITS`] allows for, in UTF-16 units: the longest
/// account name Windows allows is 20 characters (Microsoft Learn, *USER_INFO_0 structure*).
const WINDOWS_DOWNLOADS_UNITS: usize = "C:\\Users\\".len() + 20 + "\\Downloads".len();

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

/// True when the text after the last dot contains ASCII whitespace (Firefox strips it).
fn extension_has_whitespace(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.contains(|c: char| c.is_ascii_whitespace()))
}

/// The checker: true when `s` is a component both browsers and all three OSes accept
/// (Chromium's `IsSafePortablePathComponent` semantics + Firefox's illegal characters +
/// no control/format/bidi characters + the length limit for a file name,
/// [`MAX_FILE_NAME_BYTES`]). See the module docs for the rules.
pub fn is_portable_component(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().next_back()) else {
        return false;
    };
    FILE_NAME_LIMIT.admits(s)
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

    // Step 3: no ASCII whitespace after the last dot. The dot is never first or last here.
    while let Some(dot) = name.rfind('.') {
        if !extension_has_whitespace(&name) {
            break;
        }
        let (before, after) = (&name[..dot], &name[dot + 1..]);
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

/// A length limit in the two measures file systems use: UTF-8 bytes (ext4, APFS) and UTF-16
/// code units (NTFS, Windows paths).
#[derive(Debug, Clone, Copy)]
struct Limit {
    bytes: usize,
    units: usize,
}

/// A file name: also a whole path (`Downloads/<name>`), so within [`MAX_PATH_UNITS`] too.
const FILE_NAME_LIMIT: Limit = Limit {
    bytes: MAX_FILE_NAME_BYTES,
    units: MAX_PATH_UNITS,
};
/// A folder name (a UTF-16 unit count never exceeds the byte count).
const DIR_NAME_LIMIT: Limit = Limit {
    bytes: MAX_DIR_NAME_BYTES,
    units: MAX_DIR_NAME_BYTES,
};

impl Limit {
    fn admits(self, s: &str) -> bool {
        // UTF-16 units never outnumber UTF-8 bytes: most names are decided without counting.
        s.len() <= self.bytes && (s.len() <= self.units || utf16_len(s) <= self.units)
    }

    /// This limit less `bytes` bytes and `units` units (saturating).
    fn less(self, bytes: usize, units: usize) -> Limit {
        Limit {
            bytes: self.bytes.saturating_sub(bytes),
            units: self.units.saturating_sub(units),
        }
    }

    /// The longest prefix of `s` within this limit, cut on a char boundary.
    fn prefix(self, s: &str) -> &str {
        let (mut bytes, mut units) = (0, 0);
        for (i, c) in s.char_indices() {
            bytes += c.len_utf8();
            units += c.len_utf16();
            if bytes > self.bytes || units > self.units {
                return &s[..i];
            }
        }
        s
    }
}

/// Length in UTF-16 code units, the measure of Windows paths.
fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
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

/// Step 6: cuts `name` (which starts with neither whitespace nor a dot) to `limit` on a char
/// boundary, keeping a short extension on a file name.
fn cut(name: &str, limit: Limit, is_file_name: bool) -> String {
    let ext = if is_file_name {
        kept_extension(name)
    } else {
        ""
    };
    let stem = &name[..name.len() - ext.len()];
    let stem = limit.less(ext.len(), utf16_len(ext)).prefix(stem);
    format!("{}{ext}", stem.trim_end_matches(is_illegal_at_ends))
}

/// Step 6 on a name that passes [`is_portable_component`] but for its length: the name
/// within `limit`, still portable.
fn shorten(name: String, limit: Limit, is_file_name: bool) -> String {
    if limit.admits(&name) {
        return name;
    }
    let cut_to = |limit| finish(&cut(&name, limit, is_file_name), is_file_name);
    let exact = cut_to(limit);
    if limit.admits(&exact) {
        exact
    } else {
        // `finish` lengthened the cut; the cut keeps the first character, so it can only
        // grow it by FINISH_GROWTH.
        cut_to(limit.less(FINISH_GROWTH, FINISH_GROWTH))
    }
}

/// Makes one path component safe. Never returns an empty string and never a string for
/// which [`is_portable_component`] is false. `is_file_name` = the last component: when
/// cutting to length keep the extension (`aaaa…aaa.tar.gz` keeps `.tar.gz`, an extension
/// of at most 16 bytes); directory components are cut to [`MAX_DIR_NAME_BYTES`], file
/// names to [`MAX_FILE_NAME_BYTES`] and [`MAX_PATH_UNITS`], always on a char boundary.
/// Idempotent.
pub fn component(raw: &str, is_file_name: bool) -> String {
    let limit = if is_file_name {
        FILE_NAME_LIMIT
    } else {
        DIR_NAME_LIMIT
    };
    // Most names are already fine: the checker is one cheap pass, and `component` is the
    // identity on portable input (a property test pins that).
    if limit.admits(raw) && is_portable_component(raw) {
        return raw.to_owned();
    }
    let name = finish(&replace_illegal(raw), is_file_name);
    shorten(name, limit, is_file_name)
}

/// Cuts the longest folders, all to the same length in UTF-16 units, until the folders with
/// a `/` after each take at most `room` units. Depends on the folders alone: every file
/// routed to the same folders lands in the same (cut) folders.
fn fit_folders(dirs: &mut [String], room: usize) {
    // Byte counts bound the unit counts: most paths are decided without counting.
    if dirs.iter().map(|d| d.len() + 1).sum::<usize>() <= room {
        return;
    }
    let lengths: Vec<usize> = dirs.iter().map(|d| utf16_len(d)).collect();
    let taken = |cap: usize| lengths.iter().map(|&n| n.min(cap) + 1).sum::<usize>();
    let mut cap = lengths.iter().copied().max().unwrap_or(0);
    // MAX_DEPTH folders of one unit and their `/`s take 20 units: any room called with fits.
    while cap > 1 && taken(cap) > room {
        cap -= 1;
    }
    let limit = Limit {
        bytes: MAX_DIR_NAME_BYTES,
        units: cap,
    };
    for dir in dirs.iter_mut().filter(|d| !limit.admits(d)) {
        *dir = shorten(std::mem::take(dir), limit, false);
    }
}

/// A relative path, '/'-separated, that only this module can construct: every component
/// passes [`is_portable_component`], no "..", no ".", not absolute, no empty component,
/// at most [`MAX_DEPTH`] directories plus one file name, at most [`MAX_PATH_UNITS`] UTF-16
/// units in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath(String);

impl SafePath {
    /// Sanitizes each directory component and the file name and joins them with '/'.
    /// Directory components that are empty after trimming whitespace are dropped (an
    /// empty org never makes "a//b"); more than [`MAX_DEPTH`] directories: keep the first
    /// [`MAX_DEPTH`]. A file name that is empty becomes "download". A '/' or '\' inside
    /// a component never splits it: it becomes '_'. The whole path stays within
    /// [`MAX_PATH_UNITS`]: the longest folders are cut while they leave the file name less
    /// than [`FILE_NAME_ROOM_UNITS`], then the file name's stem (see the module docs).
    pub fn new<S: AsRef<str>>(dirs: &[S], file_name: &str) -> SafePath {
        let mut dirs: Vec<String> = dirs
            .iter()
            .map(AsRef::as_ref)
            .filter(|d| !d.trim().is_empty())
            .take(MAX_DEPTH)
            .map(|d| component(d, false))
            .collect();
        fit_folders(&mut dirs, MAX_PATH_UNITS - FILE_NAME_ROOM_UNITS);
        let mut path = String::new();
        for dir in &dirs {
            path.push_str(dir);
            path.push('/');
        }
        let room = FILE_NAME_LIMIT.less(0, utf16_len(&path));
        path.push_str(&shorten(component(file_name, true), room, true));
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

#[cfg(test)]
mod tests {
    use super::*;

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
            "ideographic_space_after_dot_kept",
            "v1.\u{3000}final",
            true,
            "v1.\u{3000}final",
        ),
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
        // 204 UTF-16 units; 240 bytes.
        let (long, wide) = ("x".repeat(204), "é".repeat(120));
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
            wide.as_str(),
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
            "v1.\u{3000}final",
        ] {
            assert!(is_portable_component(good), "{good:?} rejected");
        }
    }

    #[test]
    fn long_file_name_keeps_double_extension() {
        let got = component(&format!("{}.tar.gz", "a".repeat(1000)), true);
        assert_eq!(got, format!("{}.tar.gz", "a".repeat(196)));
    }

    #[test]
    fn long_file_name_keeps_extension() {
        let got = component(&format!("{}.pdf", "b".repeat(1000)), true);
        assert_eq!(got, format!("{}.pdf", "b".repeat(199)));
    }

    #[test]
    fn long_extension_is_cut_with_the_rest() {
        let got = component(&format!("a.{}", "x".repeat(1000)), true);
        assert_eq!(got, format!("a.{}", "x".repeat(201)));
    }

    #[test]
    fn long_dir_name_is_cut() {
        assert_eq!(component(&"d".repeat(1000), false), "d".repeat(100));
    }

    #[test]
    fn file_name_alone_is_within_the_windows_path_budget_of_203_units() {
        assert_eq!(component(&"a".repeat(203), true), "a".repeat(203));
        assert_eq!(component(&"a".repeat(204), true), "a".repeat(203));
    }

    #[test]
    fn file_name_is_at_most_239_bytes() {
        // 239 bytes, 120 UTF-16 units: kept; one byte more is cut on the char boundary.
        let at_limit = format!("{}a", "é".repeat(119));
        assert_eq!(component(&at_limit, true), at_limit);
        let over = format!("{}ab", "é".repeat(119));
        assert_eq!(component(&over, true), at_limit);
    }

    #[test]
    fn long_multibyte_names_cut_on_char_boundary() {
        assert_eq!(component(&"é".repeat(1000), true), "é".repeat(119));
        let got = component(&format!("{}.txt", "日本".repeat(500)), true);
        assert_eq!(got, format!("{}.txt", "日本".repeat(39)));
        assert_eq!(component(&"🚀".repeat(1000), false), "🚀".repeat(25));
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
    fn cut_exposing_shell_extension_is_cut_shorter() {
        // The cut at 203 units lands right after ".lnk"; `.download` would not fit, so the
        // name is cut 7 shorter instead.
        let got = component(&format!("{}.lnk{}", "x".repeat(199), "y".repeat(100)), true);
        assert_eq!(got, "x".repeat(196));
        let got = component(&format!("{}.url{}", "x".repeat(96), "y".repeat(50)), false);
        assert_eq!(got, "x".repeat(93));
    }

    #[test]
    fn cut_exposing_dot_space_extension_is_fixed() {
        let got = component(&format!("a.b {}.d", "c".repeat(200)), false);
        assert_eq!(got, format!("a_b {}", "c".repeat(96)));
    }

    #[test]
    fn safe_path_cuts_the_file_stem_to_the_windows_path_budget() {
        let p = SafePath::new(
            &["zendesk", "ACME Corp", "4711"],
            &format!("{}.tar.gz", "r".repeat(300)),
        );
        let want = format!("zendesk/ACME Corp/4711/{}.tar.gz", "r".repeat(173));
        assert_eq!((p.as_str(), want.len()), (want.as_str(), 203));
    }

    #[test]
    fn safe_path_within_the_windows_path_budget_is_kept() {
        let file = format!("{}.pdf", "r".repeat(176));
        let p = SafePath::new(&["zendesk", "ACME Corp", "4711"], &file);
        assert_eq!(p.as_str(), format!("zendesk/ACME Corp/4711/{file}"));
    }

    #[test]
    fn safe_path_counts_utf16_units() {
        // 🚀 is 2 UTF-16 units: the folders take 114 units, the name gets 89.
        let org = "o".repeat(100);
        let p = SafePath::new(
            &["zendesk", &org, "4711"],
            &format!("{}.png", "🚀".repeat(100)),
        );
        assert_eq!(
            p.as_str(),
            format!("zendesk/{org}/4711/{}.png", "🚀".repeat(42))
        );
    }

    #[test]
    fn safe_path_cuts_the_longest_folders_to_leave_the_file_name_its_room() {
        let dirs = ["zendesk", &"a".repeat(100), &"b".repeat(100), "4711"];
        let p = SafePath::new(&dirs, "report.pdf");
        let want = format!("zendesk/{}/{}/4711", "a".repeat(70), "b".repeat(70));
        assert_eq!(p.as_str(), format!("{want}/report.pdf"));
        // The same folders for any file name: a ticket's files stay together.
        let long = SafePath::new(&dirs, &format!("{}.log", "l".repeat(300)));
        assert_eq!(long.as_str(), format!("{want}/{}.log", "l".repeat(44)));
        // A path made again from its own parts is the same path (Download all's sidecar).
        let folders: Vec<&str> = long.dir().split('/').collect();
        assert_eq!(SafePath::new(&folders, long.file_name()), long);
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
}
