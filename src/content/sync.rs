//! HTTP(S) sync: polls a manifest, downloads only what changed into a content-addressed cache, and
//! switches to a new content set only once every file of it is present and verified.
//!
//! Cache layout under its root: `objects/<sha256>` (verified file contents), `sets/<id>/` (a
//! content set as a folder of hard links to objects), `live` (the id of the set on screen), and
//! `tmp/` (downloads in progress, emptied at start). A file reaches `objects/` only after its size
//! and hash were checked and it was synced to disk, and `live` changes only after its whole set
//! exists, so a crash at any point leaves either the old set or the new one, never a mixture.

use crate::core::manifest::{MAX_MANIFEST_BYTES, Manifest, ManifestFile, Sha256};
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{
    CONTENT_LENGTH, ETAG, HeaderName, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use sha2::Digest;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a content set is published and how to fetch it.
#[derive(Clone, Debug)]
pub struct HttpSource {
    pub manifest_url: String,
    /// Sent as `Authorization: Bearer …`; never written to logs.
    pub token: Option<String>,
    /// Files declared larger than this are refused.
    pub max_file_bytes: u64,
    /// How long one request may take before it counts as failed.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached or the connection broke.
    #[error("cannot fetch {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The server answered with an error status.
    #[error("{url} answered {status}")]
    Status { url: String, status: StatusCode },
    /// The manifest is not a valid manifest.
    #[error("the manifest at {url} is not valid:\n{problems}")]
    BadManifest { url: String, problems: String },
    /// A file did not arrive as the manifest declares it.
    #[error("{path}: {reason}")]
    BadFile { path: String, reason: String },
    /// The cache on disk could not be written.
    #[error("cache {path}: {source}{}", full_disk_hint(source))]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn full_disk_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::StorageFull => {
            "; the cache's disk is full: what is on screen stays, and each later sync tries again \
             until there is space"
        }
        _ => "",
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The published set is the one already live.
    Unchanged,
    /// A new set is live in `folder`, after downloading `files` files of `bytes` bytes.
    Updated {
        folder: PathBuf,
        files: usize,
        bytes: u64,
    },
}

pub struct Cache {
    root: PathBuf,
}

/// Whether `path` lies in a content set of a cache (`<root>/sets/<id>/…`): staff read notes in
/// their own folders, and a cache's sets hold only what the server published.
pub fn is_in_a_cache(path: &Path) -> bool {
    path.ancestors().any(|folder| {
        folder.file_name().is_some_and(|name| name == "sets")
            && folder
                .parent()
                .is_some_and(|root| root.join("objects").is_dir())
    })
}

fn cache_error(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError + '_ {
    move |source| SyncError::Cache {
        path: path.to_path_buf(),
        source,
    }
}

impl Cache {
    /// Opens (creating) a cache and throws away downloads a crash left unfinished.
    pub fn open(root: &Path) -> Result<Cache, SyncError> {
        let cache = Cache {
            root: root.to_path_buf(),
        };
        let tmp = root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(cache_error(&tmp))?;
        }
        for folder in ["objects", "sets", "tmp"] {
            let path = root.join(folder);
            fs::create_dir_all(&path).map_err(cache_error(&path))?;
        }
        Ok(cache)
    }

    /// The folder of the set that was live last, if it is complete on disk: what to play offline.
    pub fn live(&self) -> Option<(String, PathBuf)> {
        let id = fs::read_to_string(self.root.join("live"))
            .ok()?
            .trim()
            .to_string();
        let folder = self.root.join("sets").join(&id);
        (!id.is_empty() && folder.is_dir()).then_some((id, folder))
    }

    /// The ETag and Last-Modified the server sent with the live set's manifest, kept beside it so
    /// the first poll after a restart is conditional too.
    fn validators(&self, live_id: &str) -> Validators {
        let text = fs::read_to_string(self.root.join("validators")).unwrap_or_default();
        let mut lines = text.lines();
        if lines.next() != Some(live_id) {
            return Validators::default();
        }
        let value = |line: Option<&str>| line.filter(|l| !l.is_empty()).map(str::to_owned);
        (value(lines.next()), value(lines.next()))
    }

    fn save_validators(&self, live_id: &str, (etag, modified): &Validators) {
        let text = format!(
            "{live_id}\n{}\n{}\n",
            etag.as_deref().unwrap_or(""),
            modified.as_deref().unwrap_or("")
        );
        let temporary = self.root.join("tmp").join("validators");
        // Losing them only costs one full manifest download, so a failure is just logged.
        if let Err(error) = fs::write(&temporary, text)
            .and_then(|_| fs::rename(&temporary, self.root.join("validators")))
        {
            tracing::warn!("cannot save the manifest's validators: {error}");
        }
    }

    fn object(&self, hash: &Sha256) -> PathBuf {
        self.root.join("objects").join(hash.as_str())
    }

    fn has(&self, hash: &Sha256) -> bool {
        self.object(hash).is_file()
    }

    /// Streams a body into `objects/`, refusing it unless it has exactly the declared size and hash.
    /// What a failed download wrote is removed at once: on a full disk it is the space the next
    /// try needs.
    fn store(&self, file: &ManifestFile, body: impl Read) -> Result<u64, SyncError> {
        let temporary = self.root.join("tmp").join(file.sha256.as_str());
        let stored = self.store_through(&temporary, file, body);
        if stored.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        stored
    }

    fn store_through(
        &self,
        temporary: &Path,
        file: &ManifestFile,
        mut body: impl Read,
    ) -> Result<u64, SyncError> {
        let bad = |reason: String| SyncError::BadFile {
            path: file.path.written.clone(),
            reason,
        };
        let mut out = File::create(temporary).map_err(cache_error(temporary))?;
        let mut hasher = sha2::Sha256::new();
        let mut received: u64 = 0;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = body
                .read(&mut buffer)
                .map_err(|e| bad(format!("the download broke off: {e}")))?;
            if n == 0 {
                break;
            }
            received += n as u64;
            if received > file.size {
                return Err(bad(format!(
                    "the server sent more than the declared {} bytes",
                    file.size
                )));
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n])
                .map_err(cache_error(temporary))?;
        }
        if received < file.size {
            return Err(bad(format!(
                "truncated: {received} of {} bytes arrived",
                file.size
            )));
        }
        if Sha256::from_digest(&hasher.finalize()) != file.sha256 {
            return Err(bad(
                "the content does not match its SHA-256 in the manifest".into(),
            ));
        }
        out.sync_all().map_err(cache_error(temporary))?;
        let object = self.object(&file.sha256);
        fs::rename(temporary, &object).map_err(cache_error(&object))?;
        Ok(received)
    }

    /// Builds `sets/<id>/` from objects, replacing any half-built folder of the same id.
    fn assemble(&self, id: &str, manifest: &Manifest) -> Result<PathBuf, SyncError> {
        let folder = self.root.join("sets").join(id);
        if folder.exists() {
            fs::remove_dir_all(&folder).map_err(cache_error(&folder))?;
        }
        for file in &manifest.files {
            let target = folder.join(&file.path.relative);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(cache_error(parent))?;
            }
            let object = self.object(&file.sha256);
            // Hard links cost no space; a copy is the fallback on file systems without them.
            if fs::hard_link(&object, &target).is_err() {
                fs::copy(&object, &target).map_err(cache_error(&target))?;
            }
        }
        Ok(folder)
    }

    /// Makes a set the live one with an atomic rename, durable before it returns.
    fn go_live(&self, id: &str) -> Result<(), SyncError> {
        let pointer = self.root.join("live");
        let temporary = self.root.join("tmp").join("live");
        let mut file = File::create(&temporary).map_err(cache_error(&temporary))?;
        file.write_all(id.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(cache_error(&temporary))?;
        fs::rename(&temporary, &pointer).map_err(cache_error(&pointer))?;
        File::open(&self.root)
            .and_then(|dir| dir.sync_all())
            .map_err(cache_error(&self.root))
    }

    /// Deletes other sets and objects the live manifest does not use; only ever after `go_live`.
    fn collect_garbage(&self, live_id: &str, manifest: &Manifest) {
        let keep: std::collections::HashSet<&str> =
            manifest.files.iter().map(|f| f.sha256.as_str()).collect();
        for (folder, is_kept) in [
            (
                "sets",
                &(|name: &str| name == live_id) as &dyn Fn(&str) -> bool,
            ),
            ("objects", &|name: &str| keep.contains(name)),
        ] {
            let Ok(entries) = fs::read_dir(self.root.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !is_kept(&name) {
                    let path = entry.path();
                    let removed = if path.is_dir() {
                        fs::remove_dir_all(&path)
                    } else {
                        fs::remove_file(&path)
                    };
                    if let Err(error) = removed {
                        tracing::warn!("cannot remove {} from the cache: {error}", path.display());
                    }
                }
            }
        }
    }
}

/// The player's HTTP client: rustls, its own user agent, a bound on connecting and on each request.
pub fn http_client(timeout: Duration) -> reqwest::Result<Client> {
    // rustls needs one crypto provider per process; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .user_agent(concat!("kiosk-player/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why a download came to nothing: the server could not be reached (worth another try), or
/// what it sent is not usable (not worth one).
pub(crate) enum Fetch {
    Unreachable(String),
    Broken(String),
}

impl Fetch {
    pub(crate) fn into_message(self) -> String {
        match self {
            Fetch::Unreachable(message) | Fetch::Broken(message) => message,
        }
    }
}

/// A successful answer's body, refused past `most` bytes (announced or received).
pub(crate) fn limited_body(url: &str, response: Response, most: u64) -> Result<Vec<u8>, Fetch> {
    let status = response.status();
    if !status.is_success() {
        return Err(Fetch::Unreachable(format!("{url} answered {status}")));
    }
    if let Some(length) = header(&response, CONTENT_LENGTH).and_then(|l| l.parse::<u64>().ok())
        && length > most
    {
        return Err(Fetch::Broken(format!(
            "{url} is {length} bytes; at most {most} are read"
        )));
    }
    let mut body = Vec::new();
    response
        .take(most + 1)
        .read_to_end(&mut body)
        .map_err(|e| Fetch::Unreachable(format!("cannot read {url}: {e}")))?;
    if body.len() as u64 > most {
        return Err(Fetch::Broken(format!("{url} is larger than {most} bytes")));
    }
    Ok(body)
}

/// A response header as text, if it has one that is.
pub(crate) fn header(response: &Response, name: HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// ETag and Last-Modified of a manifest, for conditional requests.
type Validators = (Option<String>, Option<String>);

/// Polls one HTTP source into one cache.
pub struct Syncer {
    client: Client,
    source: HttpSource,
    cache: Cache,
    live_id: Option<String>,
    /// Of the manifest of the live set.
    validators: Validators,
}

impl Syncer {
    pub fn new(source: HttpSource, cache: Cache) -> Result<Syncer, SyncError> {
        let client = http_client(source.timeout).map_err(|e| SyncError::Unreachable {
            url: source.manifest_url.clone(),
            reason: e.to_string(),
        })?;
        let live_id = cache.live().map(|(id, _)| id);
        let validators = live_id
            .as_deref()
            .map(|id| cache.validators(id))
            .unwrap_or_default();
        Ok(Syncer {
            client,
            source,
            cache,
            live_id,
            validators,
        })
    }

    /// The folder of the live set, for playing from the cache before (or without) any network.
    pub fn live_folder(&self) -> Option<PathBuf> {
        self.cache.live().map(|(_, folder)| folder)
    }

    /// Fetches the manifest and, if it changed, every file the cache lacks; then makes the new set live.
    pub fn sync_once(&mut self) -> Result<SyncOutcome, SyncError> {
        let url = self.source.manifest_url.clone();
        let mut request = self.get(&url);
        if let Some(etag) = &self.validators.0 {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &self.validators.1 {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let response = request.send().map_err(|e| unreachable(&url, &e))?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(SyncOutcome::Unchanged);
        }
        if !response.status().is_success() {
            return Err(SyncError::Status {
                url,
                status: response.status(),
            });
        }
        let validators = (header(&response, ETAG), header(&response, LAST_MODIFIED));
        let mut body = Vec::new();
        response
            .take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| SyncError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        if body.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(SyncError::BadManifest {
                url,
                problems: format!("it is larger than {MAX_MANIFEST_BYTES} bytes"),
            });
        }
        let id = Sha256::from_digest(&sha2::Sha256::digest(&body)).as_str()[..16].to_string();
        if self.live_id.as_deref() == Some(id.as_str()) {
            self.cache.save_validators(&id, &validators);
            self.validators = validators;
            return Ok(SyncOutcome::Unchanged);
        }
        let text = String::from_utf8(body).map_err(|_| SyncError::BadManifest {
            url: url.clone(),
            problems: "it is not UTF-8 text".into(),
        })?;
        let manifest = Manifest::parse(&text).map_err(|problems| SyncError::BadManifest {
            url: url.clone(),
            problems: problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        if let Some(file) = manifest.oversized(self.source.max_file_bytes).first() {
            return Err(SyncError::BadFile {
                path: file.path.written.clone(),
                reason: format!(
                    "declared as {} bytes; this player accepts files up to {} bytes",
                    file.size, self.source.max_file_bytes
                ),
            });
        }
        let missing = manifest.missing(|hash| self.cache.has(hash));
        let mut bytes = 0;
        for file in &missing {
            bytes += self.download(file)?;
        }
        let folder = self.cache.assemble(&id, &manifest)?;
        self.cache.go_live(&id)?;
        self.cache.collect_garbage(&id, &manifest);
        self.cache.save_validators(&id, &validators);
        self.live_id = Some(id);
        self.validators = validators;
        Ok(SyncOutcome::Updated {
            folder,
            files: missing.len(),
            bytes,
        })
    }

    fn download(&self, file: &ManifestFile) -> Result<u64, SyncError> {
        let url = file_url(&self.source.manifest_url, &file.path.relative).ok_or_else(|| {
            SyncError::BadFile {
                path: file.path.written.clone(),
                reason: "cannot form its URL".into(),
            }
        })?;
        let response = self.get(&url).send().map_err(|e| unreachable(&url, &e))?;
        if !response.status().is_success() {
            return Err(SyncError::Status {
                url,
                status: response.status(),
            });
        }
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > file.size) {
            return Err(SyncError::BadFile {
                path: file.path.written.clone(),
                reason: format!(
                    "the server announces {} bytes, the manifest {}",
                    declared.unwrap_or(0),
                    file.size
                ),
            });
        }
        self.cache.store(file, response)
    }

    fn get(&self, url: &str) -> reqwest::blocking::RequestBuilder {
        let request = self.client.get(url);
        match &self.source.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }
}

fn unreachable(url: &str, error: &reqwest::Error) -> SyncError {
    SyncError::Unreachable {
        url: url.to_string(),
        reason: error_chain(error),
    }
}

/// A request's error with every cause, e.g. "error sending request: … : connection refused".
pub(crate) fn error_chain(error: &reqwest::Error) -> String {
    // reqwest errors can include the URL but never headers, so a token cannot leak here.
    let mut reason = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        reason = format!("{reason}: {inner}");
        cause = inner.source();
    }
    reason
}

/// The URL of a file published beside the manifest, each path segment percent-encoded.
fn file_url(manifest_url: &str, relative: &Path) -> Option<String> {
    let mut url = reqwest::Url::parse(manifest_url).ok()?;
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.pop();
        for part in relative.components() {
            segments.push(part.as_os_str().to_str()?);
        }
    }
    Some(url.to_string())
}

/// Writes `DIR/manifest.ron` listing every file under `DIR` (hidden files and error notes left
/// out), returning the number of files and bytes listed.
pub fn publish(folder: &Path) -> std::io::Result<(usize, u64)> {
    use crate::core::manifest::MANIFEST_NAME;
    use crate::core::playlist::MediaPath;
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.')
                || name.ends_with(".error.txt")
                || (dir == folder && name == MANIFEST_NAME)
            {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(folder)
                .expect("walked from the folder")
                .to_string_lossy()
                .replace('\\', "/");
            let media = MediaPath::try_from(relative).map_err(std::io::Error::other)?;
            let (size, sha256) = hash_file(&path)?;
            files.push(ManifestFile {
                path: media,
                size,
                sha256,
            });
        }
    }
    files.sort_by(|a, b| a.path.relative.cmp(&b.path.relative));
    let count = files.len();
    let bytes = files.iter().map(|f| f.size).sum();
    let manifest = Manifest { files };
    let temporary = folder.join(format!(".{MANIFEST_NAME}.tmp"));
    fs::write(&temporary, manifest.to_ron())?;
    fs::rename(&temporary, folder.join(MANIFEST_NAME))?;
    Ok((count, bytes))
}

fn hash_file(path: &Path) -> std::io::Result<(u64, Sha256)> {
    let mut file = File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok((size, Sha256::from_digest(&hasher.finalize())));
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_sit_beside_the_manifest_and_are_encoded() {
        let url = file_url(
            "https://cdn.example/ward/konan/manifest.ron?v=1",
            Path::new("media/手洗い 1.jpg"),
        )
        .unwrap();
        assert_eq!(
            url,
            "https://cdn.example/ward/konan/media/%E6%89%8B%E6%B4%97%E3%81%84%201.jpg?v=1"
        );
    }
}
