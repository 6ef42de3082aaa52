//! OAuth2 with token persistence: tokens are read from a file and every refreshed pair is
//! written back (Keap rotates refresh tokens, so the old one stops working).
//! `KEAP_CLIENT_ID=... KEAP_CLIENT_SECRET=... cargo run --example oauth2 -- tokens.json`
//! `KEAP_BASE_URL` and `KEAP_TOKEN_URL`, if set, send requests and refreshes elsewhere
//! (a mock server).

use keap::runtime::{AuthErrorKind, StoreFuture};
use keap::{Auth, Error, TokenStore, Tokens};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// The tokens as `{"access_token", "refresh_token", "expires_at"}` in a file only its owner
/// can read (the `serde-tokens` feature reads and writes the same shape).
pub struct TokenFile(pub PathBuf);

impl TokenStore for TokenFile {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        let path = self.0.clone();
        Box::pin(async move {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
            };
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let (Some(access), Some(refresh)) = (v["access_token"].as_str(), v["refresh_token"].as_str()) else {
                return Err(format!("{} has no access_token and refresh_token", path.display()).into());
            };
            let expires_at = v["expires_at"].as_u64().map(|s| UNIX_EPOCH + Duration::from_secs(s));
            Ok(Some(Tokens::new(access, refresh, expires_at)))
        })
    }

    fn save<'a>(&'a self, t: &'a Tokens) -> StoreFuture<'a, ()> {
        let expires_at = t.expires_at.and_then(|e| e.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
        let json = serde_json::json!({
            "access_token": t.access_token.expose(),
            "refresh_token": t.refresh_token.expose(),
            "expires_at": expires_at,
        })
        .to_string();
        let path = self.0.clone();
        // File I/O blocks: off the async worker threads.
        Box::pin(async move {
            tokio::task::spawn_blocking(move || write_private(&path, json.as_bytes()))
                .await
                .map_err(|e| format!("the save task failed: {e}"))?
                .map_err(|e| e.into())
        })
    }
}

/// Writes a file only its owner can read (0600 on unix): a temporary file, synced, then
/// renamed, so a crash cannot leave half a file and lose the only valid refresh token.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        // `mode` applies only to a new file; an old one keeps its permissions otherwise.
        #[cfg(unix)]
        std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        f.write_all(bytes)?;
        f.sync_all()
    });
    written.and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "tokens.json".into()));
    let id = std::env::var("KEAP_CLIENT_ID").map_err(|_| "set KEAP_CLIENT_ID")?;
    let secret = std::env::var("KEAP_CLIENT_SECRET").map_err(|_| "set KEAP_CLIENT_SECRET")?;
    let store = Arc::new(TokenFile(path));
    let mut auth = Auth::oauth2_from_store(id, secret, store.clone()).await?;
    if let Ok(url) = std::env::var("KEAP_TOKEN_URL") {
        auth = auth.token_url(url);
    }
    let mut builder = keap::Client::builder().auth(auth);
    if let Ok(url) = std::env::var("KEAP_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    run(&client, &store).await
}

/// One call that needs a current access token; a refreshed pair is saved through `store`.
pub async fn run(client: &keap::Client, store: &TokenFile) -> Result<(), Box<dyn std::error::Error>> {
    match client.contact().list_contacts().page_size(1).send().await {
        Ok(page) => println!("{} contact(s) on the first page", page.contacts.unwrap_or_default().len()),
        Err(Error::Auth(e)) if e.needs_reauthorization() => {
            eprintln!("{e}");
            return Err("authorize the app again and put the new tokens in the file".into());
        }
        Err(Error::Auth(e)) if e.kind() == AuthErrorKind::Store => {
            // The refreshed pair is only in memory: one more try before this process ends.
            let tokens = client.tokens().ok_or("OAuth2 is configured, so there are tokens")?;
            store.save(&tokens).await.map_err(|again| format!("{e}; saving again failed: {again}"))?;
            eprintln!("the refreshed tokens were saved on a second try; run again");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
