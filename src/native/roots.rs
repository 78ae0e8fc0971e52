//! The root rule: the only paths the helper touches.
//!
//! A path is [`Inside`] a configured root when it
//! 1. is absolute,
//! 2. has no `.` or `..` component (as written: `a/./b` and `a/../b` are both refused,
//!    whatever they would resolve to),
//! 3. starts with a configured root, as configured or in its canonical form (a root may
//!    itself be a symlink, e.g. `~/Downloads/zendesk` → an encrypted volume; the request
//!    may spell it either way), and
//! 4. has no symlink below that root: each component after the root is looked at with
//!    [`fs::symlink_metadata`], which never follows a link. Components that do not exist
//!    yet are fine (a destination about to be created).
//!
//! [`Inside`] can only be made by [`Roots::check`] (and, for new folders, by
//! [`Roots::create_dirs`], which checks each one it makes), so the host's request handlers
//! cannot touch a path that was not checked. What is checked is the file system at that
//! moment: the helper serves its own user, whose files these are; the rule keeps a
//! request from the browser from reaching anything else through a name or a link, not
//! the user from racing their own helper.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The configured roots, each with its canonical form when it exists.
#[derive(Debug, Clone)]
pub struct Roots {
    roots: Vec<Root>,
}

#[derive(Debug, Clone)]
struct Root {
    configured: PathBuf,
    canonical: Option<PathBuf>,
}

impl Root {
    fn spellings(&self) -> impl Iterator<Item = &Path> {
        std::iter::once(self.configured.as_path()).chain(self.canonical.as_deref())
    }
}

/// A path that passed the root rule: a configured root (as the request spelled it) and
/// a relative path below it made only of normal components, none of them a symlink when
/// it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inside {
    root: PathBuf,
    relative: PathBuf,
}

impl Inside {
    /// The root that holds the path, spelled as the request spelled it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path below the root (empty for the root itself).
    pub fn relative(&self) -> &Path {
        &self.relative
    }

    /// The whole path.
    pub fn path(&self) -> PathBuf {
        self.root.join(&self.relative)
    }

    /// Whether this is the root itself.
    pub fn is_root(&self) -> bool {
        self.relative.as_os_str().is_empty()
    }

    /// The folder that holds this path; `None` for the root.
    pub fn parent(&self) -> Option<Inside> {
        let relative = self.relative.parent()?.to_path_buf();
        Some(Inside {
            root: self.root.clone(),
            relative,
        })
    }
}

/// Why a path is refused.
#[derive(Debug)]
pub enum Refused {
    /// Not an absolute path.
    NotAbsolute(PathBuf),
    /// A `.` or `..` component.
    Dots(PathBuf),
    /// Not below any configured root.
    Outside(PathBuf),
    /// A component below the root is a symlink (the first one met).
    Symlink {
        /// The requested path.
        path: PathBuf,
        /// The symlink.
        link: PathBuf,
    },
    /// A component below the root is not a folder (when creating folders).
    NotAFolder(PathBuf),
    /// Looking at a component failed.
    Io {
        /// The component looked at.
        path: PathBuf,
        /// What failed.
        error: io::Error,
    },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NotAbsolute(p) => write!(f, "{} is not an absolute path", p.display()),
            Refused::Dots(p) => write!(f, "{} has a . or .. component", p.display()),
            Refused::Outside(p) => write!(f, "{} is not inside a configured root", p.display()),
            Refused::Symlink { path, link } => write!(
                f,
                "{} goes through the symlink {}; the helper follows no links below a root",
                path.display(),
                link.display()
            ),
            Refused::NotAFolder(p) => write!(f, "{} is not a folder", p.display()),
            Refused::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl Roots {
    /// The roots of the configuration, with the canonical form of each that exists.
    pub fn new(configured: &[PathBuf]) -> Roots {
        let roots = configured
            .iter()
            .map(|root| Root {
                configured: root.clone(),
                canonical: fs::canonicalize(root).ok().filter(|c| c != root),
            })
            .collect();
        Roots { roots }
    }

    /// Whether no root is configured.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The roots as configured.
    pub fn configured(&self) -> impl Iterator<Item = &Path> {
        self.roots.iter().map(|r| r.configured.as_path())
    }

    /// `path` under the root rule (see the module doc). When roots nest, the innermost
    /// holds the path.
    pub fn check(&self, path: &Path) -> Result<Inside, Refused> {
        if !path.is_absolute() {
            return Err(Refused::NotAbsolute(path.to_path_buf()));
        }
        if has_dots(path) {
            return Err(Refused::Dots(path.to_path_buf()));
        }
        let (root, relative) = self
            .roots
            .iter()
            .flat_map(Root::spellings)
            .filter_map(|root| Some((root, path.strip_prefix(root).ok()?)))
            .min_by_key(|(_, relative)| relative.components().count())
            .ok_or_else(|| Refused::Outside(path.to_path_buf()))?;
        let mut below = root.to_path_buf();
        for component in relative.components() {
            below.push(component);
            match fs::symlink_metadata(&below) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(Refused::Symlink {
                        path: path.to_path_buf(),
                        link: below,
                    })
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(error) => return Err(Refused::Io { path: below, error }),
            }
        }
        Ok(Inside {
            root: root.to_path_buf(),
            relative: relative.to_path_buf(),
        })
    }

    /// The configured root `path` names exactly (as configured or canonical, trailing `/`
    /// or not), if it names one.
    pub fn root(&self, path: &Path) -> Option<Inside> {
        let inside = self.check(path).ok()?;
        inside.is_root().then_some(inside)
    }

    /// The folder `relative` below `folder`, made where missing, each component checked
    /// under the root rule before it is used or made: a symlink or a file on the way is
    /// refused, nothing is made through it.
    pub fn create_dirs(&self, folder: &Inside, relative: &Path) -> Result<Inside, Refused> {
        let mut current = folder.clone();
        for component in relative.components() {
            let Component::Normal(name) = component else {
                return Err(Refused::Dots(folder.path().join(relative)));
            };
            current = self.check(&current.path().join(name))?;
            let path = current.path();
            match fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                        return Err(Refused::NotAFolder(path));
                    }
                }
                Err(error) => return Err(Refused::Io { path, error }),
            }
        }
        Ok(current)
    }
}

/// Whether `path`, as written, has a `.` or `..` component ([`Path::components`] drops a
/// `.` in the middle, so the text is looked at).
pub(crate) fn has_dots(path: &Path) -> bool {
    path.to_string_lossy()
        .split(['/', std::path::MAIN_SEPARATOR])
        .any(|part| part == "." || part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_found_as_written() {
        for path in ["/a/./b", "/a/../b", "/a/b/..", "/a/b/.", "/./a"] {
            assert!(has_dots(Path::new(path)), "{path}");
        }
        for path in ["/a/b", "/a/.b", "/a/b../c", "/a/...", "/a/b/"] {
            assert!(!has_dots(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn the_innermost_of_nested_roots_holds_a_path() {
        let roots = Roots::new(&["/r".into(), "/r/inner".into()]);
        let inside = roots.check(Path::new("/r/inner/x/y")).unwrap();
        assert_eq!(inside.root(), Path::new("/r/inner"));
        assert_eq!(inside.relative(), Path::new("x/y"));
    }

    #[test]
    fn a_root_is_named_with_or_without_its_trailing_slash() {
        let roots = Roots::new(&["/r/dest/".into()]);
        assert!(roots.root(Path::new("/r/dest")).is_some());
        assert!(roots.root(Path::new("/r/dest/")).is_some());
        assert!(roots.root(Path::new("/r/dest/x")).is_none());
        assert!(roots.root(Path::new("/r")).is_none());
    }

    #[test]
    fn a_root_prefix_counts_by_whole_components() {
        let roots = Roots::new(&["/r/zendesk".into()]);
        assert!(matches!(
            roots.check(Path::new("/r/zendesk-other/x")),
            Err(Refused::Outside(_))
        ));
    }
}
