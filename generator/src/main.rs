//! The `keapgen` command: pull the pinned spec, generate the crate, check it is current.

use clap::{Parser, Subcommand};
use keapgen::{load, output, pin, Options, Runtime};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Generates a typed Rust client for Keap's REST API from its OpenAPI spec.
///
/// Exit codes: 0 success; 1 `check` found differences; 2 bad command line; 3 the spec is
/// invalid; 4 pulling the spec failed; 5 reading or writing files failed.
#[derive(Parser)]
#[command(name = "keapgen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Put the pinned spec at spec/<file>, checking the sha256 in spec/pin.yaml.
    Pull {
        /// Read the spec from this file or URL instead of the pinned URL.
        #[arg(long, value_name = "FILE|URL")]
        from: Option<String>,
    },
    /// Generate the client crate (default: the pinned spec into generated/keap).
    Generate(GenArgs),
    /// Exit 1 with a diff when the committed crate differs from what `generate` writes.
    Check(GenArgs),
}

#[derive(clap::Args)]
struct GenArgs {
    /// The spec to read (default: the pinned one, pulled when missing).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Where the crate goes (default: generated/keap).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Package name of the generated crate.
    #[arg(long, default_value = "keap")]
    name: String,
    /// Spec version for headers and docs (default: the pin's, or the spec's info.version).
    #[arg(long)]
    spec_version: Option<String>,
    /// Print the warnings about the spec.
    #[arg(long, short)]
    verbose: bool,
}

enum Failure {
    Drift,
    Usage(String),
    Spec(keapgen::Error),
    Pull(keapgen::Error),
    Io(keapgen::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let (code, e) = match f {
                Failure::Drift => return ExitCode::from(1),
                Failure::Usage(m) => (2, keapgen::Error::msg(m)),
                Failure::Spec(e) => (3, e),
                Failure::Pull(e) => (4, e),
                Failure::Io(e) => (5, e),
            };
            eprintln!("error: {e}");
            ExitCode::from(code)
        }
    }
}

/// The repository root: the nearest ancestor of the working directory with a pin.
fn root() -> Result<PathBuf, Failure> {
    let cwd =
        std::env::current_dir().map_err(|e| Failure::Io(keapgen::Error::msg(format!("no working directory: {e}"))))?;
    cwd.ancestors().find(|d| d.join(pin::PIN_PATH).is_file()).map(Path::to_path_buf).ok_or_else(|| {
        Failure::Io(
            keapgen::Error::msg(format!("no {} in {} or above", pin::PIN_PATH, cwd.display()))
                .hint("run keapgen inside the keapgen repository, or pass --spec and --out"),
        )
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Pull { from } => {
            let root = root()?;
            let path = pin::pull(&root, from.as_deref()).map_err(Failure::Pull)?;
            eprintln!("pulled {}", path.display());
            Ok(())
        }
        Command::Generate(args) => {
            let (files, out) = generate(&args)?;
            output::write_tree(&files, &out).map_err(Failure::Io)?;
            eprintln!("wrote {} files to {}", files.len(), out.display());
            Ok(())
        }
        Command::Check(args) => {
            let (files, out) = generate(&args)?;
            let diffs = output::diff_tree(&files, &out);
            if diffs.is_empty() {
                eprintln!("{} is up to date", out.display());
                return Ok(());
            }
            for d in &diffs {
                print!("{d}");
            }
            eprintln!(
                "{} differs from the generator's output in {} file(s); run `cargo run -p keapgen -- generate` to update it",
                out.display(),
                diffs.len()
            );
            Err(Failure::Drift)
        }
    }
}

fn generate(args: &GenArgs) -> Result<(keapgen::Files, PathBuf), Failure> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !args.name.chars().all(valid) || !args.name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(Failure::Usage(format!(
            "`{}` is not a valid crate name: use letters, digits, `-` and `_`, starting with a letter",
            args.name
        )));
    }
    let (spec_path, pinned_version, out) = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => (spec.clone(), None, out.clone()),
        _ => {
            let root = root()?;
            let pinned = pin::Pin::load(&root).map_err(Failure::Pull)?;
            let spec = match &args.spec {
                Some(s) => s.clone(),
                None => pin::ensure(&root).map_err(Failure::Pull)?,
            };
            let version = args.spec.is_none().then(|| pinned.version.clone());
            (spec, version, args.out.clone().unwrap_or_else(|| root.join("generated").join(&args.name)))
        }
    };
    let spec = load::load_file(&spec_path).map_err(Failure::Spec)?;
    let version = args.spec_version.clone().or(pinned_version).unwrap_or_else(|| spec.doc.info.version.clone());
    let opts = Options {
        crate_name: args.name.clone(),
        crate_version: "0.1.0".into(),
        spec_label: format!("{} {version}", spec.doc.info.title),
        runtime: Runtime::Baked,
    };
    let generated = keapgen::generate(&spec, &opts).map_err(Failure::Spec)?;
    if args.verbose {
        for w in &generated.warnings {
            eprintln!("warning: {w}");
        }
    } else if !generated.warnings.is_empty() {
        eprintln!("{} warning(s) about the spec; --verbose lists them", generated.warnings.len());
    }
    Ok((generated.files, out))
}
