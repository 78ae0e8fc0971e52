//! The test oracle of download paths: would Chromium and Firefox, on Windows, macOS and
//! Linux, save a file at this `/`-separated path below Downloads *unchanged* — neither
//! rejected, renamed, truncated nor split differently?
//!
//! Why a second rule book: a test that judges the product's paths with the product's own
//! checker (`sanitize::is_portable_component`) passes whatever mistake that checker makes.
//! This module is written from the browsers' and the operating systems' own rules, each
//! cited where it is applied, and shares no code with `src/` (no `use zd_dl_router`).
//! It is deliberately written the browsers' way — simulate each browser's sanitizer and
//! compare — rather than as the product's list of forbidden characters, so that the two
//! can disagree.
//!
//! One oracle for every test: the Rust tests include it as a module (`tests/lib.rs`,
//! `tests/fuzz.rs`); the browser E2E runs it as `cargo run --example path_oracle`
//! (`examples/path_oracle.rs` includes this file), so there is no second copy to drift.
//!
//! What "accepted unchanged" means, browser by browser:
//! * **Chromium** takes an extension's path in `downloads.onDeterminingFilename`
//!   (`ExtensionDownloadsEventRouter::DetermineFilename`) and `downloads.download()`
//!   (`DownloadsDownloadFunction::Run`), both in
//!   `chrome/browser/extensions/api/downloads/downloads_api.cc`: `\` is turned into `/`,
//!   `download()` replaces `%` by `_`, then `net::IsSafePortableRelativePath` must hold or
//!   the path is ignored. Later `DownloadPathReservationTracker` truncates a file name that
//!   leaves no room for its temporary suffix (`download_path_reservation_tracker.cc`).
//! * **Firefox** takes it in `downloads.download()`
//!   (`toolkit/components/extensions/parent/ext-downloads.js`): not empty, not absolute,
//!   `%` replaced by `_`, no `..` component, and every component equal to
//!   `DownloadPaths.sanitize(component, {compressWhitespaces: false, allowDirectoryNames})`,
//!   which is `nsExternalHelperAppService::SanitizeFileName`
//!   (`uriloader/exthandler/nsExternalHelperAppService.cpp`), else "filename must not
//!   contain illegal characters".
//! * **The operating systems** add what neither browser checks everywhere: Windows device
//!   names and the Windows path length limit (`MAX_PATH`), and each file system's limit on
//!   a name's length.
//!
//! Not covered: case-insensitive collisions between two paths (a property of pairs, left
//! to the browsers' uniquify) and HFS+ (pre-2017 Macs), which stores names decomposed (NFD).

/// The Windows Downloads folder the path-length rule assumes: `C:\Users\<name>\Downloads`
/// with the longest account name Windows allows ("User account names are limited to 20
/// characters", Microsoft Learn, *USER_INFO_0 structure (lmaccess.h)*), in UTF-16 units.
const WINDOWS_DOWNLOADS_DIR_UNITS: usize = "C:\\Users\\".len() + 20 + "\\Downloads".len();

/// Every way `path` would not be saved unchanged, each naming its rule and source; empty
/// when both browsers on every OS save it exactly there.
pub fn rejections(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.is_empty() {
        // ext-downloads.js: "filename must not be empty"; Chromium
        // IsSafePortableRelativePath: path.empty().
        out.push("[path:empty] the path is empty (Firefox ext-downloads.js, Chromium IsSafePortableRelativePath)".to_owned());
        return out;
    }
    if path.starts_with('/') || path.starts_with('\\') {
        // PathUtils.isAbsolute (Firefox), FilePath::IsAbsolute (Chromium; `\` counts as
        // `/` in DetermineFilename).
        out.push(format!("[path:absolute] {path:?} is absolute (Firefox ext-downloads.js PathUtils.isAbsolute, Chromium FilePath::IsAbsolute)"));
    }
    if path.contains('\\') {
        // DetermineFilename: "Allow windows-style directory separators on all platforms";
        // Firefox on Windows replaces `/` by `\` and splits there.
        out.push(format!("[path:backslash] {path:?} contains `\\`, a separator in Chromium's DetermineFilename and in Firefox on Windows"));
    }
    if path.contains('%') {
        // downloads_api.cc DownloadsDownloadFunction::Run: ReplaceChars(filename, "%", "_");
        // ext-downloads.js download(): filename.replaceAll("%", "_").
        out.push(format!("[path:percent] {path:?} contains `%`, which downloads.download() replaces by `_` in both browsers"));
    }
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let is_file = i + 1 == parts.len();
        component(part, is_file, &mut out);
    }
    windows_path_length(path, &mut out);
    out
}

// ---- components -------------------------------------------------------------------------

fn component(c: &str, is_file: bool, out: &mut Vec<String>) {
    let mut reject = |rule: &str, why: String| out.push(format!("[{rule}] {c:?}: {why}"));
    if c.is_empty() {
        // FilePath::GetComponents skips empty components ("a//b" is a/b, the file lands
        // elsewhere than asked); a trailing '/' is EndsWithSeparator.
        reject(
            "path:empty-component",
            "empty component (Chromium FilePath::GetComponents drops it, EndsWithSeparator rejects a trailing `/`)".into(),
        );
        return;
    }
    if c == "." || c == ".." {
        reject(
            "path:dot-component",
            "`.`/`..` component (Firefox ext-downloads.js \"must not contain back-references\"; Chromium IsSafePortablePathComponent)".into(),
        );
    }
    if let Some(why) = chromium_rejects(c) {
        reject("chromium", why);
    }
    let sanitized = firefox_sanitize(c);
    if sanitized != c {
        reject(
            "firefox",
            format!("DownloadPaths.sanitize makes it {sanitized:?} (nsExternalHelperAppService::SanitizeFileName)"),
        );
    }
    if let Some(why) = windows_reserved(c) {
        reject("windows:reserved", why);
    }
    length(c, is_file, &mut reject);
}

/// Chromium `net::IsSafePortablePathComponent` (net/base/filename_util_icu.cc), as it runs on
/// every OS; `None` when it holds.
fn chromium_rejects(c: &str) -> Option<String> {
    // base::i18n::IsFilenameLegal (base/i18n/file_util_icu.cc, IllegalCharacters):
    // illegal anywhere `[["~*/:<>?\\|][:Cc:][:Cf:]]` plus the noncharacters U+FDD0–U+FDEF
    // and U+xFFFE/U+xFFFF of every plane; illegal at either end `[[:WSpace:][.]]`.
    if let Some(ch) = c.chars().find(|&ch| {
        "\"~*/:<>?\\|".contains(ch) || ch.is_control() || is_format(ch) || is_noncharacter(ch)
    }) {
        return Some(format!(
            "{ch:?} is illegal anywhere (IsFilenameLegal, base/i18n/file_util_icu.cc)"
        ));
    }
    let at_end = |ch: char| ch.is_whitespace() || ch == '.';
    if c.starts_with(at_end) || c.ends_with(at_end) {
        return Some(
            "starts or ends with whitespace or `.` (IsFilenameLegal illegal_at_ends_)".into(),
        );
    }
    // SanitizeGeneratedFileName(&sanitized, true) must leave it unchanged
    // (net/base/filename_util_internal.cc), with Windows' and POSIX' whitespace trimming.
    for windows in [false, true] {
        let sanitized = chromium_sanitize_generated(c, windows);
        if sanitized != c {
            return Some(format!(
                "SanitizeGeneratedFileName makes it {sanitized:?} (filename_util_internal.cc)"
            ));
        }
    }
    // !IsShellIntegratedExtension(component.Extension()) (filename_util_internal.cc).
    let ext = chromium_extension(c);
    let lower = ext.to_ascii_lowercase();
    if lower == "lnk" || lower == "local" || (lower.starts_with('{') && lower.ends_with('}')) {
        return Some(format!(
            "shell-integrated extension {ext:?} (IsShellIntegratedExtension)"
        ));
    }
    // !IsReservedNameOnWindows (net/base/filename_util.cc), checked on every OS.
    let lower = c.to_ascii_lowercase();
    let device = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "clock$",
    ]
    .into_iter()
    .any(|d| lower.starts_with(d) && matches!(lower.as_bytes().get(d.len()), None | Some(b'.')));
    if device || lower == "desktop.ini" || lower == "thumbs.db" {
        return Some("reserved name (IsReservedNameOnWindows, net/base/filename_util.cc)".into());
    }
    None
}

/// `net::SanitizeGeneratedFileName(filename, /*replace_trailing=*/true)`: a trailing run of
/// ` ` and `.` becomes as many `_`s (after also trimming trailing whitespace: Unicode
/// `base::TrimWhitespace` on Windows, ASCII `TrimWhitespaceASCII` elsewhere), `.` is trimmed
/// from both ends, `/` and `\` become `_`.
fn chromium_sanitize_generated(name: &str, windows: bool) -> String {
    // base/strings/string_util_constants.cc: kWhitespaceASCII is " \t\n\v\f\r".
    let trailing = |ch: char| {
        if windows {
            ch.is_whitespace()
        } else {
            " \t\n\u{b}\u{c}\r".contains(ch)
        }
    };
    let kept = name.trim_end_matches([' ', '.']).trim_end_matches(trailing);
    if kept.is_empty() {
        return String::new();
    }
    // Every trimmed character is one code unit (ASCII, or BMP whitespace in UTF-16).
    let trimmed = name[kept.len()..].chars().count();
    let replaced = format!("{kept}{}", "_".repeat(trimmed));
    replaced.trim_matches('.').replace(['/', '\\'], "_")
}

/// `base::FilePath::Extension()` without its dot (base/files/file_path.cc): the last one,
/// or the double one (`tar.gz`) when the last is a common compression suffix and the one
/// before has 1–4 code units, or `user.js`.
fn chromium_extension(name: &str) -> &str {
    const DOUBLE_SUFFIXES: &[&str] = &["bz", "bz2", "gz", "lz", "lzma", "lzo", "xz", "z", "zst"];
    let Some(last) = name.rfind('.') else {
        return "";
    };
    let single = &name[last + 1..];
    if last == 0 {
        return single;
    }
    let Some(prev) = name[..last].rfind('.') else {
        return single;
    };
    let double = &name[prev + 1..];
    // On Windows the 1–4 is counted in UTF-16 units, elsewhere in bytes; a double extension
    // ends in a compression suffix and is never shell-integrated, so the count cannot
    // change a verdict.
    let middle = last - prev - 1;
    if double.eq_ignore_ascii_case("user.js")
        || (DOUBLE_SUFFIXES
            .iter()
            .any(|s| single.eq_ignore_ascii_case(s))
            && (1..=4).contains(&middle))
    {
        double
    } else {
        single
    }
}

/// `nsExternalHelperAppService::SanitizeFileName` with the flags `DownloadPaths.sanitize`
/// passes for `downloads.download()`: `VALIDATE_SANITIZE_ONLY | VALIDATE_DONT_TRUNCATE |
/// VALIDATE_DONT_COLLAPSE_WHITESPACE`. Without `VALIDATE_ALLOW_DIRECTORY_NAMES`, for folders
/// too: the versions whose download() does not pass it for folders strip whitespace after a
/// folder's last dot as they do for file names.
fn firefox_sanitize(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        // kInvalidChars = KNOWN_PATH_SEPARATORS FILE_ILLEGAL_CHARACTERS "%" (nsCRTGlue.h:
        // `\/`, the C0 controls and `/:*?"<>|`): each becomes `_`.
        if "\\/:*?\"<>|%".contains(ch) || ('\u{1}'..='\u{1f}').contains(&ch) {
            out.push('_');
            continue;
        }
        // General categories Cc (the rest of them), Zl and Zp are dropped.
        if ch.is_control() || ch == '\u{2028}' || ch == '\u{2029}' {
            continue;
        }
        // Zs and U+FEFF: dropped at the start, else U+3000 kept and the rest made ' '.
        if is_space_separator(ch) || ch == '\u{feff}' {
            if !out.is_empty() {
                out.push(if ch == '\u{3000}' { ch } else { ' ' });
            }
            continue;
        }
        // `.` and U+180E are dropped at the start and kept elsewhere; other Cf become `_`.
        if ch == '.' || ch == '\u{180e}' {
            if !out.is_empty() {
                out.push(ch);
            }
        } else if is_format(ch) {
            out.push('_');
        } else {
            out.push(ch);
        }
    }
    let trimmed = out.trim_end_matches([' ', '\u{3000}', '.', '\u{180e}']);
    let (base, ext) = trimmed.split_at(trimmed.rfind('.').unwrap_or(trimmed.len()));
    let mut ext = ext.to_owned();
    // nsTSubstring::StripWhitespace: the ASCII whitespace "\f\t\r\n ".
    ext.retain(|ch| !" \t\n\r\u{c}".contains(ch));
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

/// Windows device names, which open the device instead of a file whatever the extension
/// and with spaces before the dot: Microsoft Learn, *Naming Files, Paths, and Namespaces*
/// (CON, PRN, AUX, NUL, COM1–9, COM¹²³, LPT1–9, LPT¹²³, "also avoid these names followed
/// immediately by an extension"), CPython `ntpath._isreservedname` (adds CONIN$ and
/// CONOUT$, and "nul .txt": the part before the first dot, trailing spaces stripped).
/// COM0 and LPT0, listed by some revisions of that page, and CLOCK$, which Chromium's
/// `IsReservedNameOnWindows` adds ("GetSaveFileName seems to consider it as a reserved name
/// too"), count as well: "the rules are complex and vary across Windows versions. On the
/// side of caution, return True for names that may not be reserved" (CPython).
fn windows_reserved(c: &str) -> Option<String> {
    let stem = c
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    let named =
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"].contains(&upper.as_str());
    let numbered = ["COM", "LPT"].iter().any(|p| {
        upper.strip_prefix(p).is_some_and(|n| {
            [
                "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³",
            ]
            .contains(&n)
        })
    });
    (named || numbered).then(|| {
        format!("{stem:?} is a Windows device name (Naming Files, Paths, and Namespaces; CPython ntpath)")
    })
}

fn length(c: &str, is_file: bool, reject: &mut impl FnMut(&str, String)) {
    let bytes = c.len();
    let units = c.encode_utf16().count();
    if is_file {
        // DownloadPathReservationTracker truncates a name over the component limit minus
        // the longer of ".crdownload" (11) and, on Windows, ":Zone.Identifier" (16):
        // NTFS allows 255 UTF-16 units, ext4 and APFS 255 UTF-8 bytes (NAME_MAX).
        if units > 255 - 16 {
            reject(
                "length:windows",
                format!("{units} UTF-16 units: Chromium on Windows truncates file names over 239 (255 − \":Zone.Identifier\")"),
            );
        }
        if bytes > 255 - 11 {
            reject(
                "length:posix",
                format!("{bytes} bytes: Chromium on Linux/macOS truncates file names over 244 (NAME_MAX 255 − \".crdownload\")"),
            );
        }
    } else if bytes > 255 {
        reject(
            "length:directory",
            format!(
                "{bytes} bytes: over NAME_MAX (255) of ext4 and APFS; no browser shortens a folder"
            ),
        );
    }
}

/// Chromium on Windows: `base::GetMaximumPathComponentLength(dir)` is at most
/// `MAX_PATH − 1 − (len(dir) + 1)` ("The whole path string must be shorter than MAX_PATH",
/// base/files/file_util_win.cc), minus ":Zone.Identifier" (16) in the reservation tracker;
/// a longer file name is truncated, a folder too deep gives NAME_TOO_LONG. With the
/// Downloads folder of [`WINDOWS_DOWNLOADS_DIR_UNITS`] that leaves
/// `260 − 1 − 1 − 16 − downloads` units for the whole relative path.
fn windows_path_length(path: &str, out: &mut Vec<String>) {
    let budget = 260 - 1 - 1 - 16 - WINDOWS_DOWNLOADS_DIR_UNITS;
    let units = path.encode_utf16().count();
    if units > budget {
        out.push(format!(
            "[length:windows-path] {units} UTF-16 units: below a Downloads folder of {WINDOWS_DOWNLOADS_DIR_UNITS} units, Chromium on Windows keeps the whole path under MAX_PATH (260) with room for \":Zone.Identifier\" by truncating the file name: at most {budget} (base/files/file_util_win.cc GetMaximumPathComponentLength)"
        ));
    }
}

// ---- Unicode -----------------------------------------------------------------------------

/// General category Cf, Unicode 17 (`node -e` over `/\p{Cf}/u`, ICU 78).
fn is_format(ch: char) -> bool {
    const CF: &[(u32, u32)] = &[
        (0xAD, 0xAD),
        (0x600, 0x605),
        (0x61C, 0x61C),
        (0x6DD, 0x6DD),
        (0x70F, 0x70F),
        (0x890, 0x891),
        (0x8E2, 0x8E2),
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
    let u = u32::from(ch);
    CF.iter().any(|&(lo, hi)| lo <= u && u <= hi)
}

/// General category Zs, Unicode 17.
fn is_space_separator(ch: char) -> bool {
    matches!(
        ch,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// The 66 noncharacters: U+FDD0–U+FDEF and the last two code points of every plane.
fn is_noncharacter(ch: char) -> bool {
    let u = u32::from(ch);
    (0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::rejections;

    /// Verdicts stated by hand from the sources: (path, the rule it breaks or "" when saved
    /// unchanged everywhere).
    const VERDICTS: &[(&str, &str)] = &[
        ("zendesk/ACME Corp/4711/production_log.tar.gz", ""),
        ("zendesk/株式会社\u{3000}日本/4711/📎 Report 🚀.pdf", ""),
        ("a/_CON/x.lnk_", ""),
        ("Cafe\u{301} déjà vu.txt", ""),
        ("a. b.txt", ""),
        // Firefox strips only ASCII whitespace after the last dot; Chromium minds only ends.
        ("v1.\u{3000}final/f", ""),
        ("COM10", ""),
        ("console.log", ""),
        ("x.lnk.gz", ""),
        ("", "[path:empty]"),
        ("/etc/passwd", "[path:absolute]"),
        ("a\\b", "[path:backslash]"),
        ("100% done.txt", "[path:percent]"),
        ("a//b", "[path:empty-component]"),
        ("a/", "[path:empty-component]"),
        ("a/../b", "[path:dot-component]"),
        ("./b", "[path:dot-component]"),
        ("a:b", "[chromium]"),
        ("~backup", "[chromium]"),
        ("a\u{200b}b", "[chromium]"),
        ("a\u{fdd0}", "[chromium]"),
        ("a\u{10ffff}", "[chromium]"),
        ("trailing ", "[chromium]"),
        ("ACME Corp.", "[chromium]"),
        (".bashrc", "[chromium]"),
        ("a\u{3000}", "[chromium]"),
        ("evil.lnk", "[chromium]"),
        ("doc.{20D04FE0-3AEA-1069-A2D8-08002B30309D}", "[chromium]"),
        ("app.exe.LOCAL", "[chromium]"),
        ("nul.txt", "[chromium]"),
        ("Desktop.ini", "[chromium]"),
        ("clock$", "[chromium]"),
        ("site.url", "[firefox]"),
        ("run.desktop", "[firefox]"),
        ("ACME\u{a0}Corp", "[firefox]"),
        ("a\u{180e}b", "[chromium]"),
        ("Invoice no. 42", "[firefox]"),
        ("dir.with space/f", "[firefox]"),
        ("CONIN$", "[windows:reserved]"),
        ("aux .txt", "[windows:reserved]"),
        ("clock$ .log", "[windows:reserved]"),
        ("COM¹.log", "[windows:reserved]"),
    ];

    #[test]
    fn the_oracle_gives_the_verdicts_of_the_browsers_sources() {
        for &(path, rule) in VERDICTS {
            let got = rejections(path);
            if rule.is_empty() {
                assert!(got.is_empty(), "{path:?} should be accepted: {got:#?}");
            } else {
                assert!(
                    got.iter().any(|r| r.starts_with(rule)),
                    "{path:?} should break {rule}: {got:#?}"
                );
            }
        }
    }

    #[test]
    fn the_oracle_limits_names_and_the_windows_path_by_length() {
        let breaks = |path: &str, rule: &str| rejections(path).iter().any(|r| r.starts_with(rule));
        let name = |n: usize| format!("{}.txt", "a".repeat(n - 4));
        assert!(!breaks(&name(239), "[length:windows]"));
        assert!(breaks(&name(240), "[length:windows]"));
        // 3 bytes, 1 UTF-16 unit each: within Windows' units, over the POSIX bytes.
        let wide = format!("{}.txt", "日".repeat(81));
        assert_eq!(wide.len(), 247);
        assert!(breaks(&wide, "[length:posix]") && !breaks(&wide, "[length:windows]"));
        assert!(!breaks(
            &format!("{}/f", "d".repeat(255)),
            "[length:directory]"
        ));
        assert!(breaks(
            &format!("{}/f", "d".repeat(256)),
            "[length:directory]"
        ));
        // 260 − 1 − 1 − 16 − 39 = 203 units for the relative path.
        let path = |n: usize| format!("zendesk/{}/f.txt", "o".repeat(n - 14));
        assert!(rejections(&path(203)).is_empty());
        assert!(breaks(&path(204), "[length:windows-path]"));
    }
}
