//! OAuth2 with token persistence: tokens are read from a file and every refreshed pair is
//! written back (Keap rotates refresh tokens, so the old one stops working).
//! `KEAP_CLIENT_ID=... KEAP_CLIENT_SECRET=... cargo run --example oauth2 -- tokens.json`

use keap::{Auth, Tokens};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn load(path: &str) -> Tokens {
    let text = std::fs::read_to_string(path).expect("a tokens file from your OAuth2 authorization");
    let v: serde_json::Value = serde_json::from_str(&text).expect("tokens JSON");
    let expires_at = v["expires_at"].as_u64().map(|s| UNIX_EPOCH + Duration::from_secs(s));
    Tokens::new(
        v["access_token"].as_str().unwrap_or_default(),
        v["refresh_token"].as_str().unwrap_or_default(),
        expires_at,
    )
}

fn save(path: &str, t: &Tokens) {
    let expires_at = t.expires_at.and_then(|e| e.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
    let json = serde_json::json!({
        "access_token": t.access_token.expose(),
        "refresh_token": t.refresh_token.expose(),
        "expires_at": expires_at,
    });
    // Write then rename, so a crash cannot leave half a file and lose the only valid token.
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, json.to_string()).expect("write tokens");
    std::fs::rename(&tmp, path).expect("store tokens");
}

#[tokio::main]
async fn main() -> Result<(), keap::Error> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "tokens.json".into());
    let id = std::env::var("KEAP_CLIENT_ID").expect("set KEAP_CLIENT_ID");
    let secret = std::env::var("KEAP_CLIENT_SECRET").expect("set KEAP_CLIENT_SECRET");
    let store = path.clone();
    let auth = Auth::oauth2(id, secret, load(&path)).on_refresh(move |tokens| save(&store, tokens));
    let client = keap::Client::builder().auth(auth).quota(keap::Quota::keap_oauth_app()).build()?;
    let me = client.contact().list_contacts().page_size(1).send().await?;
    println!("{} contact(s) on the first page at {:?}", me.contacts.unwrap_or_default().len(), SystemTime::now());
    Ok(())
}
