//! Building and formatting the crate's Rust files on every core. Output does not depend on
//! the number of threads: each file is made from the model alone, and results are returned
//! in job order.

use proc_macro2::TokenStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A file to write: its path, and what makes its tokens (`None`: no such file after all).
/// Tokens are not `Send`, so each job makes its own on the thread that formats them.
pub type Job<'j> = (String, Box<dyn Fn() -> Option<TokenStream> + Sync + 'j>);

/// Formatted text of a job's file, `None` if it has none.
pub type Formatted = Option<Result<String, syn::Error>>;

/// Runs each job (its tokens, then [`super::format_tokens`]) on a pool of scoped threads, one
/// per core, taking jobs in order; returns `(path, formatted text)` in job order.
pub fn format_all<'j>(jobs: &'j [Job<'j>]) -> Vec<(&'j str, Formatted)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len()).max(1);
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Formatted>>> = Mutex::new(jobs.iter().map(|_| None).collect());
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some((_, job)) = jobs.get(i) else { break };
        let text = job().map(|tokens| super::format_tokens(&tokens));
        done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(text);
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    let done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    jobs.iter()
        .zip(done)
        .map(|((path, _), text)| (path.as_str(), text.expect("every job ran: the pool ends only when none is left")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn results_come_in_job_order_whatever_finishes_first() {
        // The first job is by far the largest, so on more than one core it finishes last.
        let big: String = (0..2000).map(|i| format!("fn f{i}() {{}}\n")).collect();
        let jobs: Vec<Job> = vec![
            ("big.rs".into(), Box::new(|| big.parse().ok())),
            ("none.rs".into(), Box::new(|| None)),
            (
                "small.rs".into(),
                Box::new(|| {
                    Some(quote!(
                        fn small() {}
                    ))
                }),
            ),
            ("bad.rs".into(), Box::new(|| Some(quote!(fn)))),
        ];
        let out = format_all(&jobs);
        let paths: Vec<&str> = out.iter().map(|(p, _)| *p).collect();
        assert_eq!(paths, ["big.rs", "none.rs", "small.rs", "bad.rs"]);
        assert!(out[0].1.as_ref().unwrap().as_ref().unwrap().contains("fn f1999()"));
        assert!(out[1].1.is_none());
        assert_eq!(out[2].1.as_ref().unwrap().as_ref().unwrap(), "fn small() {}\n");
        assert!(out[3].1.as_ref().unwrap().is_err(), "invalid tokens are an error, not a panic");
    }
}
