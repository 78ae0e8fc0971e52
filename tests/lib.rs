//! Integration tests: the public API against fixture files, and the CLI binary.

mod cli;
mod common;
mod helper_install;
mod hostile;
mod oracle;
mod routing;
mod unpack;
mod urls;
