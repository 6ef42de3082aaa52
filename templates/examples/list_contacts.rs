//! Every contact, page after page, as a stream:
//! `KEAP_API_KEY=... cargo run --example list_contacts`
//! (`KEAP_BASE_URL` sends the requests elsewhere, a mock server say.)

use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("KEAP_API_KEY").map_err(|_| "set KEAP_API_KEY to a Personal Access Token")?;
    let mut builder = keap::Client::builder().auth(keap::Auth::api_key(key));
    if let Ok(url) = std::env::var("KEAP_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    run(&client, &mut std::io::stdout()).await?;
    Ok(())
}

/// Writes a line per contact to `out` (`id`, a tab, the name), in Keap's order; returns how
/// many there were.
pub async fn run(client: &keap::Client, out: &mut impl Write) -> Result<usize, Box<dyn std::error::Error>> {
    let mut contacts = client.contact().list_contacts().page_size(100).order_by("id").items();
    let mut count = 0;
    while let Some(contact) = contacts.next_item().await {
        // Stop on an error: a crashed export can resume from `contacts.resume()`.
        let contact = contact.map_err(|e| format!("{e} (resume from {:?})", contacts.resume()))?;
        count += 1;
        writeln!(
            out,
            "{}\t{} {}",
            contact.id.as_ref().map_or("?", |id| id.as_str()),
            contact.given_name.unwrap_or_default(),
            contact.family_name.unwrap_or_default()
        )?;
    }
    for budget in client.quota().await? {
        match budget.remaining {
            Some(left) => eprintln!("{} window: {left} requests left", budget.window),
            None => eprintln!("{} window: unlimited", budget.window),
        }
    }
    eprintln!("{count} contacts");
    Ok(count)
}
