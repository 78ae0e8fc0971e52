//! `zd-dl-router unpack`: an archive into `<into>/<stem>/`, safely, whatever it holds.
//!
//! The archive crates only decode (`zip`, `tar`, `flate2` on `zlib-rs`, `bzip2` on
//! `libbz2-rs-sys`, `lzma-rust2`, `ruzstd`: all pure Rust, no system library); everything
//! that touches the disk is written here, entry by entry, and never writes outside the
//! folder:
//!
//! - Names ([`names`]): absolute names, `..`, drive letters and `\` stay inside; every
//!   component is made portable by the sanitizer of routed downloads; at most
//!   [`sanitize::MAX_DEPTH`](crate::sanitize::MAX_DEPTH) folders deep (deeper entries are
//!   skipped, `too-deep`); a name used twice (ignoring case) gets a number, `app (1).log`.
//! - Kinds: regular files and folders are written; symbolic links, hard links, devices,
//!   FIFOs and other kinds are skipped and reported, never created, so nothing is written
//!   through a link. Files are created with `create_new` and folders one at a time with
//!   `create_dir`: neither follows what is already there.
//! - Limits ([`Limits`]): bytes actually decompressed are counted while streaming (sizes
//!   in headers are never trusted, only used to refuse early): total bytes, entries, the
//!   ratio of each entry and of the whole archive, free disk space before and while
//!   writing. A nested archive is written as a file, not unpacked, so a nested bomb is one
//!   entry under the same limits.
//! - All or nothing: the archive is unpacked into a hidden `.zd-unpack-…` folder inside
//!   `into`, renamed into place at the end and removed on any refusal: a refused archive
//!   leaves nothing behind.
//!
//! The folder is `<into>/<archive stem>` (`gitlabsos_web-01.tar.gz` → `gitlabsos_web-01`),
//! `<stem> (1)` and so on when that name exists (even as a symlink: it is never entered).
//! A `.gz` that is not a tar is one file: like `gunzip`, it becomes the file
//! `<into>/<stem>` (`app.log.gz` → `app.log`, `app (1).log` if taken) rather than a folder
//! holding one file; [`Summary::folder`] is then that file.

mod formats;
pub(crate) mod names;

use crate::archive::Format;
use crate::sanitize;
use serde::{Serialize, Serializer};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Limits an archive must stay within, else it is refused. `Default` is what the CLI and
/// the helper use unless told otherwise. Serialized camelCase (the helper's `hello`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Most bytes unpacked in all (default 20 GiB).
    pub max_total_bytes: u64,
    /// Most entries, folders and skipped ones included (default 100,000).
    pub max_entries: u64,
    /// Most unpacked bytes per compressed byte of one entry (default 1,000; deflate
    /// itself cannot exceed about 1,032).
    pub max_entry_ratio: u64,
    /// Most unpacked bytes per byte of the archive file (default 200; text logs compress
    /// 5–30×).
    pub max_total_ratio: u64,
    /// Free space the disk must keep, checked before and while writing (default 1 GiB).
    pub min_free_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 20 << 30,
            max_entries: 100_000,
            max_entry_ratio: 1_000,
            max_total_ratio: 200,
            min_free_bytes: 1 << 30,
        }
    }
}

/// Ratios are judged once this many bytes are unpacked (of the entry, of the archive):
/// a small file of zeros compresses 1000× and harms nobody.
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// What happened to one entry. Folders are created silently, not reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EntryOutcome {
    /// A file was written at `path`, relative to the folder.
    Written {
        /// The name as the archive gives it.
        entry: String,
        /// Where it is, relative to [`Summary::folder`] (portable, inside).
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// Not written, and why.
    Skipped {
        /// The name as the archive gives it.
        entry: String,
        /// Why.
        #[serde(rename = "skipped")]
        reason: SkipReason,
    },
}

/// Why an entry was not written. Serialized kebab-case (`"hard-link"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A symbolic link: writing it (or through it) could reach outside the folder.
    Symlink,
    /// A hard link: it would share another file's data, possibly one outside.
    HardLink,
    /// A character or block device.
    Device,
    /// A named pipe.
    Fifo,
    /// Any other kind of entry (socket, contiguous-file flags tar does not know, …).
    UnsupportedType,
    /// A zip entry that needs a password.
    Encrypted,
    /// A zip entry compressed with a method this build cannot decode.
    UnsupportedCompression,
    /// More than `sanitize::MAX_DEPTH` folders deep.
    TooDeep,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Symlink => "a symbolic link is not created",
            SkipReason::HardLink => "a hard link is not created",
            SkipReason::Device => "a device file is not created",
            SkipReason::Fifo => "a named pipe is not created",
            SkipReason::UnsupportedType => "an entry of this kind is not created",
            SkipReason::Encrypted => "the entry is encrypted",
            SkipReason::UnsupportedCompression => "the entry's compression method is not supported",
            SkipReason::TooDeep => "the entry is nested too deep",
        })
    }
}

/// An archive unpacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `<into>/<stem>` (numbered if it existed); for a plain `.gz`, the file.
    pub folder: PathBuf,
    /// Files written.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Entries skipped.
    pub skipped: u64,
}

/// Why an archive was refused; nothing it held remains on disk. Serializes as its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file name is not one of [`Format`]'s.
    NotAnArchive(PathBuf),
    /// The archive cannot be read as what its name says.
    Corrupt(String),
    /// More entries than `max_entries`.
    TooManyEntries(u64),
    /// More bytes than `max_total_bytes`.
    TooManyBytes(u64),
    /// An entry unpacks to more than `max_entry_ratio` times its compressed size.
    EntryRatio {
        /// The entry's name.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The archive unpacks to more than `max_total_ratio` times its size.
    TotalRatio(u64),
    /// Unpacking would leave less than `min_free_bytes` free.
    NoSpace {
        /// Bytes free now.
        free: u64,
        /// Bytes needed (still to write plus `min_free_bytes`).
        needed: u64,
    },
    /// A file-system operation failed (what, and the system's message).
    Io(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAnArchive(path) => write!(
                f,
                "{} is not an archive this helper unpacks (.zip, .tar, .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar.zst, .gz)",
                path.display()
            ),
            Refusal::Corrupt(why) => write!(f, "the archive is corrupt or truncated: {why}"),
            Refusal::TooManyEntries(limit) => {
                write!(f, "the archive has more than {limit} entries (max-entries)")
            }
            Refusal::TooManyBytes(limit) => {
                write!(f, "the archive unpacks to more than {limit} bytes (max-bytes)")
            }
            Refusal::EntryRatio { entry, limit } => write!(
                f,
                "entry {entry:?} unpacks to more than {limit} times its compressed size (max-ratio)"
            ),
            Refusal::TotalRatio(limit) => write!(
                f,
                "the archive unpacks to more than {limit} times its size (max-total-ratio)"
            ),
            Refusal::NoSpace { free, needed } => write!(
                f,
                "not enough free disk space: {free} bytes free, {needed} needed (min-free)"
            ),
            Refusal::Io(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Refusal {}

impl Serialize for Refusal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Unpacks `archive` into `<into>/<stem>/` (see the module docs), calling `on_entry` for
/// each file written or entry skipped, in archive order. On `Err`, nothing is left on disk
/// (entries already reported were removed again).
pub fn unpack(
    archive: &Path,
    into: &Path,
    limits: &Limits,
    on_entry: &mut dyn FnMut(&EntryOutcome),
) -> Result<Summary, Refusal> {
    let name = archive.file_name().unwrap_or_default().to_string_lossy();
    let format = Format::of(&name).ok_or_else(|| Refusal::NotAnArchive(archive.into()))?;
    let single_file = format == Format::Gz;
    let stem = sanitize::component(Format::stem(&name).unwrap_or("archive"), single_file);
    let file = File::open(archive).map_err(|e| io_error("cannot open", archive, e))?;
    let archive_bytes = file
        .metadata()
        .map_err(|e| io_error("cannot read", archive, e))?
        .len();
    let mut unpacker = Unpacker {
        temp: Temp::create(into)?,
        limits,
        archive_bytes,
        on_entry,
        tree: names::Tree::default(),
        buffer: vec![0; COPY_BUFFER_BYTES],
        entries: 0,
        files: 0,
        bytes: 0,
        skipped: 0,
        next_space_check: 0,
    };
    unpacker.check_space(archive_bytes)?;
    match format {
        Format::Zip => formats::zip(file, &mut unpacker)?,
        Format::Gz => formats::gz(file, &stem, &mut unpacker)?,
        tar => formats::tar(file, tar, &mut unpacker)?,
    }
    unpacker.finish(into, &stem, single_file)
}

/// Bytes copied per read and write.
const COPY_BUFFER_BYTES: usize = 256 << 10;
/// Free space is checked again after every this many bytes written.
const SPACE_CHECK_BYTES: u64 = 64 << 20;

/// The unpacking of one archive: its hidden folder, what was written, the counters the
/// limits judge.
struct Unpacker<'a> {
    temp: Temp,
    limits: &'a Limits,
    archive_bytes: u64,
    on_entry: &'a mut dyn FnMut(&EntryOutcome),
    tree: names::Tree,
    buffer: Vec<u8>,
    entries: u64,
    files: u64,
    bytes: u64,
    skipped: u64,
    next_space_check: u64,
}

impl Unpacker<'_> {
    /// Counts one more entry against `max_entries`.
    fn count_entry(&mut self) -> Result<(), Refusal> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(Refusal::TooManyEntries(self.limits.max_entries));
        }
        Ok(())
    }

    /// Refuses early what the archive's own headers already say is over the limits.
    fn check_declared(&mut self, entries: u64, bytes: u64) -> Result<(), Refusal> {
        if entries > self.limits.max_entries {
            return Err(Refusal::TooManyEntries(self.limits.max_entries));
        }
        if bytes > self.limits.max_total_bytes {
            return Err(Refusal::TooManyBytes(self.limits.max_total_bytes));
        }
        self.check_space(bytes)
    }

    /// Refuses when fewer than `still_to_write + min_free_bytes` bytes are free.
    fn check_space(&mut self, still_to_write: u64) -> Result<(), Refusal> {
        let free = fs4::available_space(&self.temp.0)
            .map_err(|e| io_error("cannot read the free space of", &self.temp.0, e))?;
        let needed = still_to_write.saturating_add(self.limits.min_free_bytes);
        if free < needed {
            return Err(Refusal::NoSpace { free, needed });
        }
        self.next_space_check = self.bytes + SPACE_CHECK_BYTES;
        Ok(())
    }

    fn skip(&mut self, entry: &str, reason: SkipReason) {
        self.skipped += 1;
        (self.on_entry)(&EntryOutcome::Skipped {
            entry: entry.into(),
            reason,
        });
    }

    /// A folder entry: created (with its parents) if it is not too deep.
    fn dir(&mut self, entry: &str) -> Result<(), Refusal> {
        match names::components(entry, true) {
            Some((dirs, _)) => {
                self.make_dir(&dirs)?;
            }
            None => self.skip(entry, SkipReason::TooDeep),
        }
        Ok(())
    }

    fn make_dir(&mut self, dirs: &[String]) -> Result<PathBuf, Refusal> {
        let root = &self.temp.0;
        self.tree
            .dir(root, dirs)
            .map_err(|e| io_error("cannot create a folder in", root, e))
    }

    /// A regular file entry: `data` copied to a new file, counting against the limits;
    /// `compressed()` is how many bytes of the archive the entry has taken so far.
    fn file(
        &mut self,
        entry: &str,
        data: &mut dyn Read,
        compressed: &dyn Fn() -> u64,
    ) -> Result<(), Refusal> {
        let Some((dirs, name)) = names::components(entry, false) else {
            self.skip(entry, SkipReason::TooDeep);
            return Ok(());
        };
        let dir = self.make_dir(&dirs)?;
        let path = self.tree.file(&dir, &name);
        let target = self.temp.0.join(&path);
        let mut out =
            File::create_new(&target).map_err(|e| io_error("cannot create", &target, e))?;
        let mut written = 0u64;
        loop {
            let n = match data.read(&mut self.buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Refusal::Corrupt(format!("{entry:?}: {e}"))),
            };
            written += n as u64;
            self.bytes += n as u64;
            self.check_growth(entry, written, compressed())?;
            out.write_all(&self.buffer[..n])
                .map_err(|e| io_error("cannot write", &target, e))?;
        }
        self.files += 1;
        (self.on_entry)(&EntryOutcome::Written {
            entry: entry.into(),
            path,
            bytes: written,
        });
        Ok(())
    }

    /// The limits on bytes actually unpacked: total, the entry's ratio, the archive's
    /// ratio, free space.
    fn check_growth(&mut self, entry: &str, written: u64, compressed: u64) -> Result<(), Refusal> {
        let limits = self.limits;
        if self.bytes > limits.max_total_bytes {
            return Err(Refusal::TooManyBytes(limits.max_total_bytes));
        }
        let over = |bytes: u64, of: u64, ratio: u64| {
            bytes > RATIO_FLOOR_BYTES && bytes > of.max(1).saturating_mul(ratio)
        };
        if over(written, compressed, limits.max_entry_ratio) {
            return Err(Refusal::EntryRatio {
                entry: entry.into(),
                limit: limits.max_entry_ratio,
            });
        }
        if over(self.bytes, self.archive_bytes, limits.max_total_ratio) {
            return Err(Refusal::TotalRatio(limits.max_total_ratio));
        }
        if self.bytes >= self.next_space_check {
            self.check_space(SPACE_CHECK_BYTES)?;
        }
        Ok(())
    }

    /// Moves the hidden folder (for a plain `.gz`, its one file) into place under the
    /// first free name.
    fn finish(self, into: &Path, stem: &str, single_file: bool) -> Result<Summary, Refusal> {
        let from = if single_file {
            let Some(only) = fs::read_dir(&self.temp.0).ok().and_then(|mut d| d.next()) else {
                return Err(Refusal::Corrupt("the archive holds no file".into()));
            };
            only.map_err(|e| io_error("cannot read", &self.temp.0, e))?
                .path()
        } else {
            self.temp.0.clone()
        };
        let folder = reserve(into, stem, single_file)?;
        // `rename` replaces the empty folder (or empty file) just reserved, atomically.
        fs::rename(&from, &folder).map_err(|e| io_error("cannot move into place", &folder, e))?;
        Ok(Summary {
            folder,
            files: self.files,
            bytes: self.bytes,
            skipped: self.skipped,
        })
    }
}

/// Creates `<into>/<name>` (a folder, or an empty file), numbered until the name is free:
/// `create_dir` and `create_new` fail on anything already there, symlinks included.
fn reserve(into: &Path, name: &str, is_file: bool) -> Result<PathBuf, Refusal> {
    for n in 0.. {
        let path = into.join(names::numbered(name, n, is_file));
        let made = if is_file {
            File::create_new(&path).map(drop)
        } else {
            fs::create_dir(&path)
        };
        match made {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error("cannot create", &path, e)),
        }
    }
    unreachable!("an unbounded range ends only by returning")
}

/// The hidden folder an archive is unpacked into; removed (with all it holds, never
/// following symlinks) when dropped, unless it was renamed into place.
struct Temp(PathBuf);

impl Temp {
    fn create(into: &Path) -> Result<Temp, Refusal> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for n in 0u32.. {
            let path = into.join(format!(".zd-unpack-{}-{stamp:x}{n}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(Temp(path)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error("cannot create a folder in", into, e)),
            }
        }
        unreachable!("an unbounded range ends only by returning")
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        // Gone already when it was renamed into place.
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A file-system error as a refusal: what failed, where, and the system's message.
fn io_error(what: &str, path: &Path, e: io::Error) -> Refusal {
    Refusal::Io(format!("{what} {}: {e}", path.display()))
}
