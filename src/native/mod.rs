//! The native binary's file-system work, which the browser cannot do: unpacking archives
//! (and, in the local helper, moving and deleting below configured roots).
//!
//! Native only (`#[cfg(not(target_arch = "wasm32"))]` in `lib.rs`): it touches the disk and
//! uses archive crates that must never reach the WASM. It lives in the library rather than
//! in `main.rs` so the integration and property tests in `tests/` can call it.

pub mod unpack;
