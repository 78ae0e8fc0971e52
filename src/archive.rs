//! Which downloaded files are archives the local helper can unpack, and the folder each
//! unpacks into.
//!
//! Pure and shared: the router asks it whether "unpack all archives" applies to a download
//! (in the WASM), the native `unpack` command which reader to open and what the folder is
//! called (`<dir>/<archive stem>/`). The file name alone decides, case-insensitively, as it
//! does for a support engineer: `gitlabsos_web-01.tar.gz` is a gzipped tar,
//! `kubesos-2026.tgz` too, `logs.zip` a zip, `app.log.gz` one gzipped file.

/// An archive format, by its file name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.zip`
    Zip,
    /// `.tar`
    Tar,
    /// `.tar.gz`, `.tgz`
    TarGz,
    /// `.tar.xz`, `.txz`
    TarXz,
    /// `.tar.bz2`, `.tbz2`, `.tbz`
    TarBz2,
    /// `.tar.zst`, `.tzst`
    TarZst,
    /// `.gz` (not `.tar.gz`): one compressed file.
    Gz,
}

/// Extensions, longest first so `.tar.gz` wins over `.gz` (the helper's `hello` lists them).
pub const EXTENSIONS: &[(&str, Format)] = &[
    (".tar.gz", Format::TarGz),
    (".tar.xz", Format::TarXz),
    (".tar.bz2", Format::TarBz2),
    (".tar.zst", Format::TarZst),
    (".tgz", Format::TarGz),
    (".txz", Format::TarXz),
    (".tbz2", Format::TarBz2),
    (".tbz", Format::TarBz2),
    (".tzst", Format::TarZst),
    (".zip", Format::Zip),
    (".tar", Format::Tar),
    (".gz", Format::Gz),
];

impl Format {
    /// The format a file name says, if it names an archive.
    pub fn of(file_name: &str) -> Option<Format> {
        Self::split(file_name).map(|(_, format)| format)
    }

    /// The file name without its archive extension: the folder the archive unpacks into
    /// (`gitlabsos_web-01.tar.gz` → `gitlabsos_web-01`). `None` when the name is not an
    /// archive's or is nothing but the extension (`.tar.gz`).
    pub fn stem(file_name: &str) -> Option<&str> {
        Self::split(file_name)
            .map(|(stem, _)| stem)
            .filter(|stem| !stem.is_empty())
    }

    fn split(file_name: &str) -> Option<(&str, Format)> {
        let lower = file_name.to_ascii_lowercase();
        EXTENSIONS.iter().find_map(|(ext, format)| {
            lower
                .ends_with(ext)
                .then(|| (&file_name[..file_name.len() - ext.len()], *format))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_extension_names_the_format() {
        assert_eq!(Format::of("gitlabsos_web-01.tar.gz"), Some(Format::TarGz));
        assert_eq!(Format::of("kubesos-2026.TGZ"), Some(Format::TarGz));
        assert_eq!(Format::of("app.log.gz"), Some(Format::Gz));
        assert_eq!(Format::of("logs.zip"), Some(Format::Zip));
        assert_eq!(Format::of("a.tar.zst"), Some(Format::TarZst));
        assert_eq!(Format::of("a.tar.bz2"), Some(Format::TarBz2));
        assert_eq!(Format::of("a.tar.xz"), Some(Format::TarXz));
        assert_eq!(Format::of("a.tar"), Some(Format::Tar));
    }

    #[test]
    fn other_files_are_not_archives() {
        for name in [
            "production.log",
            "screenshot.png",
            "archive.gzip",
            "tar",
            "zip",
        ] {
            assert_eq!(Format::of(name), None, "{name}");
        }
    }

    #[test]
    fn the_stem_is_the_name_without_the_archive_extension() {
        assert_eq!(
            Format::stem("gitlabsos_web-01.tar.gz"),
            Some("gitlabsos_web-01")
        );
        assert_eq!(Format::stem("Logs.ZIP"), Some("Logs"));
        assert_eq!(Format::stem("app.log.gz"), Some("app.log"));
        assert_eq!(Format::stem(".tar.gz"), None);
        assert_eq!(Format::stem("notes.txt"), None);
    }
}
