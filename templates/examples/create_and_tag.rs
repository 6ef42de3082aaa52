//! Creates a contact and applies a tag to it:
//! `KEAP_API_KEY=... cargo run --example create_and_tag -- ada@example.com 123`
//! (`KEAP_BASE_URL` sends the requests elsewhere, a mock server say; `KEAP_KEY_AS_BEARER=1`
//! sends the key as `Authorization: Bearer`, as newer Keap docs allow and as a mock that
//! checks the spec's OAuth2 scheme expects.)

use keap::ids::{ContactId, TagId};
use keap::types::{ApplyRemoveTagRequest, CreateUpdateContactRequest, EmailAddressRequest, EmailAddressRequestField};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(email), Some(tag_id)) = (args.next(), args.next().map(TagId::new)) else {
        eprintln!("usage: create_and_tag EMAIL TAG_ID");
        std::process::exit(2);
    };
    let key = std::env::var("KEAP_API_KEY").map_err(|_| "set KEAP_API_KEY to a Personal Access Token")?;
    let auth = match std::env::var_os("KEAP_KEY_AS_BEARER") {
        Some(_) => keap::Auth::api_key_as_bearer(key),
        None => keap::Auth::api_key(key),
    };
    let mut builder = keap::Client::builder().auth(auth);
    if let Ok(url) = std::env::var("KEAP_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    run(&client, email, tag_id).await?;
    Ok(())
}

/// Creates a contact with this email and applies the tag to it; returns the contact's id.
pub async fn run(client: &keap::Client, email: String, tag_id: TagId) -> Result<ContactId, Box<dyn std::error::Error>> {
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
    // The spec marks no field required, so the id is an `Option`: a contact without one
    // cannot be tagged, and an empty id would address another endpoint.
    let Some(id) = contact.id.filter(|id| !id.as_str().is_empty()) else {
        return Err("Keap created the contact but sent back no id; look it up by its email".into());
    };
    println!("created contact {id}");

    match client.tags().apply_tags(tag_id.clone(), ApplyRemoveTagRequest::new(vec![id.clone()])).send().await {
        Ok(_) => println!("tagged contact {id} with tag {tag_id}"),
        // Keap answers 200 and says per contact whether the tag was applied.
        Err(keap::Error::PartlyFailed(partial)) => {
            for (contact, status) in &partial.failed {
                println!("contact {contact} was not tagged: {status}");
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(id)
}
