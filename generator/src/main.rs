//! The `contracts` command: lint, list, generate and validate against an event registry.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use contracts_generator::{
    bundle_remote_at, check_pair, check_registries, git, load_with, render, Compatibility,
    Diagnostics, EventFinding, EventSchema, Format, Options, RefSources, Registry, Sampler,
    Validator,
};

/// `println!` that ends the process quietly when standard output is closed (`| head`).
macro_rules! out {
    ($($arg:tt)*) => {
        write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` with the same care.
macro_rules! out_inline {
    ($($arg:tt)*) => {
        write_out(format_args!($($arg)*))
    };
}

fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(text) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader has gone: nothing more can be shown. 141 is what a shell reports
            // for a command ended by SIGPIPE.
            std::process::exit(141);
        }
        eprintln!("error: cannot write to standard output: {err}");
        std::process::exit(i32::from(INPUT_ERROR));
    }
}

/// The languages `generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    Typescript,
}

/// Exit codes shared by every command.
const OK: u8 = 0;
const FINDINGS: u8 = 1;
const INPUT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "contracts",
    version,
    about = "Schema-first event contracts: lint the registry, list its events, generate Rust, validate payloads",
    after_help = "Exit codes:\n  0  ok\n  1  findings: lint problems, an invalid payload, a breaking or undecided change\n  2  usage or input error: bad arguments, unreadable or invalid registry, malformed payload JSON, unknown event"
)]
struct Cli {
    /// The registry folder.
    #[arg(long, global = true, default_value = "schemas")]
    registry: PathBuf,
    /// Documents named by absolute URI in `$ref`s, found offline: `<uri-prefix>=<folder>`
    /// maps every URI starting with the prefix to the file at the rest of it (repeatable).
    #[arg(long, global = true, value_name = "PREFIX=DIR")]
    ref_map: Vec<String>,
    /// A folder of schemas matched to `$ref` URIs by their `$id` (repeatable).
    #[arg(long, global = true, value_name = "DIR")]
    ref_dir: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new registry crate in a folder (the current one by default): Cargo.toml,
    /// build.rs, src/lib.rs, schemas/ with one example event, a test that round-trips every
    /// example and a CI workflow running `contracts check --against origin/main`. Never
    /// overwrites a file.
    Init {
        /// The folder of the new crate.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Depend on this repository by git URL instead of the checkout this binary was built
        /// from.
        #[arg(long, conflicts_with = "path")]
        git: Option<String>,
        /// With `--git`: the commit, tag or branch.
        #[arg(long, requires = "git")]
        rev: Option<String>,
        /// Depend on a checkout of this repository (the folder holding `runtime/` and
        /// `generator/`).
        #[arg(long)]
        path: Option<PathBuf>,
    },
    /// Check every schema: JSON, meta-schema, `$ref`s, metadata, naming, partition keys, examples.
    Lint,
    /// List events with their versions, owners, compatibility, producers and consumers.
    List,
    /// Write the formatted Rust generated for the registry into a folder, for review.
    Generate {
        /// Output folder: `contracts.rs` for Rust; an npm package for TypeScript.
        #[arg(long)]
        out: PathBuf,
        /// `rust`, or `typescript`: bundled schemas, declarations, Ajv validators compiled
        /// ahead of time (with Node.js) and a typed `/events/` router.
        #[arg(long, default_value = "rust")]
        lang: Lang,
        /// The npm package name (TypeScript).
        #[arg(long, default_value = "event-contracts")]
        package_name: String,
        /// The folder with Ajv and its helpers (TypeScript): `js/toolchain` of the checkout
        /// this binary was built from, `npm ci` run there when needed.
        #[arg(long)]
        toolchain: Option<PathBuf>,
        /// Also print, per event, which keywords the Rust type carries, which are checked natively
        /// and which are delegated to jsonschema.
        #[arg(long)]
        report: bool,
    },
    /// Print valid example payloads of an event, generated from its schema and checked.
    Sample {
        /// Event type, for example `orders.order_placed`.
        event_type: String,
        /// Major version; the latest when left out.
        version: Option<String>,
        /// How many distinct payloads to print, one JSON document per line after the first.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Seed of the generator: the same seed prints the same payloads.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Gate a change: compare the registry with the one at a git ref, event by event, in the
    /// compatibility mode of each event. Exits 1 on any breaking change, each shown with a
    /// payload that proves it.
    Check {
        /// The git ref to compare with, for example `origin/main`.
        #[arg(long)]
        against: String,
        /// Compare with every earlier revision of each event reachable from the ref, not only
        /// the ref's (events in a *-transitive mode always are).
        #[arg(long)]
        transitive: bool,
        /// Readers accept exactly the schema (pure set inclusion, as Confluent and Apicurio)
        /// instead of ignoring unknown keys.
        #[arg(long)]
        strict: bool,
        /// Fail (exit 1) when a change can be neither proven compatible nor shown to break:
        /// the gate never passes what it does not know. `--fail-on-undecided false` reports
        /// undecided findings as warnings only.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
        fail_on_undecided: bool,
        /// Seconds the whole command may search for breaking payloads; changes not searched by
        /// then are reported as undecided (each schema pair also stops after 20 seconds).
        #[arg(long, default_value_t = 300)]
        budget_seconds: u64,
        /// Output format: text, json, github or sarif.
        #[arg(long, default_value = "text")]
        format: Format,
    },
    /// Check one pair of self-contained schema files.
    Diff {
        /// The old schema.
        old: PathBuf,
        /// The new schema.
        new: PathBuf,
        /// backward, forward, full (the -transitive modes act as their base mode on a pair).
        #[arg(long, default_value = "backward")]
        mode: Compatibility,
        /// Readers accept exactly the schema (pure set inclusion).
        #[arg(long)]
        strict: bool,
        /// Fail (exit 1) when a change can be neither proven compatible nor shown to break:
        /// the gate never passes what it does not know. `--fail-on-undecided false` reports
        /// undecided findings as warnings only.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
        fail_on_undecided: bool,
        /// Seconds the whole command may search for breaking payloads; changes not searched by
        /// then are reported as undecided (each schema pair also stops after 20 seconds).
        #[arg(long, default_value_t = 300)]
        budget_seconds: u64,
        /// Output format: text, json, github or sarif.
        #[arg(long, default_value = "text")]
        format: Format,
    },
    /// List the compatibility rules with their ids.
    Rules,
    /// Validate a payload against an event schema and print every error with its JSON Pointer.
    Validate {
        /// Event type, for example `orders.order_placed`.
        event_type: String,
        /// Major version, for example `1` or `v1`.
        version: String,
        /// Payload file; `-` or nothing reads standard input.
        payload: Option<PathBuf>,
    },
    /// `contracts <name> …` runs `contracts-<name>` (beside this binary, else on PATH): `docs`
    /// renders the event catalog (crate `contracts-catalog`).
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

fn init(
    dir: &Path,
    git: Option<&str>,
    rev: Option<&str>,
    path: Option<&Path>,
) -> anyhow::Result<u8> {
    use contracts_generator::scaffold::{self, CrateSource};
    let source = match (git, path) {
        (Some(url), _) => CrateSource::Git {
            url: url.to_owned(),
            rev: rev.map(str::to_owned),
        },
        (None, Some(path)) => {
            let path = std::fs::canonicalize(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            anyhow::ensure!(
                path.join("runtime/Cargo.toml").is_file(),
                "{}: not a checkout of this repository (no runtime/Cargo.toml)",
                path.display()
            );
            CrateSource::Path(path)
        }
        (None, None) => CrateSource::built_from().ok_or_else(|| {
            anyhow::anyhow!(
                "the checkout this binary was built from is gone: pass --git <url> or --path <checkout>"
            )
        })?,
    };
    let written = scaffold::init(dir, &source).map_err(|e| anyhow::anyhow!(e))?;
    for file in &written {
        out!("created {}", file.display());
    }
    out!(
        "next: `cd {} && cargo test` builds the typed events and round-trips the examples",
        dir.display()
    );
    Ok(OK)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { INPUT_ERROR } else { OK });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(INPUT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let sources = ref_sources(&cli.ref_map, &cli.ref_dir)?;
    match &cli.command {
        Command::Lint => return Ok(lint(&cli.registry, &sources)),
        Command::Init {
            dir,
            git,
            rev,
            path,
        } => return init(dir, git.as_deref(), rev.as_deref(), path.as_deref()),
        Command::External(args) => return external(args, &cli.registry),
        Command::Rules => {
            for rule in contracts_generator::RULES {
                out!("{:<28} {}", rule.id, rule.doc);
            }
            return Ok(OK);
        }
        Command::Diff {
            old,
            new,
            mode,
            strict,
            fail_on_undecided,
            budget_seconds,
            format,
        } => {
            let options = options(*strict, *budget_seconds);
            return diff(
                old,
                new,
                *mode,
                options,
                &sources,
                *fail_on_undecided,
                *format,
            );
        }
        _ => {}
    }
    let registry = match load_with(&cli.registry, &sources) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            registry
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            bail!(
                "the registry {} has errors: run `contracts lint`",
                cli.registry.display()
            );
        }
    };
    match cli.command {
        Command::Lint
        | Command::Rules
        | Command::Diff { .. }
        | Command::Init { .. }
        | Command::External(_) => {
            unreachable!("handled above")
        }
        Command::Check {
            against,
            transitive,
            strict,
            fail_on_undecided,
            budget_seconds,
            format,
        } => check(
            &cli.registry,
            &registry,
            &against,
            transitive,
            (&cli.ref_map, &cli.ref_dir),
            options(strict, budget_seconds),
            fail_on_undecided,
            format,
        ),
        Command::List => {
            list(&registry);
            Ok(OK)
        }
        Command::Generate {
            out,
            report,
            lang: Lang::Rust,
            ..
        } => generate(&registry, &out, report),
        Command::Generate {
            out,
            package_name,
            toolchain,
            ..
        } => {
            let toolchain =
                toolchain.unwrap_or_else(contracts_generator::typescript::default_toolchain);
            contracts_generator::typescript::write_typescript_package(
                &registry,
                &out,
                &package_name,
                &toolchain,
            )
            .map_err(anyhow::Error::msg)?;
            eprintln!("wrote the npm package {package_name} to {}", out.display());
            Ok(OK)
        }
        Command::Validate {
            event_type,
            version,
            payload,
        } => validate(&registry, &event_type, &version, payload),
        Command::Sample {
            event_type,
            version,
            count,
            seed,
        } => sample(&registry, &event_type, version.as_deref(), count, seed),
    }
}

fn print_warnings(warnings: &Diagnostics) {
    for warning in &warnings.0 {
        eprintln!("{warning}");
    }
}

fn lint(root: &std::path::Path, sources: &RefSources) -> u8 {
    match load_with(root, sources) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            out!(
                "{}: {} event schema(s) ok, {} warning(s)",
                root.display(),
                registry.events.len(),
                warnings.0.len()
            );
            OK
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            if diagnostics.0.iter().any(|d| d.code == "no-registry") {
                INPUT_ERROR
            } else {
                FINDINGS
            }
        }
    }
}

fn list(registry: &Registry) {
    let rows: Vec<[String; 6]> = registry
        .events
        .iter()
        .map(|e| {
            let deprecated = if e.metadata.deprecated {
                " (deprecated)"
            } else {
                ""
            };
            [
                format!("{}{deprecated}", e.event_type),
                format!("v{}", e.version),
                e.metadata.owner.clone(),
                e.compatibility.to_string(),
                e.metadata.producers.join(","),
                e.metadata.consumers.join(","),
            ]
        })
        .collect();
    let header = [
        "EVENT",
        "VERSION",
        "OWNER",
        "COMPATIBILITY",
        "PRODUCERS",
        "CONSUMERS",
    ]
    .map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out!("{}", cells.join("  ").trim_end());
    }
}

fn generate(registry: &Registry, out: &std::path::Path, report: bool) -> anyhow::Result<u8> {
    let generated = contracts_generator::generate(registry).map_err(anyhow::Error::msg)?;
    let path = out.join("contracts.rs");
    let written = contracts_generator::write_if_changed(&path, generated.code.as_bytes())?;
    for name in &generated.fallbacks {
        eprintln!("warning: typify could not map `{name}`: generated as serde_json::Value, validated in full");
    }
    if report {
        out_inline!(
            "{}",
            contracts_generator::render_enforcement(&generated.enforcement)
        );
    }
    out!(
        "{} {}",
        if written { "wrote" } else { "unchanged" },
        path.display()
    );
    Ok(OK)
}

/// The event of that type and version (the latest version when `version` is `None`).
fn find_event<'r>(
    registry: &'r Registry,
    event_type: &str,
    version: Option<&str>,
) -> anyhow::Result<&'r EventSchema> {
    let number: Option<u32> = match version {
        Some(v) => Some(
            v.trim_start_matches('v')
                .parse()
                .with_context(|| format!("`{v}` is not a major version such as 1 or v1"))?,
        ),
        None => None,
    };
    let found = registry
        .events
        .iter()
        .filter(|e| e.event_type == event_type && number.is_none_or(|n| n == e.version))
        .max_by_key(|e| e.version);
    match found {
        Some(event) => Ok(event),
        None => {
            let known: Vec<String> = registry
                .events
                .iter()
                .map(|e| format!("{} v{}", e.event_type, e.version))
                .collect();
            let wanted = number.map_or(String::new(), |n| format!(" v{n}"));
            bail!(
                "no event `{event_type}`{wanted} in the registry (known: {})",
                known.join(", ")
            )
        }
    }
}

fn sample(
    registry: &Registry,
    event_type: &str,
    version: Option<&str>,
    count: usize,
    seed: u64,
) -> anyhow::Result<u8> {
    let event = find_event(registry, event_type, version)?;
    let schema = event.schema.value();
    let mut sampler = Sampler::new(&schema, seed).map_err(anyhow::Error::msg)?;
    let samples = sampler.samples(count.max(1));
    let Some(first) = samples.first() else {
        bail!(
            "found no valid payload for {} v{}: the schema may be unsatisfiable",
            event.event_type,
            event.version
        );
    };
    if count <= 1 {
        out!("{}", serde_json::to_string_pretty(first)?);
    } else {
        for payload in &samples {
            out!("{}", serde_json::to_string(payload)?);
        }
    }
    Ok(OK)
}

fn validate(
    registry: &Registry,
    event_type: &str,
    version: &str,
    payload: Option<PathBuf>,
) -> anyhow::Result<u8> {
    let event = find_event(registry, event_type, Some(version))?;
    let (name, text) = match payload.as_deref() {
        None => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let (line, column) = contracts_generator::line_column(
                    &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
                    e.utf8_error().valid_up_to(),
                );
                anyhow::anyhow!("{}:{line}:{column}: payload is not UTF-8", p.display())
            })?;
            (p.display().to_string(), text)
        }
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let message = contracts_generator::json_error_message(&e);
        anyhow::anyhow!(
            "{name}:{}:{}: malformed JSON: {message}",
            e.line(),
            e.column()
        )
    })?;
    let validator = Validator::new(&event.schema.value()).map_err(anyhow::Error::msg)?;
    let violations = validator.violations(&value);
    if violations.is_empty() {
        out!("{name}: valid {} v{}", event.event_type, event.version);
        return Ok(OK);
    }
    for v in &violations {
        let pointer = if v.pointer.is_empty() {
            "(root)"
        } else {
            &v.pointer
        };
        let position = contracts_generator::locate(&text, &v.pointer)
            .map(|(l, c)| format!(":{l}:{c}"))
            .unwrap_or_default();
        out!("{name}{position}: {pointer}: {}", v.message);
    }
    out!(
        "{name}: {} error(s): invalid {} v{}",
        violations.len(),
        event.event_type,
        event.version
    );
    Ok(FINDINGS)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input")?;
    Ok(text)
}

/// Reads a JSON file for `diff`, with file:line:column on malformed input.
fn read_schema(
    path: &std::path::Path,
    sources: &RefSources,
) -> anyhow::Result<(String, serde_json::Value)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: malformed JSON: {}",
            path.display(),
            e.line(),
            e.column(),
            contracts_generator::json_error_message(&e)
        )
    })?;
    // References relative to the file (`../../common/money.json`) are read from beside it.
    let base = std::fs::canonicalize(path)
        .ok()
        .map(|p| format!("file://{}", p.display()));
    let value = bundle_remote_at(&value, base.as_deref(), sources)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Validator::new(&value).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok((text, value))
}

fn diff(
    old: &std::path::Path,
    new: &std::path::Path,
    mode: Compatibility,
    options: Options,
    sources: &RefSources,
    fail_on_undecided: bool,
    format: Format,
) -> anyhow::Result<u8> {
    let (_, old_schema) = read_schema(old, sources)?;
    let (new_text, new_schema) = read_schema(new, sources)?;
    let findings =
        check_pair(&old_schema, &new_schema, mode, options).map_err(anyhow::Error::msg)?;
    let placed: Vec<EventFinding> = findings
        .into_iter()
        .map(|finding| {
            let pointer = finding
                .change
                .as_ref()
                .map(|c| c.new_pointer.clone())
                .unwrap_or_default();
            EventFinding {
                event_type: new
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                version: 0,
                mode,
                file: new.to_path_buf(),
                position: contracts_generator::locate(&new_text, &pointer),
                pointer,
                finding,
                ignored: None,
            }
        })
        .collect();
    print_report(&placed, 1, format, std::path::Path::new(""));
    Ok(verdict(&placed, fail_on_undecided))
}

/// Runs `contracts-<name>` with the rest of the arguments (and this command's `--registry`,
/// unless they name one): the binary beside this one first, then the one on PATH.
fn external(args: &[OsString], registry: &std::path::Path) -> anyhow::Result<u8> {
    let (name, rest) = args.split_first().context("no command")?;
    let program = format!("contracts-{}", name.to_string_lossy());
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(&program)))
        .filter(|path| path.is_file());
    let mut command = std::process::Command::new(beside.unwrap_or_else(|| PathBuf::from(&program)));
    if !rest.iter().any(|a| a == "--registry") {
        command.arg("--registry").arg(registry);
    }
    let status = command.args(rest).status().map_err(|error| {
        anyhow::anyhow!(
            "unknown command `{}`: no `{program}` beside this binary or on PATH ({error}); for `docs`: cargo install --path catalog",
            name.to_string_lossy()
        )
    })?;
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(INPUT_ERROR))
}

fn print_report(
    findings: &[EventFinding],
    compared: usize,
    format: Format,
    base: &std::path::Path,
) {
    let text = render(findings, compared, format, base);
    let text = text.trim_end();
    if !text.is_empty() {
        out!("{text}");
    }
}

#[allow(clippy::too_many_arguments)]
fn check(
    root: &std::path::Path,
    current: &Registry,
    against: &str,
    transitive: bool,
    (maps, dirs): (&[String], &[PathBuf]),
    options: Options,
    fail_on_undecided: bool,
    format: Format,
) -> anyhow::Result<u8> {
    let (repo, folder) = git::locate(root)?;
    let commit = git::resolve(&repo, against)?;
    let mut history = vec![registry_at(&repo, &commit, &folder, maps, dirs)
        .with_context(|| format!("the registry at `{against}`"))?];
    let wants_history = transitive
        || current
            .events
            .iter()
            .any(|e| e.compatibility.as_str().ends_with("-transitive"));
    if wants_history {
        for older in git::history(&repo, &commit, &folder)?
            .iter()
            .filter(|c| **c != commit)
            .take(500)
        {
            // Revisions that do not load (a broken commit long ago) cannot be compared with.
            if let Ok(registry) = registry_at(&repo, older, &folder, maps, dirs) {
                let earlier = registry.into_earlier_revision(&history);
                history.push(earlier);
            }
        }
    }
    let report =
        check_registries(&history, current, transitive, options).map_err(anyhow::Error::msg)?;
    let base = std::env::current_dir().unwrap_or_default();
    print_report(&report.findings, report.compared, format, &base);
    Ok(verdict(&report.findings, fail_on_undecided))
}

/// The registry as it is at `commit`, read from git objects into a temporary folder, with
/// the supplied documents as they are at that commit too.
fn registry_at(
    repo: &std::path::Path,
    commit: &str,
    folder: &std::path::Path,
    maps: &[String],
    dirs: &[PathBuf],
) -> anyhow::Result<Registry> {
    let dir = tempfile::tempdir()?;
    git::snapshot(repo, commit, folder, dir.path())?;
    let (maps, dirs, _documents) = sources_at(repo, commit, maps, dirs)?;
    let sources = ref_sources(&maps, &dirs)?;
    let (mut registry, _) = load_with(dir.path(), &sources).map_err(|d| anyhow::anyhow!("{d}"))?;
    // Findings point at files of the ref by their path in the repository.
    registry.root = repo.join(folder);
    Ok(registry)
}

/// Exit code of a gate: findings not ignored that are breaking, or undecided when those fail.
fn verdict(findings: &[EventFinding], fail_on_undecided: bool) -> u8 {
    let failing = findings.iter().filter(|f| f.ignored.is_none()).any(|f| {
        f.finding.level == contracts_generator::Level::Breaking
            || fail_on_undecided && f.finding.level == contracts_generator::Level::Undecided
    });
    if failing {
        FINDINGS
    } else {
        OK
    }
}

fn options(strict: bool, budget_seconds: u64) -> Options {
    Options {
        strict,
        deadline: std::time::Instant::now()
            .checked_add(std::time::Duration::from_secs(budget_seconds)),
        ..Options::default()
    }
}

/// The `--ref-map` and `--ref-dir` folders as they are at `commit`: a folder inside the
/// repository is read from git at that commit (a vendored document changed in the same change
/// is compared as it was), one outside it as it is now. The temporary copies live as long as
/// the returned guards.
#[allow(clippy::type_complexity)]
fn sources_at(
    repo: &std::path::Path,
    commit: &str,
    maps: &[String],
    dirs: &[PathBuf],
) -> anyhow::Result<(Vec<String>, Vec<PathBuf>, Vec<tempfile::TempDir>)> {
    let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let mut guards = Vec::new();
    let mut at_commit = |folder: &std::path::Path| -> anyhow::Result<PathBuf> {
        let Some(inside) = folder
            .canonicalize()
            .ok()
            .and_then(|f| f.strip_prefix(&repo).ok().map(std::path::Path::to_path_buf))
        else {
            return Ok(folder.to_path_buf());
        };
        let copy = tempfile::tempdir()?;
        // A folder that did not exist then supplies nothing then.
        let _ = git::snapshot(&repo, commit, &inside, copy.path());
        let path = copy.path().to_path_buf();
        guards.push(copy);
        Ok(path)
    };
    let mut new_maps = Vec::new();
    for map in maps {
        match map.split_once('=') {
            Some((prefix, folder)) => {
                let folder = at_commit(std::path::Path::new(folder))?;
                new_maps.push(format!("{prefix}={}/", folder.display()));
            }
            None => new_maps.push(map.clone()),
        }
    }
    let mut new_dirs = Vec::new();
    for dir in dirs {
        new_dirs.push(at_commit(dir)?);
    }
    Ok((new_maps, new_dirs, guards))
}

fn ref_sources(maps: &[String], dirs: &[PathBuf]) -> anyhow::Result<RefSources> {
    let mut sources = RefSources::default();
    for map in maps {
        let Some((prefix, folder)) = map.split_once('=') else {
            bail!("--ref-map takes <uri-prefix>=<folder>, not `{map}`");
        };
        sources.map_prefix(prefix, folder);
    }
    for dir in dirs {
        sources.add_folder(dir).map_err(anyhow::Error::msg)?;
    }
    Ok(sources)
}
