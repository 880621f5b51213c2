//! The manifest of a published content set: every file with its size and SHA-256, and the plan
//! of what a player must download to have all of it.

use super::diagnostic::{Diagnostic, Position, SourceLocator, parse_ron};
use super::playlist::MediaPath;
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt::Write;

/// Manifests larger than this are refused unread.
pub const MAX_MANIFEST_BYTES: u64 = 8 * 1024 * 1024;
/// More files than this is not a signage content set.
pub const MAX_FILES: usize = 50_000;
/// The manifest's own file name in a published folder.
pub const MANIFEST_NAME: &str = "manifest.ron";

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub files: Vec<ManifestFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: MediaPath,
    pub size: u64,
    pub sha256: Sha256,
}

/// A SHA-256 digest as 64 lowercase hexadecimal digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Sha256(String);

impl Sha256 {
    pub fn from_digest(bytes: &[u8]) -> Sha256 {
        let mut hex = String::with_capacity(64);
        for byte in bytes {
            let _ = write!(hex, "{byte:02x}");
        }
        Sha256(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256 {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let lower = text.to_ascii_lowercase();
        if lower.len() == 64 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256(lower))
        } else {
            Err(format!("`{text}` is not a SHA-256 (64 hexadecimal digits)"))
        }
    }
}

impl Manifest {
    /// Parses and checks a manifest as a server sent it. Every problem comes back at once.
    pub fn parse(source: &str) -> Result<Manifest, Vec<Diagnostic>> {
        if source.trim_start().starts_with('<') {
            return Err(vec![
                Diagnostic::new(Position::START, "this is not a manifest but an HTML page")
                    .with_hint("the server probably sent an error or login page; check the URL"),
            ]);
        }
        let manifest: Manifest = parse_ron(source).map_err(|d| vec![d])?;
        let mut at = SourceLocator::new(source);
        let mut seen = HashSet::new();
        let mut problems = Vec::new();
        if manifest.files.len() > MAX_FILES {
            problems.push(Diagnostic::new(
                at.field("files"),
                format!(
                    "{} files; a content set has at most {MAX_FILES}",
                    manifest.files.len()
                ),
            ));
        }
        for file in &manifest.files {
            let position = at.string_literal(&file.path.written);
            if file.path.relative.as_os_str() == MANIFEST_NAME {
                problems.push(Diagnostic::new(position, "the manifest cannot list itself"));
            } else if !seen.insert(file.path.relative.clone()) {
                problems.push(Diagnostic::new(
                    position,
                    format!("`{}` is listed twice", file.path.written),
                ));
            }
        }
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(problems)
        }
    }

    /// The manifest as `publish` writes it, files in the order given.
    pub fn to_ron(&self) -> String {
        let mut text = String::from(
            "// Written by `kiosk-player publish`: every file of this content set.\nManifest(\n    files: [\n",
        );
        for file in &self.files {
            let path = file.path.relative.to_string_lossy().replace('\\', "/");
            let _ = writeln!(
                text,
                "        (path: {path:?}, size: {}, sha256: \"{}\"),",
                file.size, file.sha256.0
            );
        }
        text.push_str("    ],\n)\n");
        text
    }

    /// The files larger than `limit` bytes, which a player refuses to download.
    pub fn oversized(&self, limit: u64) -> Vec<&ManifestFile> {
        self.files.iter().filter(|f| f.size > limit).collect()
    }

    /// The files whose content the cache does not have yet, each content once.
    pub fn missing(&self, have: impl Fn(&Sha256) -> bool) -> Vec<&ManifestFile> {
        let mut wanted = HashSet::new();
        self.files
            .iter()
            .filter(|f| !have(&f.sha256) && wanted.insert(&f.sha256))
            .collect()
    }
}

/// How long to wait before retrying after `failures` failures in a row: doubling from 5 s up to
/// 5 minutes, spread by ±20% (`spread` in 0..1) so a fleet does not retry in step.
pub fn retry_delay(failures: u32, spread: f64) -> std::time::Duration {
    let base = (5.0 * 2f64.powi(failures.saturating_sub(1).min(10) as i32)).min(300.0);
    let factor = 0.8 + 0.4 * spread.clamp(0.0, 1.0);
    std::time::Duration::from_secs_f64(base * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const HASH_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn manifest(files: &[(&str, u64, &str)]) -> String {
        let mut text = String::from("Manifest(files: [\n");
        for (path, size, hash) in files {
            text.push_str(&format!(
                "  (path: {path:?}, size: {size}, sha256: {hash:?}),\n"
            ));
        }
        text + "])"
    }

    #[test]
    fn a_published_manifest_reads_back_the_same() {
        let parsed = Manifest::parse(&manifest(&[
            ("a.ron", 10, HASH_A),
            ("media/b.jpg", 20, HASH_B),
        ]))
        .unwrap();
        assert_eq!(Manifest::parse(&parsed.to_ron()).unwrap(), parsed);
    }

    #[test]
    fn hostile_paths_duplicates_and_bad_hashes_are_refused() {
        let cases = [
            (manifest(&[("../etc/passwd", 1, HASH_A)]), "points outside"),
            (manifest(&[("/etc/passwd", 1, HASH_A)]), "absolute path"),
            (
                manifest(&[("a.ron", 1, HASH_A), ("./a.ron", 1, HASH_B)]),
                "listed twice",
            ),
            (
                manifest(&[("manifest.ron", 1, HASH_A)]),
                "cannot list itself",
            ),
            (manifest(&[("a.ron", 1, "1234")]), "not a SHA-256"),
            (
                "<!DOCTYPE html><html>Service unavailable</html>".into(),
                "HTML page",
            ),
            (
                manifest(&[("a.ron", 1, HASH_A)])[..30].to_string(),
                "cut off while being copied",
            ),
        ];
        for (text, expected) in cases {
            let problems = Manifest::parse(&text).unwrap_err();
            assert!(
                problems.iter().any(|p| p.to_string().contains(expected)),
                "{expected}: {problems:?}"
            );
        }
    }

    #[test]
    fn only_missing_content_is_fetched_once() {
        let parsed = Manifest::parse(&manifest(&[
            ("a.ron", 1, HASH_A),
            ("copy.ron", 1, HASH_A),
            ("b.ron", 2, HASH_B),
        ]))
        .unwrap();
        let have_b = |h: &Sha256| h.as_str() == HASH_B;
        let missing: Vec<&str> = parsed
            .missing(have_b)
            .iter()
            .map(|f| f.path.written.as_str())
            .collect();
        assert_eq!(missing, ["a.ron"]);
        assert_eq!(parsed.oversized(1).len(), 1);
    }

    #[test]
    fn retries_back_off_to_five_minutes_with_spread() {
        assert_eq!(retry_delay(1, 0.5).as_secs(), 5);
        assert_eq!(retry_delay(2, 0.5).as_secs(), 10);
        assert_eq!(retry_delay(30, 0.5).as_secs(), 300);
        assert!(retry_delay(3, 0.0) < retry_delay(3, 1.0));
    }
}
