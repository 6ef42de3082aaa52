//! Be told about changes instead of polling: a REST Hooks receiver that subscribes to contact
//! events, answers Keap's handshake, acknowledges each delivery at once and fetches the
//! changed contacts in the background, each once:
//! `KEAP_API_KEY=... KEAP_HOOK_URL_KEY=... cargo run --example receive_changes --features hooks,axum -- 0.0.0.0:8080 https://example.com/keap/hooks`
//! (the public URL must reach the listening address; `KEAP_HOOK_URL_KEY`, 32 or more random
//! characters, keeps the hook URLs the same across restarts).
//!
//! Without Keap or a network, against the scripted Keap of keapgen's tests: run
//! `cargo run -p keapgen-tests --bin scripted-keap`, then this example with the one variable it
//! prints, `KEAP_BASE_URL=http://127.0.0.1:PORT`. On a loopback base URL the key and the
//! addresses have defaults; `--exit-when-idle SECS` ends the program once no delivery came for
//! that long, with a summary.

use keap::hooks::{sources, Changes, Delivery, EventKey, HookUrls, Receiver, Upkeep};
use keap::runtime::axum;
use keap::Secret;
use std::time::Duration;
use tokio::sync::mpsc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let idle_exit = match args.iter().position(|a| a == "--exit-when-idle") {
        Some(i) => {
            let secs: u64 = args.get(i + 1).ok_or("--exit-when-idle takes seconds")?.parse()?;
            args.drain(i..i + 2);
            Some(Duration::from_secs(secs))
        }
        None => None,
    };
    let base_url = std::env::var("KEAP_BASE_URL").ok();
    let local =
        base_url.as_deref().is_some_and(|u| u.starts_with("http://127.0.0.1") || u.starts_with("http://localhost"));
    let key = match std::env::var("KEAP_API_KEY") {
        Ok(key) => key,
        Err(_) if local => "local-test-key".to_owned(),
        Err(_) => return Err("set KEAP_API_KEY to a Personal Access Token or Service Account Key".into()),
    };
    let mut builder = keap::Client::builder().auth(keap::Auth::api_key(key));
    if let Some(url) = &base_url {
        builder = builder.base_url(url.clone());
    }
    let client = builder.build()?;

    let listen = args.first().cloned().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let public_url = args.get(1).cloned();
    if public_url.is_none() && !local {
        return Err("usage: receive_changes LISTEN_ADDR PUBLIC_URL [--exit-when-idle SECS]".into());
    }
    let url_key = match std::env::var("KEAP_HOOK_URL_KEY") {
        Ok(k) => Secret::new(k),
        Err(_) if local => HookUrls::generate_key()?,
        Err(_) => return Err("set KEAP_HOOK_URL_KEY to 32 or more random characters, the same in every process".into()),
    };
    let done = run(&client, &listen, public_url, &url_key, idle_exit).await?;
    println!(
        "done: {} contacts fetched, {} repeated events skipped, {} deletions",
        done.fetched, done.repeated, done.deleted
    );
    Ok(())
}

/// What [`run`] handled before it ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    /// Contacts fetched.
    pub fetched: usize,
    /// Changes Keap sent again, recognised and skipped.
    pub repeated: usize,
    /// Deletions (nothing to fetch).
    pub deleted: usize,
}

/// Receives at `listen` (Keap calls `public_url`, by default `http://LISTEN_ADDR/keap/hooks`),
/// keeps the subscriptions alive and fetches each change once; with `idle_exit`, ends once
/// no delivery came for that long.
pub async fn run(
    client: &keap::Client,
    listen: &str,
    public_url: Option<String>,
    url_key: &Secret,
    idle_exit: Option<Duration>,
) -> Result<Summary, Box<dyn std::error::Error>> {
    // Listen first: Keap sends the handshake while the subscription is being created.
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let public_url = public_url.unwrap_or_else(|| format!("http://{addr}/keap/hooks"));
    let urls = HookUrls::new(public_url, url_key)?;
    let path = url_path(urls.public_url());

    // Deliveries go to a queue and are answered at once; a full queue answers 503 and
    // Keap sends the delivery again later.
    let (inbox, mut deliveries) = mpsc::channel::<Delivery>(256);
    let again = inbox.clone();
    let app = axum::Router::new().route(&path, keap::hooks::axum::route(Receiver::new(urls.clone()), inbox));
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiving at {addr}{path}");

    let events = [EventKey::CONTACT_ADD, EventKey::CONTACT_EDIT, EventKey::CONTACT_DELETE];
    let upkeep = Upkeep::new(client.transport(), &urls, events);
    let report = upkeep.run().await?;
    for kept in &report.subscriptions {
        println!("subscription {} for {}: {:?}, now {:?}", kept.key, kept.event, kept.action, kept.status);
    }
    if !report.all_verified() {
        eprintln!("not every subscription is verified: is the public URL reachable from Keap?");
    }
    // Keep the subscriptions alive: again every five minutes.
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(300)).await;
            match upkeep.run().await {
                Ok(report) if report.reactivated().next().is_some() => {
                    // Keap delivered nothing while they were inactive: catch up with a
                    // listing of what changed since (`filter=start_update_time==...`).
                    eprintln!("subscriptions were inactive: list the contacts changed since the last delivery");
                }
                Ok(_) => {}
                Err(e) => eprintln!("hook upkeep failed (tried again in 5 min): {e}"),
            }
        }
    });

    // The background work: each delivery's contacts fetched in batches, each change once.
    let changes = Changes::new(client.transport());
    let source = sources::contact();
    let (mut fetched, mut repeated, mut deleted) = (0usize, 0usize, 0usize);
    loop {
        let next = match idle_exit {
            Some(idle) => match tokio::time::timeout(idle, deliveries.recv()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => deliveries.recv().await,
        };
        let Some(delivery) = next else { break };
        // A failed fetch gave its claims back: try again, and say so loudly if it keeps failing.
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            match changes.fetch(&delivery, &source).await {
                Err(e) if e.is_retryable() && attempt < 5 => tokio::time::sleep(Duration::from_secs(attempt)).await,
                other => break other,
            }
        };
        match outcome {
            Ok(found) if !found.failed.is_empty() || !found.in_flight.is_empty() => {
                // Records that could not be read, or that another fetch held: this delivery is
                // handled again once that fetch's lease (5 min) is over.
                for (id, e) in &found.failed {
                    eprintln!("contact {id} not read: {e}");
                }
                fetched += found.records.len();
                let again = again.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(300)).await;
                    let _ = again.send(delivery).await;
                });
            }
            Ok(found) => {
                for (id, contact) in &found.records {
                    // Here the application updates its own copy.
                    let _ = (id, contact);
                }
                println!(
                    "{}: {} fetched, {} already seen, {} deleted, {} gone",
                    delivery.event_key,
                    found.records.len(),
                    found.repeated.len(),
                    found.deleted.len(),
                    found.missing.len()
                );
                fetched += found.records.len();
                repeated += found.repeated.len();
                deleted += found.deleted.len();
            }
            Err(e) => eprintln!("LOST: {} changes of {} not fetched: {e}", delivery.objects.len(), delivery.event_key),
        }
    }
    Ok(Summary { fetched, repeated, deleted })
}

/// The path of a URL (`/keap/hooks`), for the route.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_owned()
}
