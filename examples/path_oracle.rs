//! The test oracle of download paths (`tests/oracle`) as a command, for the browser E2E:
//! judges the paths files actually landed at by the browsers' own rules, not by the
//! product's.
//!
//! ```sh
//! printf '%s\n' '"zendesk/ACME Corp/4711/a.log"' '"x/CON"' | cargo run --quiet --example path_oracle
//! ```
//!
//! Reads one JSON string (a `/`-separated path below Downloads) per line and writes one JSON
//! array per line: the rules the path breaks, each with its source; `[]` when both browsers
//! save it unchanged on Windows, macOS and Linux. A line that is not a JSON string is an
//! error (exit status 2), so that a caller's mistake never reads as a verdict.

#[path = "../tests/oracle/mod.rs"]
mod oracle;

use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(&format!("reading stdin: {e}")));
        let path: String = serde_json::from_str(&line).unwrap_or_else(|e| {
            fail(&format!(
                "line {}: expected a JSON string, got {line:?}: {e}",
                n + 1
            ))
        });
        let verdict = serde_json::to_string(&oracle::rejections(&path))
            .unwrap_or_else(|e| fail(&format!("line {}: {e}", n + 1)));
        writeln!(stdout, "{verdict}").unwrap_or_else(|e| fail(&format!("writing stdout: {e}")));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("path_oracle: {message}");
    std::process::exit(2)
}
