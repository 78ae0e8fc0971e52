//! Unpack throughput against `tar -xzf` in the same run (`cargo bench --bench unpack`, also
//! run by `./build.sh bench`): a log-like `.tar.gz` of about `BENCH_UNPACK_MB` MB unpacked
//! (default 200; text lines of a Rails-style log in files from 64 KB to 4 MB, gzip level 6
//! as `tar -czf` writes it) is generated once into `target/bench-unpack/`, then unpacked
//! `ROUNDS` times by `native::unpack` and by `tar -xzf`, alternating, each into a fresh
//! folder; the median wall time of each is reported, and their ratio (target ≤ 1.5).
//!
//! Output: a human line on stderr and, with `--json`, one JSON object on stdout:
//! `{"unpack":{"archiveBytes","unpackedBytes","files","oursSeconds","tarSeconds","ratio"}}`.

use serde_json::json;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zd_dl_router::native::unpack::{unpack, Limits};

const ROUNDS: usize = 3;

fn main() {
    let megabytes: u64 = std::env::var("BENCH_UNPACK_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-unpack");
    fs::create_dir_all(&dir).expect("bench folder");
    let archive = dir.join(format!("gitlabsos_bench-{megabytes}mb.tar.gz"));
    let (unpacked_bytes, files) = generate(&archive, megabytes << 20);
    let archive_bytes = fs::metadata(&archive).expect("archive").len();

    let (mut ours, mut tar) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let out = fresh(&dir.join(format!("ours-{round}")));
        let start = Instant::now();
        let summary = unpack(&archive, &out, &Limits::default(), &mut |_| {}).expect("unpacked");
        ours.push(start.elapsed().as_secs_f64());
        assert_eq!(summary.bytes, unpacked_bytes);
        fs::remove_dir_all(&out).expect("cleaned");

        let out = fresh(&dir.join(format!("tar-{round}")));
        let start = Instant::now();
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&out)
            .status()
            .expect("tar runs");
        tar.push(start.elapsed().as_secs_f64());
        assert!(status.success(), "tar -xzf failed");
        fs::remove_dir_all(&out).expect("cleaned");
    }
    let (ours, tar) = (median(&mut ours), median(&mut tar));
    let ratio = ours / tar;
    eprintln!(
        "unpack {:.0} MB .tar.gz ({:.0} MB, {files} files): ours {ours:.2} s ({:.0} MB/s), tar -xzf {tar:.2} s, ratio {ratio:.2} (target ≤ 1.5)",
        unpacked_bytes as f64 / 1e6,
        archive_bytes as f64 / 1e6,
        unpacked_bytes as f64 / 1e6 / ours,
    );
    if std::env::args().any(|a| a == "--json") {
        let result = json!({"unpack": {"archiveBytes": archive_bytes, "unpackedBytes": unpacked_bytes,
            "files": files, "oursSeconds": ours, "tarSeconds": tar, "ratio": ratio}});
        println!("{result}");
    }
}

/// Writes the archive unless it exists; returns its unpacked bytes and file count.
fn generate(archive: &Path, target_bytes: u64) -> (u64, u64) {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let (mut total, mut files, mut seed) = (0u64, 0u64, 0x2545_f491_4f6c_dd1du64);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let exists = archive.exists();
    while total < target_bytes {
        let size = 64 << 10 << (next() % 7); // 64 KB … 4 MB
        let mut text = Vec::with_capacity(size + 200);
        while text.len() < size {
            let r = next();
            let _ = writeln!(
                text,
                "2026-11-{:02}T{:02}:{:02}:{:02}.{:06}Z I, [pid={}] INFO -- : Completed {} OK in {}ms (Views: {:.1}ms | ActiveRecord: {:.1}ms) path=/api/v4/projects/{}/merge_requests correlation_id={:016x}",
                r % 28 + 1, r % 24, r % 60, (r >> 8) % 60, r % 1_000_000, r % 32768,
                200 + (r >> 20) % 5, (r >> 24) % 900, (r >> 32) % 1000, (r >> 40) % 100, (r >> 16) % 5000, next()
            );
        }
        total += text.len() as u64;
        files += 1;
        if !exists {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            let name = format!(
                "gitlabsos_bench/var/log/gitlab/part-{}/file-{files}.log",
                files % 8
            );
            builder
                .append_data(&mut header, name, &text[..])
                .expect("tar entry");
        }
    }
    if !exists {
        let gz = builder.into_inner().expect("tar").finish().expect("gzip");
        fs::write(archive, gz).expect("archive written");
    }
    (total, files)
}

fn fresh(dir: &Path) -> PathBuf {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).expect("output folder");
    dir.to_owned()
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
