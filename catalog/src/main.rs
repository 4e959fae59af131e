//! `contracts-docs` (run as `contracts docs`): renders the event catalog of a registry.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Render the event catalog: a static site of every contract.
#[derive(Parser)]
#[command(name = "contracts docs", version)]
struct Cli {
    /// The registry folder.
    #[arg(long, default_value = "schemas")]
    registry: PathBuf,
    /// Where to write the site.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let registry = match contracts_generator::load(&cli.registry) {
        Ok((registry, _)) => registry,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!(
                "error: the registry {} has errors, so no catalog was written: run `contracts lint`",
                cli.registry.display()
            );
            return ExitCode::from(2);
        }
    };
    let history = contracts_catalog::read_history(&cli.registry);
    if let contracts_catalog::History::Unavailable(why) = &history {
        eprintln!("warning: no history section: {why}");
    }
    let files = match contracts_catalog::render(&registry, &history) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    for (path, text) in &files {
        let target = cli.out.join(path);
        if let Err(error) = contracts_generator::write_if_changed(&target, text.as_bytes()) {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "wrote the catalog of {} events to {}",
        registry.events.len(),
        cli.out.join("index.html").display()
    );
    ExitCode::SUCCESS
}
