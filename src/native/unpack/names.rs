//! Entry names → paths inside the folder: every name is cut into components at `/` and `\`,
//! `.`, `..` and empty components are dropped (so `/etc/passwd`, `../../x` and `C:\x` stay
//! inside), each component is made portable with [`sanitize::component`] (the sanitizer of
//! routed downloads) and at most [`MAX_DEPTH`] folders deep; a name already used in its
//! folder, ignoring case (Windows and macOS would merge them), gets a number:
//! `app.log`, `app (1).log`.

use crate::sanitize::{self, MAX_DEPTH, MAX_DIR_NAME_BYTES, MAX_FILE_NAME_BYTES};
use crate::template::split_extension;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::{fs, io};

/// The sanitized components of an entry name: its folders and, for a file, its name.
/// `None` when it has more than [`MAX_DEPTH`] folders.
pub(super) fn components(entry: &str, is_dir: bool) -> Option<(Vec<String>, String)> {
    let mut raw: Vec<&str> = entry
        .split(['/', '\\'])
        .filter(|c| !matches!(*c, "" | "." | ".."))
        .collect();
    // A file whose name is nothing but separators and dots gets the sanitizer's fallback
    // name; a folder has none.
    let file = if is_dir {
        String::new()
    } else {
        sanitize::component(raw.pop().unwrap_or(""), true)
    };
    if raw.len() > MAX_DEPTH {
        return None;
    }
    let dirs = raw.iter().map(|d| sanitize::component(d, false)).collect();
    Some((dirs, file))
}

/// The names given out so far below one folder, and the folders created, so that every
/// entry gets a path of its own and entries of the same folder share it.
#[derive(Default)]
pub(super) struct Tree {
    /// Lower-cased relative paths in use (files and folders).
    taken: HashSet<String>,
    /// Lower-cased `parent/wanted folder name` → the folder's relative path as created.
    dirs: HashMap<String, PathBuf>,
}

impl Tree {
    /// The relative path of the folder `dirs` (the sanitized components), creating the
    /// missing ones below `root` one at a time with `create_dir`, which fails rather than
    /// follow anything already there. A folder name a file took gets a number.
    pub(super) fn dir(&mut self, root: &Path, dirs: &[String]) -> io::Result<PathBuf> {
        let mut at = PathBuf::new();
        for wanted in dirs {
            let key = lower(&at.join(wanted));
            if let Some(existing) = self.dirs.get(&key) {
                at = existing.clone();
                continue;
            }
            let name = self.unique(&at, wanted, false);
            at.push(name);
            fs::create_dir(root.join(&at))?;
            self.dirs.insert(key, at.clone());
        }
        Ok(at)
    }

    /// A file name in folder `dir` not used yet (`name`, `stem (1).ext`, …), now taken.
    pub(super) fn file(&mut self, dir: &Path, name: &str) -> PathBuf {
        dir.join(self.unique(dir, name, true))
    }

    fn unique(&mut self, dir: &Path, name: &str, is_file_name: bool) -> String {
        let candidate = (0..)
            .map(|n| numbered(name, n, is_file_name))
            .find(|c| !self.taken.contains(&lower(&dir.join(c))))
            .unwrap_or_default();
        self.taken.insert(lower(&dir.join(&candidate)));
        candidate
    }
}

/// `name` with ` (n)` before its extension (a folder: at its end), the stem cut so the
/// result stays within the sanitizer's length limits; `n == 0` is `name` itself.
pub(crate) fn numbered(name: &str, n: u64, is_file_name: bool) -> String {
    if n == 0 {
        return name.to_owned();
    }
    let (stem, ext) = if is_file_name {
        split_extension(name)
    } else {
        (name, "")
    };
    let dot = if ext.is_empty() { "" } else { "." };
    let suffix = format!(" ({n}){dot}{ext}");
    let limit = if is_file_name {
        MAX_FILE_NAME_BYTES
    } else {
        MAX_DIR_NAME_BYTES
    };
    let mut cut = limit.saturating_sub(suffix.len()).min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &stem[..cut])
}

fn lower(path: &Path) -> String {
    path.to_string_lossy().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_whatever_they_say() {
        let file =
            |entry: &str| components(entry, false).map(|(d, f)| format!("{}|{f}", d.join("/")));
        assert_eq!(file("../../etc/passwd").as_deref(), Some("etc|passwd"));
        assert_eq!(file("/abs/x.log").as_deref(), Some("abs|x.log"));
        assert_eq!(
            file(r"C:\Windows\x.ini").as_deref(),
            Some("C_/Windows|x.ini")
        );
        assert_eq!(file("a/./b/../c.txt").as_deref(), Some("a/b|c.txt"));
        assert_eq!(file("..").as_deref(), Some("|download"));
        assert_eq!(
            file(&"d/".repeat(MAX_DEPTH + 1)),
            Some(format!("{}|d", ["d"; MAX_DEPTH].join("/")))
        );
        assert_eq!(file(&"d/".repeat(MAX_DEPTH + 2)), None);
    }

    #[test]
    fn a_number_goes_before_the_extension_and_keeps_the_name_short() {
        assert_eq!(numbered("app.log", 1, true), "app (1).log");
        assert_eq!(numbered("logs.tar.gz", 2, true), "logs (2).tar.gz");
        assert_eq!(numbered("logs", 3, false), "logs (3)");
        assert_eq!(numbered(".bashrc", 1, true), ".bashrc (1)");
        let long = numbered(&format!("{}.log", "é".repeat(200)), 12, true);
        assert!(
            long.len() <= MAX_FILE_NAME_BYTES && long.ends_with("é (12).log"),
            "{long}"
        );
    }
}
