//! The readers: each walks its archive's entries in order and hands every one to the
//! [`Unpacker`] by kind: a file with its data, a folder, or a skip.

use super::{Refusal, SkipReason, Unpacker};
use crate::archive::Format;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

/// Most compressed bytes a decoder reads ahead of what it has decoded (its input buffer):
/// added to an entry's compressed bytes so a ratio is never overstated.
const READ_AHEAD_BYTES: u64 = 64 << 10;
/// Most memory an `.xz` stream may ask for (its header says; `xz -9` needs 65 MiB).
const XZ_MEMORY_LIMIT_KIB: u32 = 256 << 10;

/// Unix file type bits of a zip entry's mode.
const S_IFMT: u32 = 0o170_000;

/// A `.zip`: its central directory gives the entries; the declared sizes refuse early.
pub(super) fn zip(file: File, u: &mut Unpacker) -> Result<(), Refusal> {
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(corrupt)?;
    let declared = (0..zip.len())
        .filter_map(|i| zip.by_index_data(i).ok())
        .fold(0u64, |sum, e| sum.saturating_add(e.size()));
    u.check_declared(zip.len() as u64, declared)?;
    for i in 0..zip.len() {
        u.count_entry()?;
        let meta = zip.by_index_data(i).map_err(corrupt)?;
        let name = String::from_utf8_lossy(meta.name_raw()).into_owned();
        let skip = match meta.unix_mode().map(|m| m & S_IFMT) {
            _ if meta.is_symlink() => Some(SkipReason::Symlink),
            Some(0o020_000 | 0o060_000) => Some(SkipReason::Device),
            Some(0o010_000) => Some(SkipReason::Fifo),
            Some(0o140_000) => Some(SkipReason::UnsupportedType),
            _ if meta.encrypted() => Some(SkipReason::Encrypted),
            _ if !decodes(meta.compression()) => Some(SkipReason::UnsupportedCompression),
            _ => None,
        };
        let is_dir = meta.is_dir();
        let compressed = meta.compressed_size();
        match skip {
            Some(reason) => u.skip(&name, reason),
            None if is_dir => u.dir(&name)?,
            None => {
                let mut data = zip.by_index(i).map_err(corrupt)?;
                u.file(&name, &mut data, &|| compressed)?
            }
        }
    }
    Ok(())
}

/// Whether this build decodes a zip compression method: the ones the `zip` crate lists as
/// supported (with the features chosen in Cargo.toml), and LZMA, which it reads but does
/// not write, so does not list.
fn decodes(method: zip::CompressionMethod) -> bool {
    method == zip::CompressionMethod::Lzma || zip::SUPPORTED_COMPRESSION_METHODS.contains(&method)
}

/// A tar, plain or compressed: one pass over the stream; an entry's compressed bytes are
/// those the decoder read while it was unpacked.
pub(super) fn tar(file: File, format: Format, u: &mut Unpacker) -> Result<(), Refusal> {
    let (input, consumed) = counted(file);
    let stream: Box<dyn Read> = match format {
        Format::TarGz => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Format::TarBz2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        Format::TarXz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            input,
            true,
            XZ_MEMORY_LIMIT_KIB,
        )),
        Format::TarZst => {
            Box::new(ruzstd::decoding::StreamingDecoder::new(input).map_err(corrupt)?)
        }
        _ => Box::new(input),
    };
    let mut archive = tar::Archive::new(stream);
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        u.count_entry()?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        use tar::EntryType as T;
        match entry.header().entry_type() {
            T::Regular | T::Continuous | T::GNUSparse => {
                let start = consumed.get();
                let compressed = || consumed.get() - start + READ_AHEAD_BYTES;
                u.file(&name, &mut entry, &compressed)?
            }
            T::Directory => u.dir(&name)?,
            // Global pax metadata (`git archive` writes one): not an entry of its own.
            T::XGlobalHeader => {}
            T::Symlink => u.skip(&name, SkipReason::Symlink),
            T::Link => u.skip(&name, SkipReason::HardLink),
            T::Char | T::Block => u.skip(&name, SkipReason::Device),
            T::Fifo => u.skip(&name, SkipReason::Fifo),
            _ => u.skip(&name, SkipReason::UnsupportedType),
        }
    }
    Ok(())
}

/// A `.gz` that is not a tar: one file, named after the archive.
pub(super) fn gz(file: File, name: &str, u: &mut Unpacker) -> Result<(), Refusal> {
    let (input, consumed) = counted(file);
    u.count_entry()?;
    let mut data = flate2::bufread::MultiGzDecoder::new(input);
    u.file(name, &mut data, &|| consumed.get() + READ_AHEAD_BYTES)
}

/// `file`, buffered, and the count of its bytes read so far.
fn counted(file: File) -> (BufReader<Counted<File>>, Rc<Cell<u64>>) {
    let count = Rc::new(Cell::new(0));
    let reader = Counted {
        inner: file,
        count: Rc::clone(&count),
    };
    (
        BufReader::with_capacity(READ_AHEAD_BYTES as usize, reader),
        count,
    )
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

fn corrupt(e: impl std::fmt::Display) -> Refusal {
    Refusal::Corrupt(e.to_string())
}
