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
    /// Leave out the history from git, so that the output stays the same from commit to
    /// commit (the copy committed under `generated/catalog/`).
    #[arg(long)]
    no_history: bool,
    /// Then serve it on 127.0.0.1 for a person to look at (until stopped).
    #[arg(long)]
    serve: bool,
    /// The port to serve on; 0 takes a free one.
    #[arg(long, default_value_t = 8000)]
    port: u16,
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
    let history = if cli.no_history {
        contracts_catalog::History::Unavailable(contracts_catalog::WITHOUT_HISTORY.to_owned())
    } else {
        contracts_catalog::read_history(&cli.registry)
    };
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
    if cli.serve {
        if let Err(error) = serve(cli.out, cli.port) {
            eprintln!("error: cannot serve the catalog: {error}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// Serves the files of `root` on 127.0.0.1 (GET only; nothing outside `root`).
#[tokio::main(flavor = "current_thread")]
async fn serve(root: PathBuf, port: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "serving the catalog on http://{}/ (Ctrl-C stops)",
        listener.local_addr()?
    );
    let root = std::sync::Arc::new(root);
    let app = axum::Router::new().fallback(axum::routing::get(move |uri: axum::http::Uri| {
        let root = root.clone();
        async move { file(&root, uri.path()).await }
    }));
    axum::serve(listener, app).await
}

async fn file(root: &std::path::Path, path: &str) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let mut relative = PathBuf::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part.contains('\\') {
            return StatusCode::NOT_FOUND.into_response();
        }
        relative.push(part);
    }
    if path.ends_with('/') || relative.as_os_str().is_empty() {
        relative.push("index.html");
    }
    let content_type = match relative.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(root.join(&relative)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
