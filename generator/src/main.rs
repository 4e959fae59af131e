//! The `contracts` command: lint, list, generate and validate against an event registry.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use contracts_generator::{load, Diagnostics, EventSchema, Registry, Sampler, Validator};

/// Exit codes shared by every command.
const OK: u8 = 0;
const FINDINGS: u8 = 1;
const INPUT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "contracts",
    version,
    about = "Schema-first event contracts: lint the registry, list its events, generate Rust, validate payloads",
    after_help = "Exit codes:\n  0  ok\n  1  findings: lint problems, an invalid payload\n  2  usage or input error: bad arguments, unreadable or invalid registry, malformed payload JSON, unknown event"
)]
struct Cli {
    /// The registry folder.
    #[arg(long, global = true, default_value = "schemas")]
    registry: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every schema: JSON, meta-schema, `$ref`s, metadata, naming, partition keys, examples.
    Lint,
    /// List events with their versions, owners, compatibility, producers and consumers.
    List,
    /// Write the formatted Rust generated for the registry into a folder, for review.
    Generate {
        /// Output folder; the file written is `contracts.rs`.
        #[arg(long)]
        out: PathBuf,
        /// Also print, per event, the keywords enforced by the validator rather than by the type.
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
    /// Validate a payload against an event schema and print every error with its JSON Pointer.
    Validate {
        /// Event type, for example `orders.order_placed`.
        event_type: String,
        /// Major version, for example `1` or `v1`.
        version: String,
        /// Payload file; `-` or nothing reads standard input.
        payload: Option<PathBuf>,
    },
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
    if let Command::Lint = cli.command {
        return Ok(lint(&cli.registry));
    }
    let registry = match load(&cli.registry) {
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
        Command::Lint => unreachable!("handled above"),
        Command::List => {
            list(&registry);
            Ok(OK)
        }
        Command::Generate { out, report } => generate(&registry, &out, report),
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

fn lint(root: &std::path::Path) -> u8 {
    match load(root) {
        Ok((registry, warnings)) => {
            print_warnings(&warnings);
            println!(
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
        println!("{}", cells.join("  ").trim_end());
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
        for (event, keywords) in &generated.validator_only {
            let list: Vec<&str> = keywords.iter().map(String::as_str).collect();
            let list = if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            };
            println!("{event}: enforced by the validator only: {list}");
        }
    }
    println!(
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
    let mut sampler = Sampler::new(&event.schema, seed).map_err(anyhow::Error::msg)?;
    let samples = sampler.samples(count.max(1));
    let Some(first) = samples.first() else {
        bail!(
            "found no valid payload for {} v{}: the schema may be unsatisfiable",
            event.event_type,
            event.version
        );
    };
    if count <= 1 {
        println!("{}", serde_json::to_string_pretty(first)?);
    } else {
        for payload in &samples {
            println!("{}", serde_json::to_string(payload)?);
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
    let validator = Validator::new(&event.schema).map_err(anyhow::Error::msg)?;
    let violations = validator.violations(&value);
    if violations.is_empty() {
        println!("{name}: valid {} v{}", event.event_type, event.version);
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
        println!("{name}{position}: {pointer}: {}", v.message);
    }
    println!(
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
