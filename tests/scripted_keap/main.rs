//! A scripted Keap on 127.0.0.1 for trying a REST Hooks receiver by hand:
//!
//! ```text
//! cargo run -p keapgen-tests --bin scripted-keap -- [--port N] [--exit-after SECS] [--per-second N]
//! ```
//!
//! It prints `KEAP_BASE_URL=http://127.0.0.1:PORT` (give that to the program under test),
//! then waits for a `Verified` subscription to `contact.edit`. Once there is one, it changes
//! contacts 1 to 1000 (`contact.edit`) and, if `contact.add` is subscribed too, adds
//! contacts 1001 to 1005; when those deliveries are done it re-sends the last acknowledged
//! one (a duplicate, as Keap sends when an acknowledgement is lost). It serves until killed
//! or `--exit-after` seconds. Progress goes to stderr; `GET /__scripted/status` tells the
//! outcome to another process.

use keapgen_tests::scripted_keap::{Config, HookStatus, ScriptedKeap, Timing};
use std::io::Write as _;
use std::time::Duration;

struct Args {
    port: u16,
    exit_after: Option<Duration>,
    per_second: u32,
}

fn usage() -> ! {
    eprintln!("usage: scripted-keap [--port N] [--exit-after SECS] [--per-second N]");
    std::process::exit(2)
}

fn args() -> Args {
    // Keap's API-key article's figure: the client's default quota keeps to it.
    let mut parsed = Args { port: 0, exit_after: None, per_second: 5 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--port" => parsed.port = value().parse().unwrap_or_else(|_| usage()),
            "--exit-after" => {
                parsed.exit_after = Some(Duration::from_secs(value().parse().unwrap_or_else(|_| usage())))
            }
            "--per-second" => parsed.per_second = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    parsed
}

#[tokio::main]
async fn main() {
    let args = args();
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("scripted-keap: cannot listen on 127.0.0.1:{}: {e}", args.port);
            std::process::exit(1);
        }
    };
    // Keap's order of events at a pace one can watch; Keap's real 30 s answer timeout.
    let config = Config { timing: Timing::demo(), per_second: Some(args.per_second), ..Config::default() };
    let keap = ScriptedKeap::start_on(listener, config);
    // One line on stdout, flushed: a test or a script reads it to find the fake.
    println!("KEAP_BASE_URL={}", keap.url());
    let _ = std::io::stdout().flush();
    tokio::spawn(report(keap.clone()));
    tokio::spawn(scenario(keap.clone()));
    match args.exit_after {
        Some(after) => tokio::time::sleep(after).await,
        None => std::future::pending::<()>().await,
    }
    eprintln!("scripted-keap: exiting; {}", summary(&keap));
}

/// The scripted changes, once a receiver has subscribed and verified.
async fn scenario(keap: ScriptedKeap) {
    eprintln!("scripted-keap: waiting for a Verified subscription to contact.edit");
    let verified = |event_key: &str| {
        keap.subscriptions().iter().any(|s| s.event_key == event_key && s.status == HookStatus::Verified)
    };
    // Polled: subscriptions change through the API, and a tenth of a second is quick enough.
    while !verified("contact.edit") {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    keap.change("contact.edit", "contact", 1..=1000);
    eprintln!("scripted-keap: changed contacts 1..=1000 (contact.edit)");
    if verified("contact.add") {
        keap.change("contact.add", "contact", 1001..=1005);
        eprintln!("scripted-keap: added contacts 1001..=1005 (contact.add)");
    }
    // Four failed attempts with 30 s timeouts and the demo delays take about two minutes.
    if !keap.settled(Duration::from_secs(300)).await {
        eprintln!("scripted-keap: deliveries still pending after 5 minutes");
    }
    match keap.resend_last_delivery().await {
        Some(d) => eprintln!(
            "scripted-keap: re-sent the last acknowledged delivery ({} ids) to hook {}: {}",
            d.ids,
            d.key,
            outcome(d.status, d.timed_out)
        ),
        None => eprintln!("scripted-keap: no delivery was acknowledged, so none was re-sent"),
    }
    eprintln!("scripted-keap: scenario done; {}", summary(&keap));
}

/// Tells stderr about handshakes and delivery attempts as they happen (never the secrets).
async fn report(keap: ScriptedKeap) {
    let (mut handshakes, mut deliveries) = (0, 0);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for h in keap.handshakes().iter().skip(handshakes) {
            handshakes += 1;
            eprintln!(
                "scripted-keap: handshake for hook {} ({}): {}, secret {}echoed -> {}",
                h.key,
                h.hook_url,
                outcome(h.status, false),
                if h.echoed { "" } else { "not " },
                if h.verified { "Verified" } else { "Unverified" }
            );
        }
        for d in keap.deliveries().iter().skip(deliveries) {
            deliveries += 1;
            if d.resent {
                continue; // told by the scenario
            }
            eprintln!(
                "scripted-keap: delivery of {} ({} ids) to hook {}, attempt {}: {} in {} ms",
                d.event_key,
                d.ids,
                d.key,
                d.attempt,
                outcome(d.status, d.timed_out),
                d.latency.as_millis()
            );
        }
    }
}

fn outcome(status: Option<u16>, timed_out: bool) -> String {
    match status {
        Some(s) => format!("answered {s}"),
        None if timed_out => "no answer in time".to_string(),
        None => "connection failed".to_string(),
    }
}

fn summary(keap: &ScriptedKeap) -> String {
    let subs: Vec<String> =
        keap.subscriptions().iter().map(|s| format!("{} {} {}", s.key, s.event_key, s.status)).collect();
    format!(
        "subscriptions [{}], {} lost deliveries, {} contacts fetched, {} requests, {} throttled",
        subs.join(", "),
        keap.lost(),
        keap.fetch_counts().len(),
        keap.requests(),
        keap.throttled()
    )
}
