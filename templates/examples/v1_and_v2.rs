//! One client, one key, one quota for REST v1 and v2: makes sure a REST Hook subscription
//! for `contact.edit` exists (v1 only), lists a contact's appointments (v1 only) and renames
//! the contact through v2:
//! `KEAP_API_KEY=... cargo run --example v1_and_v2 --features v1 -- https://example.com/keap-hook 123 Ada`
//! (`KEAP_BASE_URL` sends the requests elsewhere, a mock server say.) Keap verifies a new
//! subscription by calling the hook URL at once: the receiver must already be running there.

use keap::ids::{Contact, ContactId, NumId};
use keap::types::CreateUpdateContactRequest;
use keap::v1::types::{CreateAHookSubscriptionBody, ListStoredHookSubscriptionsResponseItemStatus as HookStatus};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(hook_url), Some(contact_id), Some(given_name)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: v1_and_v2 HOOK_URL CONTACT_ID GIVEN_NAME");
        std::process::exit(2);
    };
    // v1 writes a contact's id as a number, v2 as text: the same contact, two id types.
    let v1_id: NumId<Contact> = contact_id.parse()?;
    let key = std::env::var("KEAP_API_KEY").map_err(|_| "set KEAP_API_KEY to a Personal Access Token")?;
    let mut builder = keap::Client::builder().auth(keap::Auth::api_key(key));
    if let Ok(url) = std::env::var("KEAP_BASE_URL") {
        builder = builder.base_url(url);
    }
    // Every call below, v1 or v2, takes from this one client's quota.
    let client = builder.build()?;
    run(&client, &hook_url, v1_id, given_name).await
}

/// Makes sure the subscription exists, lists the contact's appointments, renames the contact.
pub async fn run(
    client: &keap::Client,
    hook_url: &str,
    v1_id: NumId<Contact>,
    given_name: String,
) -> Result<(), Box<dyn std::error::Error>> {
    // REST Hooks live only in v1.
    let hooks = client.v1().rest_hooks().list_stored_hook_subscriptions().send().await?;
    let ours = hooks
        .iter()
        .find(|h| h.event_key.as_deref() == Some("contact.edit") && h.hook_url.as_deref() == Some(hook_url));
    match ours {
        Some(h) if h.status == Some(HookStatus::Verified) => {
            println!("hook {} for contact.edit is verified", h.key.as_deref().unwrap_or("?"))
        }
        Some(h) => {
            // Unverified or Inactive: ask Keap to verify it again.
            let key = h.key.clone().ok_or("Keap listed a subscription without a key")?;
            client.v1().rest_hooks().verify_a_hook_subscription(key.clone()).send().await?;
            println!("hook {key} for contact.edit was {:?}; asked Keap to verify it again", h.status);
        }
        None => {
            let body = CreateAHookSubscriptionBody {
                event_key: Some("contact.edit".into()),
                hook_url: Some(hook_url.to_owned()),
                ..Default::default()
            };
            let created = client.v1().rest_hooks().create_a_hook_subscription(body).send().await?;
            println!("subscribed: hook {:?}, status {:?}", created.key, created.status);
        }
    }

    // Appointments live only in v1; its lists page by offset, to the end.
    let appointments = client.v1().appointment().list_appointments().contact_id(v1_id).items().all().await?;
    for a in &appointments {
        // v1's schema declares no `id`; Keap sends one, kept with the fields the schema lacks.
        let id = a.additional_properties.get("id").map_or_else(|| "?".to_string(), ToString::to_string);
        println!("appointment {id}: {} at {}", a.title, a.start_date);
    }
    println!("{} appointment(s) for contact {v1_id}", appointments.len());

    // The update goes through v2, whose update_mask is derived from the fields set, so the
    // contact's other fields (its email addresses among them) are left as they are.
    let change = CreateUpdateContactRequest { given_name: Some(given_name), ..Default::default() };
    let contact = client.contact().update_contact(ContactId::from(v1_id), change).send().await?;
    println!("contact {v1_id} is now {:?}", contact.given_name);
    Ok(())
}
