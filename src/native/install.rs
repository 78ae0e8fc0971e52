//! `zd-dl-router helper install|uninstall|status`: tells each browser where the local helper
//! is — a *native messaging host manifest*, `dev.zd_dl_router.helper.json`, naming this
//! binary and the one extension allowed to start it — and tells the helper which folders it
//! may touch: its configuration `helper.json`, `{"roots": ["/abs/dir", …]}`.
//!
//! Where the browsers look for the manifest of the current user:
//!
//! | browser  | Linux                                           | macOS (`~/Library/Application Support/…`) |
//! |----------|-------------------------------------------------|-------------------------------------------|
//! | Chrome   | `$XDG_CONFIG_HOME/google-chrome/NativeMessagingHosts/` | `Google/Chrome/NativeMessagingHosts/` |
//! | Chromium | `$XDG_CONFIG_HOME/chromium/NativeMessagingHosts/`      | `Chromium/NativeMessagingHosts/`      |
//! | Firefox  | `~/.mozilla/native-messaging-hosts/`            | `Mozilla/NativeMessagingHosts/`           |
//!
//! (`$XDG_CONFIG_HOME` defaults to `~/.config`, as Chrome's own user data folder does.) A
//! Chrome or Chromium started with `--user-data-dir DIR` reads `DIR/NativeMessagingHosts/`
//! instead: `--profile DIR`.
//!
//! Windows is not implemented (no Windows machine to test it on). There a browser finds the
//! manifest through a registry key of the current user whose default value is the
//! manifest's full path: `HKEY_CURRENT_USER\Software\Google\Chrome\NativeMessagingHosts\dev.zd_dl_router.helper`,
//! `…\Software\Chromium\NativeMessagingHosts\…` and `…\Software\Mozilla\NativeMessagingHosts\…`.
//!
//! The allowed extensions are exactly this extension: Chrome's fixed id
//! ([`CHROME_EXTENSION_ID`], from the `key` in `extension/platform/chrome/manifest.json`)
//! plus any `--extension-id` (the Chrome Web Store assigns its own id), and Firefox's gecko id
//! ([`FIREFOX_EXTENSION_ID`]).

use serde::Serialize;
use serde_json::json;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The native messaging host's name: what the extension passes to `sendNativeMessage`.
pub const HOST_NAME: &str = "dev.zd_dl_router.helper";

/// The extension's id in Chrome and Chromium, fixed by the public `key` in
/// `extension/platform/chrome/manifest.json` (the first 128 bits of the key's SHA-256, as
/// the letters a–p). The store's copy has the store's id instead: `--extension-id`.
pub const CHROME_EXTENSION_ID: &str = "idojngakikoaaiofnlgoiimieiopjfnp";

/// The extension's id in Firefox (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_ID: &str = "zd-dl-router@zd-dl-router.dev";

/// A browser the helper registers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Browser {
    /// Google Chrome.
    Chrome,
    /// Chromium (Debian's `chromium` among them).
    Chromium,
    /// Firefox.
    Firefox,
}

impl Browser {
    /// Every browser, in the order `status` lists them.
    pub const ALL: [Browser; 3] = [Browser::Chrome, Browser::Chromium, Browser::Firefox];

    /// The browser's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }
}

/// Where a browser's manifest goes: its standard folder for this user, or a Chrome/Chromium
/// `--user-data-dir` (`--profile`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The browser's folder for the current user.
    User(Browser),
    /// A Chrome or Chromium user data folder.
    Profile(PathBuf),
}

/// The folders of the current user that installing depends on, read once from the
/// environment (`HOME`, `XDG_CONFIG_HOME`, `XDG_DOWNLOAD_DIR` and `user-dirs.dirs`) so the
/// rest is plain path arithmetic.
#[derive(Clone, Debug)]
pub struct Places {
    home: PathBuf,
    xdg_config_home: Option<PathBuf>,
    xdg_download_dir: Option<PathBuf>,
    macos: bool,
}

impl Places {
    /// The current user's places on this OS.
    pub fn from_env() -> Places {
        #[allow(deprecated)] // not deprecated since Rust 1.86; `rust-version` is older
        let home = std::env::home_dir().unwrap_or_default();
        let var = |name| std::env::var_os(name).map(PathBuf::from);
        Places::new(
            home,
            var("XDG_CONFIG_HOME"),
            var("XDG_DOWNLOAD_DIR"),
            cfg!(target_os = "macos"),
        )
    }

    /// The places of the user whose home is `home`, given the values of `XDG_CONFIG_HOME`
    /// and `XDG_DOWNLOAD_DIR` (each ignored unless absolute, as the XDG spec says).
    pub fn new(
        home: PathBuf,
        xdg_config_home: Option<PathBuf>,
        xdg_download_dir: Option<PathBuf>,
        macos: bool,
    ) -> Places {
        Places {
            home,
            xdg_config_home: xdg_config_home.filter(|p| p.is_absolute()),
            xdg_download_dir: xdg_download_dir.filter(|p| p.is_absolute()),
            macos,
        }
    }

    /// The places, when there is a home folder to install in.
    fn known(&self) -> Result<&Places, Error> {
        if self.home.is_absolute() {
            Ok(self)
        } else {
            Err(Error::NoHome)
        }
    }

    /// `$XDG_CONFIG_HOME`, by default `~/.config`.
    fn config_home(&self) -> PathBuf {
        let default = || self.home.join(".config");
        self.xdg_config_home.clone().unwrap_or_else(default)
    }

    fn application_support(&self) -> PathBuf {
        self.home.join("Library/Application Support")
    }

    /// The folder that holds the manifest for `target`.
    pub fn manifest_dir(&self, target: &Target) -> PathBuf {
        match (target, self.macos) {
            (Target::Profile(dir), _) => dir.join("NativeMessagingHosts"),
            (Target::User(Browser::Chrome), false) => self
                .config_home()
                .join("google-chrome/NativeMessagingHosts"),
            (Target::User(Browser::Chromium), false) => {
                self.config_home().join("chromium/NativeMessagingHosts")
            }
            (Target::User(Browser::Firefox), false) => {
                self.home.join(".mozilla/native-messaging-hosts")
            }
            (Target::User(Browser::Chrome), true) => self
                .application_support()
                .join("Google/Chrome/NativeMessagingHosts"),
            (Target::User(Browser::Chromium), true) => self
                .application_support()
                .join("Chromium/NativeMessagingHosts"),
            (Target::User(Browser::Firefox), true) => self
                .application_support()
                .join("Mozilla/NativeMessagingHosts"),
        }
    }

    /// The manifest file for `target`.
    pub fn manifest_path(&self, target: &Target) -> PathBuf {
        self.manifest_dir(target).join(format!("{HOST_NAME}.json"))
    }

    /// The helper's configuration: `$XDG_CONFIG_HOME/zd-dl-router/helper.json` (Linux),
    /// `~/Library/Application Support/zd-dl-router/helper.json` (macOS, unless
    /// `XDG_CONFIG_HOME` is set).
    pub fn config_path(&self) -> PathBuf {
        let base = match (&self.xdg_config_home, self.macos) {
            (None, true) => self.application_support(),
            _ => self.config_home(),
        };
        base.join("zd-dl-router/helper.json")
    }

    /// The root the helper gets without `--root`: `<Downloads>/zendesk`, where the extension
    /// files downloads by default. Downloads is `$XDG_DOWNLOAD_DIR`, else the one
    /// `user-dirs.dirs` names (what `xdg-user-dir DOWNLOAD` prints), else `~/Downloads`.
    pub fn default_root(&self) -> PathBuf {
        let from_user_dirs = || {
            let text = std::fs::read_to_string(self.config_home().join("user-dirs.dirs")).ok()?;
            self.user_dirs_download(&text)
        };
        self.xdg_download_dir
            .clone()
            .or_else(from_user_dirs)
            .unwrap_or_else(|| self.home.join("Downloads"))
            .join("zendesk")
    }

    /// `XDG_DOWNLOAD_DIR` of a `user-dirs.dirs` text: `"$HOME/…"` or an absolute path.
    fn user_dirs_download(&self, text: &str) -> Option<PathBuf> {
        let value = text.lines().find_map(|l| {
            let v = l.trim().strip_prefix("XDG_DOWNLOAD_DIR=")?;
            v.strip_prefix('"')?.strip_suffix('"')
        })?;
        match value.strip_prefix("$HOME") {
            Some(rest) => Some(self.home.join(rest.trim_start_matches('/'))),
            None => Some(PathBuf::from(value)).filter(|p| p.is_absolute()),
        }
    }
}

/// The helper's configuration file for the current user ([`Places::config_path`]).
pub fn config_path() -> PathBuf {
    Places::from_env().config_path()
}

/// Why installing, uninstalling or reading the installation failed.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing `path` failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// An `--extension-id` that is not a Chrome extension id (32 letters a–p).
    ExtensionId(String),
    /// A `--root` or `--profile` (the flag) that is not a plain folder path: it has a `..`
    /// component, or is empty.
    Folder(&'static str, PathBuf),
    /// `--profile` names a Chrome/Chromium user data folder; Firefox has none.
    FirefoxProfile,
    /// Installing on an OS whose browsers this does not know (Windows: see the module doc).
    Unsupported,
    /// No home folder to install for (`HOME` is not set).
    NoHome,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::ExtensionId(id) => write!(
                f,
                "--extension-id {id:?}: a Chrome extension id is 32 letters a to p"
            ),
            Error::Folder(flag, path) => write!(
                f,
                "{flag} {:?}: give a folder path without `..`",
                path.display()
            ),
            Error::FirefoxProfile => f.write_str(
                "--profile is a Chrome/Chromium user data folder; Firefox reads \
                 ~/.mozilla/native-messaging-hosts/ (point HOME elsewhere instead)",
            ),
            Error::NoHome => f.write_str("no home folder to install for: set HOME"),
            Error::Unsupported => f.write_str(
                "installing is implemented for Linux and macOS; on Windows register the \
                 manifest under HKEY_CURRENT_USER by hand (README, Local helper)",
            ),
        }
    }
}

impl std::error::Error for Error {}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// What `helper install` is asked to do.
#[derive(Clone, Debug)]
pub struct Request {
    /// The browsers to register with (none named: all of them).
    pub browsers: Vec<Browser>,
    /// A Chrome/Chromium user data folder to register in instead.
    pub profile: Option<PathBuf>,
    /// The folders the helper may touch (absolute, or relative to the working folder);
    /// empty: [`Places::default_root`].
    pub roots: Vec<PathBuf>,
    /// Chrome extension ids allowed besides [`CHROME_EXTENSION_ID`].
    pub extension_ids: Vec<String>,
}

/// The targets of a request: its profile, or the user folders of its browsers (none named:
/// all).
fn targets(browsers: &[Browser], profile: Option<&Path>) -> Result<Vec<Target>, Error> {
    let browsers = if browsers.is_empty() {
        &Browser::ALL
    } else {
        browsers
    };
    match profile {
        Some(_) if browsers == [Browser::Firefox] => Err(Error::FirefoxProfile),
        Some(dir) => Ok(vec![Target::Profile(absolute("--profile", dir)?)]),
        None => Ok(browsers.iter().map(|&b| Target::User(b)).collect()),
    }
}

/// The folder `path` given with `flag`, made absolute against the working folder; refused
/// with a `..` component.
fn absolute(flag: &'static str, path: &Path) -> Result<PathBuf, Error> {
    if path.as_os_str().is_empty() || path.components().any(|c| c == Component::ParentDir) {
        return Err(Error::Folder(flag, path.to_owned()));
    }
    std::path::absolute(path).map_err(io_error(path))
}

/// The manifest a browser reads for `target`: this host, `binary`, and who may start it.
pub fn manifest(target: &Target, binary: &Path, extension_ids: &[String]) -> serde_json::Value {
    let mut manifest = json!({
        "name": HOST_NAME,
        "description": "zd-dl-router local helper: unpacks, moves and deletes downloads in its configured folders",
        "path": binary,
        "type": "stdio",
    });
    let allowed = if *target == Target::User(Browser::Firefox) {
        ("allowed_extensions", json!([FIREFOX_EXTENSION_ID]))
    } else {
        let origins = std::iter::once(CHROME_EXTENSION_ID)
            .chain(extension_ids.iter().map(String::as_str))
            .map(|id| format!("chrome-extension://{id}/"));
        ("allowed_origins", json!(origins.collect::<Vec<_>>()))
    };
    manifest[allowed.0] = allowed.1;
    manifest
}

/// A file `install` writes and `uninstall` removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalledFile {
    /// The browser's name, `profile` or `config`.
    pub what: &'static str,
    /// The file.
    pub path: PathBuf,
}

impl InstalledFile {
    fn manifest(places: &Places, target: &Target) -> InstalledFile {
        let what = match target {
            Target::User(browser) => browser.name(),
            Target::Profile(_) => "profile",
        };
        let path = places.manifest_path(target);
        InstalledFile { what, path }
    }

    fn config(places: &Places) -> InstalledFile {
        let path = places.config_path();
        InstalledFile {
            what: "config",
            path,
        }
    }
}

/// Writes the manifests of `request` and the configuration with its roots (replacing any).
pub fn install(
    places: &Places,
    request: &Request,
    binary: &Path,
) -> Result<Vec<InstalledFile>, Error> {
    if cfg!(windows) {
        return Err(Error::Unsupported);
    }
    if let Some(id) = request
        .extension_ids
        .iter()
        .find(|id| id.len() != 32 || !id.bytes().all(|b| (b'a'..=b'p').contains(&b)))
    {
        return Err(Error::ExtensionId(id.clone()));
    }
    let places = places.known()?;
    let roots = match request.roots.as_slice() {
        [] => vec![places.default_root()],
        given => given
            .iter()
            .map(|r| absolute("--root", r))
            .collect::<Result<_, _>>()?,
    };
    let mut written = Vec::new();
    for target in targets(&request.browsers, request.profile.as_deref())? {
        let file = InstalledFile::manifest(places, &target);
        write_file(
            &file.path,
            &manifest(&target, binary, &request.extension_ids),
        )?;
        written.push(file);
    }
    let config = InstalledFile::config(places);
    write_file(&config.path, &json!({ "roots": roots }))?;
    written.push(config);
    Ok(written)
}

fn write_file(path: &Path, json: &serde_json::Value) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    std::fs::write(path, format!("{json:#}\n")).map_err(io_error(path))
}

/// Removes every manifest of this host (all browsers', and `profile`'s) and the
/// configuration (with its folder when that is left empty); returns what was there.
pub fn uninstall(places: &Places, profile: Option<&Path>) -> Result<Vec<InstalledFile>, Error> {
    let mut removed = Vec::new();
    let config = InstalledFile::config(places);
    for file in manifests(places, profile)?.into_iter().chain([config]) {
        match std::fs::remove_file(&file.path) {
            Ok(()) => removed.push(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file.path)(e)),
        }
    }
    if let Some(folder) = places.config_path().parent() {
        let _not_empty_or_gone = std::fs::remove_dir(folder);
    }
    Ok(removed)
}

/// Every manifest `install` may have written: all browsers' (and `profile`'s).
fn manifests(places: &Places, profile: Option<&Path>) -> Result<Vec<InstalledFile>, Error> {
    let places = places.known()?;
    let mut all = targets(&[], None)?;
    if profile.is_some() {
        all.extend(targets(&[], profile)?);
    }
    Ok(all
        .iter()
        .map(|t| InstalledFile::manifest(places, t))
        .collect())
}

/// One manifest as `status` finds it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestStatus {
    /// The browser's name, or `profile`.
    pub what: &'static str,
    /// Where the browser looks for it.
    pub path: PathBuf,
    /// Whether it is there.
    pub installed: bool,
    /// The binary it names (installed and readable).
    pub binary: Option<PathBuf>,
    /// Whether that is the running binary.
    pub points_here: bool,
    /// The extensions it lets start the helper (`allowed_origins` or `allowed_extensions`).
    pub allowed: Vec<String>,
}

/// What is installed where: `helper status`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The running binary.
    pub binary: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
    /// Its roots (`None`: no readable configuration).
    pub roots: Option<Vec<PathBuf>>,
    /// The manifests, installed or not.
    pub manifests: Vec<ManifestStatus>,
}

/// Reads what is installed for the current user (and in `profile`).
pub fn status(places: &Places, profile: Option<&Path>, binary: &Path) -> Result<Status, Error> {
    let read = |path: &Path| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let mut found_manifests = Vec::new();
    for InstalledFile { what, path } in manifests(places, profile)? {
        let found = read(&path);
        let binary_named = found
            .as_ref()
            .and_then(|m| m["path"].as_str())
            .map(PathBuf::from);
        let allowed = found
            .as_ref()
            .and_then(|m| {
                m.get("allowed_origins")
                    .or_else(|| m.get("allowed_extensions"))
            })
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .unwrap_or_default();
        found_manifests.push(ManifestStatus {
            what,
            installed: path.is_file(),
            points_here: binary_named.as_deref() == Some(binary),
            binary: binary_named,
            path,
            allowed,
        });
    }
    let config = places.config_path();
    // The helper's own reading: a configuration it would refuse shows as none.
    let roots = super::host::Config::load(&config).ok().map(|c| c.roots);
    Ok(Status {
        binary: binary.to_owned(),
        config,
        roots,
        manifests: found_manifests,
    })
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "helper binary: {}", self.binary.display())?;
        for m in &self.manifests {
            let state = match (&m.binary, m.points_here) {
                _ if !m.installed => "not installed".to_owned(),
                (_, true) => "installed, points at this binary".to_owned(),
                (Some(other), false) => format!("installed, points at {}", other.display()),
                (None, false) => "installed, unreadable".to_owned(),
            };
            writeln!(f, "{:<9} {state}: {}", m.what, m.path.display())?;
        }
        match &self.roots {
            None => writeln!(f, "config    missing: {}", self.config.display()),
            Some(roots) => {
                writeln!(f, "config    {}", self.config.display())?;
                roots
                    .iter()
                    .try_for_each(|r| writeln!(f, "  root    {}", r.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Places {
        Places::new("/home/u".into(), None, None, false)
    }

    #[test]
    fn manifests_go_where_each_browser_looks() {
        use {Browser::*, Target::*};
        let mac = Places::new("/U".into(), None, None, true);
        let xdg = Places::new("/home/u".into(), Some("/xdg".into()), None, false);
        let cases = [
            (
                &linux(),
                User(Chrome),
                "/home/u/.config/google-chrome/NativeMessagingHosts",
            ),
            (
                &linux(),
                User(Chromium),
                "/home/u/.config/chromium/NativeMessagingHosts",
            ),
            (
                &linux(),
                User(Firefox),
                "/home/u/.mozilla/native-messaging-hosts",
            ),
            (&xdg, User(Chromium), "/xdg/chromium/NativeMessagingHosts"),
            (
                &xdg,
                User(Firefox),
                "/home/u/.mozilla/native-messaging-hosts",
            ),
            (
                &mac,
                User(Chrome),
                "/U/Library/Application Support/Google/Chrome/NativeMessagingHosts",
            ),
            (
                &mac,
                User(Chromium),
                "/U/Library/Application Support/Chromium/NativeMessagingHosts",
            ),
            (
                &mac,
                User(Firefox),
                "/U/Library/Application Support/Mozilla/NativeMessagingHosts",
            ),
            (
                &mac,
                Profile("/tmp/p".into()),
                "/tmp/p/NativeMessagingHosts",
            ),
        ];
        for (places, target, dir) in cases {
            assert_eq!(places.manifest_dir(&target), Path::new(dir), "{target:?}");
        }
    }

    #[test]
    fn the_config_lives_in_the_users_config_folder() {
        let at = |home: &str, xdg: Option<&str>, macos| {
            Places::new(home.into(), xdg.map(PathBuf::from), None, macos).config_path()
        };
        let cases = [
            (
                at("/home/u", None, false),
                "/home/u/.config/zd-dl-router/helper.json",
            ),
            (
                at("/home/u", Some("relative"), false),
                "/home/u/.config/zd-dl-router/helper.json",
            ),
            (
                at("/home/u", Some("/xdg"), false),
                "/xdg/zd-dl-router/helper.json",
            ),
            (
                at("/U", None, true),
                "/U/Library/Application Support/zd-dl-router/helper.json",
            ),
            (
                at("/U", Some("/xdg"), true),
                "/xdg/zd-dl-router/helper.json",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(path, Path::new(expected));
        }
    }

    #[test]
    fn downloads_come_from_user_dirs() {
        let cases = [
            (
                "XDG_DOWNLOAD_DIR=\"$HOME/Telechargements\"\n",
                Some("/home/u/Telechargements"),
            ),
            (
                "# c\nXDG_DESKTOP_DIR=\"$HOME/D\"\nXDG_DOWNLOAD_DIR=\"/data/dl\"\n",
                Some("/data/dl"),
            ),
            ("XDG_DOWNLOAD_DIR=\"dl\"\n", None),
            ("XDG_DOWNLOAD_DIR=$HOME/dl\n", None),
            ("", None),
        ];
        for (text, dir) in cases {
            assert_eq!(
                linux().user_dirs_download(text),
                dir.map(PathBuf::from),
                "{text}"
            );
        }
    }
}
