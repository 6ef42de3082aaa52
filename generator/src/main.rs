//! The `keapgen` command: pull the pinned spec, generate the crate, check it is current.

use clap::{Parser, Subcommand};
use keapgen::{load, output, spec, Options};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Generates a typed Rust client for Keap's REST API from its OpenAPI spec.
///
/// Exit codes: 0 success; 1 `check` found differences, or `diff --fail-on breaking` found a
/// breaking change; 2 bad command line; 3 a spec is invalid; 4 pulling the spec failed;
/// 5 reading or writing files failed.
#[derive(Parser)]
#[command(name = "keapgen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Put the pinned spec at spec/<file>, checking the sha256 in spec/pin.yaml; with another
    /// version (`--from`, `--latest`), move the pin to it and report what changed.
    Pull {
        /// Which pinned spec (`v2`, `v1`): needed with `--from` for a new text when the
        /// crate has several specs; without `--from`, pull only this one.
        #[arg(long, value_name = "NAME")]
        spec: Option<String>,
        /// Read the spec from this file or URL instead of the pinned URL.
        #[arg(long, value_name = "FILE|URL", conflicts_with_all = ["latest", "from_dir"])]
        from: Option<String>,
        /// Put every pinned spec in place from the files below this folder that have its
        /// sha256 (a local copy of upstream's specs, for machines without network).
        #[arg(long, value_name = "DIR", conflicts_with = "latest")]
        from_dir: Option<PathBuf>,
        /// Pull upstream's newest v2 spec (asks GitHub which commit that is) for the crate's
        /// root spec.
        #[arg(long)]
        latest: bool,
        /// The new spec's version for the pin (default: its info.version).
        #[arg(long)]
        version: Option<String>,
        /// The new spec's upstream URL for the pin (default: the `--from` URL).
        #[arg(long)]
        url: Option<String>,
    },
    /// Report what changed between two specs, for users of the generated crate.
    Diff {
        /// The older spec.
        old: PathBuf,
        /// The newer spec.
        new: PathBuf,
        /// The pinned spec whose pinned names apply (default: the crate's root spec).
        #[arg(long, value_name = "NAME")]
        spec: Option<String>,
        /// `text` for people, `json` for tools.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 1 when a change of this class is found.
        #[arg(long, value_enum, default_value_t = FailOn::Never)]
        fail_on: FailOn,
    },
    /// Generate the client crate (default: the pinned spec into generated/keap).
    Generate(GenArgs),
    /// Exit 1 with a diff when the committed crate differs from what `generate` writes.
    Check(GenArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    Never,
    Breaking,
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
    /// Also write tests/examples.rs (always on for the pinned crate).
    #[arg(long)]
    example_tests: bool,
    /// Also write tests/contract.rs, run against a Prism mock server (always on for the
    /// pinned crate).
    #[arg(long)]
    contract_tests: bool,
    /// Keep the fields a struct's schema does not declare, in its map of extra properties
    /// (for a spec whose answers carry more than its schemas say, like Keap's v1; the pin
    /// says it per spec).
    #[arg(long)]
    keep_unknown_fields: bool,
    /// The generated crate's source repository URL, for its manifest (default: the pin's
    /// `repository`); without one the crate is marked `publish = false`.
    #[arg(long, value_name = "URL")]
    repository: Option<String>,
}

/// How a command fails, by exit code.
enum Failure {
    /// Exit 1: the command found what it reports as failure (`check`: the committed crate
    /// differs; `diff --fail-on breaking`: a breaking change).
    Found,
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
                Failure::Found => return ExitCode::from(1),
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
    cwd.ancestors().find(|d| d.join(spec::PIN_PATH).is_file()).map(Path::to_path_buf).ok_or_else(|| {
        Failure::Io(
            keapgen::Error::msg(format!("no {} in {} or above", spec::PIN_PATH, cwd.display()))
                .hint("run keapgen inside the keapgen repository, or pass --spec and --out"),
        )
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Pull { spec: name, from, from_dir, latest, version, url } => {
            let root = root()?;
            if let Some(dir) = from_dir {
                let missing = spec::pull_from_dir(&root, &dir).map_err(Failure::Pull)?;
                if !missing.is_empty() {
                    return Err(Failure::Pull(
                        keapgen::Error::msg(format!(
                            "no file below {} has the pinned text of {}",
                            dir.display(),
                            missing.join(", ")
                        ))
                        .hint("pull those from their pinned URLs (`keapgen pull --spec NAME`) or pass their files with `--from`"),
                    ));
                }
                eprintln!("pulled every pinned spec from {}", dir.display());
                return Ok(());
            }
            let from = if latest { Some(spec::latest_url().map_err(Failure::Pull)?) } else { from };
            // Upstream's newest is a v2 spec (Keap's SDK repository): the crate's root.
            let name = match (latest, name) {
                (true, None) => spec::Pin::load(&root).map_err(Failure::Pull)?.specs.first().map(|s| s.name.clone()),
                (_, name) => name,
            };
            let pulled = spec::pull(&root, name.as_deref(), from.as_deref(), version.as_deref(), url.as_deref())
                .map_err(Failure::Pull)?;
            for p in pulled {
                match p {
                    spec::Pulled::Same(path) => eprintln!("pulled {}", path.display()),
                    spec::Pulled::Updated(u) => {
                        let spec::Update { old, new, crate_version, report } = *u;
                        match report {
                            Some(r) => print!("{}", r.to_text(&old.label_version(), &new.label_version())),
                            None => {
                                println!("The previous spec ({}) is not here to compare with.", old.label_version())
                            }
                        }
                        eprintln!(
                            "moved the pin of `{}` from {} to {} (crate {crate_version}); run `cargo run -p keapgen -- generate` and review `git diff`",
                            new.name,
                            old.label_version(),
                            new.label_version()
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Diff { old, new, spec: name, format, fail_on } => {
            let root = root().ok();
            let names = match (&root, &name) {
                (Some(r), Some(n)) => {
                    let pin = spec::Pin::load(r).map_err(Failure::Spec)?;
                    spec::read_names(&pin.spec(n).map_err(Failure::Spec)?.names_path(r)).map_err(Failure::Spec)?
                }
                (Some(r), None) => spec::load_names(r).map_err(Failure::Spec)?,
                (None, Some(_)) => {
                    return Err(Failure::Usage("`--spec` needs a pin: run inside the repository".into()))
                }
                (None, None) => Default::default(),
            };
            let api = |path: &Path| -> Result<keapgen::model::Api, Failure> {
                let spec = load::load_file(path).map_err(Failure::Spec)?;
                Ok(keapgen::model(&spec, &names).map_err(Failure::Spec)?.0)
            };
            let report = keapgen::diff::diff(&api(&old)?, &api(&new)?);
            match format {
                Format::Text => print!("{}", report.to_text(&old.display().to_string(), &new.display().to_string())),
                Format::Json => print!("{}", report.to_json()),
            }
            if fail_on == FailOn::Breaking && report.breaking() {
                eprintln!("breaking changes found");
                return Err(Failure::Found);
            }
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
            Err(Failure::Found)
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
    if let Some(url) = &args.repository {
        keapgen::check_repository_url(url).map_err(Failure::Usage)?;
    }
    let generated = match (&args.spec, &args.out) {
        // A spec of one's own: a crate of that spec alone.
        (Some(path), _) => {
            let out = match &args.out {
                Some(o) => o.clone(),
                None => root()?.join("generated").join(&args.name),
            };
            let spec = load::load_file(path).map_err(Failure::Spec)?;
            let version = args.spec_version.clone().unwrap_or_else(|| spec.doc.info.version.clone());
            let opts = Options {
                example_tests: args.example_tests,
                contract_tests: args.contract_tests,
                keep_unknown_fields: args.keep_unknown_fields,
                repository: args.repository.clone(),
                ..Options::new(args.name.clone(), format!("{} {version}", spec.doc.info.title))
            };
            (keapgen::generate(&spec, &opts).map_err(Failure::Spec)?, out)
        }
        // The pinned specs: the pin's crate, with its names, version and changelog.
        (None, out) => {
            let root = root()?;
            let (pin, specs) = spec::load_pinned(&root).map_err(Failure::Pull)?;
            let label = match (&args.spec_version, specs.first()) {
                (Some(v), Some(first)) => format!("{} {v}", first.spec.doc.info.title),
                _ => spec::pinned_label(&specs),
            };
            let pinned = spec::pinned_options(&root, &pin, &label).map_err(Failure::Spec)?;
            let opts = Options {
                crate_name: args.name.clone(),
                repository: args.repository.clone().or(pinned.repository.clone()),
                ..pinned
            };
            let out = out.clone().unwrap_or_else(|| root.join("generated").join(&args.name));
            (keapgen::generate_crate(&spec::parts(&specs), &opts).map_err(Failure::Spec)?, out)
        }
    };
    let (generated, out) = generated;
    if args.verbose {
        for w in &generated.warnings {
            eprintln!("warning: {w}");
        }
    } else if !generated.warnings.is_empty() {
        eprintln!("{} warning(s) about the spec; --verbose lists them", generated.warnings.len());
    }
    Ok((generated.files, out))
}
