//! The local helper: the native binary's part that the browsers start (native messaging) to
//! do what their downloads API cannot — unpack archives, move files out of Downloads,
//! delete folders. Native only (it touches the file system and uses archive crates; none of
//! it is in the WASM), and in the library rather than `main.rs` so the tests in `tests/` can
//! call it.
//!
//! - [`install`]: `helper install|uninstall|status` — the host manifests each browser reads
//!   and the helper's configuration (its roots).
//! - [`unpack`]: an archive into `<dir>/<stem>/`, never writing outside it, within limits.
//! - [`host`]: `helper` itself — the requests it serves; [`messaging`]: the browsers'
//!   framing and size limits; [`roots`]: the root rule every path it touches passes.

pub mod host;
pub mod install;
pub mod messaging;
pub mod roots;
pub mod unpack;
