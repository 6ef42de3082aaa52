//! The guide's "Testing your code": an application's sync, tested offline with the kit.
//! keapgen writes this file into the pinned crate's README and its `tests/`, so the guide's
//! test is compiled and run as it is shown.
#![cfg(all(feature = "testing", feature = "contact"))]

use keap::testing::{contact, Answer, MockKeap};
use keap::types::{Contact, EmailAddress};

/// The code under test: every contact's email, page by page. A retryable error is logged
/// and the listing asks for that page again (it gives up after 3 failures of one page).
async fn sync_emails(client: &keap::Client) -> Result<Vec<String>, keap::Error> {
    let mut items = client.contact().list_contacts().page_size(2).items();
    let mut emails = Vec::new();
    while let Some(item) = items.next_item().await {
        match item {
            Ok(c) => emails.extend(c.email_addresses.into_iter().flatten().filter_map(|e| e.email)),
            Err(e) if e.is_retryable() => eprintln!("retrying a page: {e}"),
            Err(e) => return Err(e),
        }
    }
    Ok(emails)
}

fn with_email(email: &str) -> Contact {
    let email = EmailAddress { email: Some(email.into()), ..Default::default() };
    Contact { email_addresses: Some(vec![email]), ..Default::default() }
}

#[tokio::test(start_paused = true)]
async fn sync_goes_through_a_429_and_a_500() {
    let keap = MockKeap::start().await;
    let pages = [vec![with_email("a@x.com"), with_email("b@x.com")], vec![with_email("c@x.com")], vec![]];
    let listing = keap.expect(
        contact::list_contacts()
            .pages(pages)
            .interrupt(2, Answer::too_many_requests()) // waited out by the client
            .interrupt(3, Answer::status(500)), // handed to sync_emails, which goes on
    );

    let emails = sync_emails(&keap.client()).await.unwrap();

    assert_eq!(emails, ["a@x.com", "b@x.com", "c@x.com"]);
    assert_eq!(listing.len(), 5, "3 pages, a 429 and a 500");
    assert!(listing.all().iter().all(|call| call.params.page_size == Some(2)));
}
