//! The native helper (`zd-dl-router helper`, `zd-dl-router unpack`): what the browser
//! cannot do for the extension — unpack archives, keep files outside Downloads, delete
//! folders. Native only (never in the WASM): it touches the file system, always inside
//! the configured roots.

pub mod host;
pub mod messaging;
pub mod roots;
