//! Every contact, page after page, as a stream:
//! `KEAP_API_KEY=... cargo run --example list_contacts`

#[tokio::main]
async fn main() -> Result<(), keap::Error> {
    let key = std::env::var("KEAP_API_KEY").expect("set KEAP_API_KEY to a Personal Access Token");
    let client = keap::Client::builder().auth(keap::Auth::api_key(key)).quota(keap::Quota::keap_key()).build()?;
    let mut contacts = client.contact().list_contacts().page_size(100).order_by("id").items();
    let mut count = 0;
    while let Some(contact) = contacts.next_item().await {
        let contact = contact?;
        count += 1;
        println!(
            "{}\t{} {}",
            contact.id.unwrap_or_default(),
            contact.given_name.unwrap_or_default(),
            contact.family_name.unwrap_or_default()
        );
    }
    for budget in client.quota() {
        match budget.remaining {
            Some(left) => eprintln!("{} window: {left} requests left", budget.window),
            None => eprintln!("{} window: unlimited", budget.window),
        }
    }
    eprintln!("{count} contacts");
    Ok(())
}
