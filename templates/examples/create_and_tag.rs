//! Creates a contact and applies a tag to it:
//! `KEAP_API_KEY=... cargo run --example create_and_tag -- ada@example.com 123`

use keap::types::{ApplyRemoveTagRequest, CreateUpdateContactRequest, EmailAddressRequest, EmailAddressRequestField};

#[tokio::main]
async fn main() -> Result<(), keap::Error> {
    let mut args = std::env::args().skip(1);
    let (email, tag_id) = match (args.next(), args.next()) {
        (Some(email), Some(tag)) => (email, tag),
        _ => {
            eprintln!("usage: create_and_tag EMAIL TAG_ID");
            std::process::exit(2);
        }
    };
    let key = std::env::var("KEAP_API_KEY").expect("set KEAP_API_KEY to a Personal Access Token");
    let client = keap::Client::builder().auth(keap::Auth::api_key(key)).build()?;

    let new_contact = CreateUpdateContactRequest {
        given_name: Some("Ada".into()),
        email_addresses: Some(vec![EmailAddressRequest {
            email: Some(email),
            field: Some(EmailAddressRequestField::Email1),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let contact = client.contact().create_contact(new_contact).send().await?;
    let id = contact.id.unwrap_or_default();
    println!("created contact {id}");

    client.tags().apply_tags(tag_id.clone(), ApplyRemoveTagRequest::new(vec![id.clone()])).send().await?;
    println!("tagged contact {id} with tag {tag_id}");
    Ok(())
}
