//! Generates the typed events of this registry from `schemas/` into `OUT_DIR`.

fn main() {
    if let Err(err) = contracts_generator::Config::new()
        .registry("schemas")
        .generate()
    {
        // Every problem of the registry, each with file:line:column and JSON Pointer.
        eprintln!("{err}");
        std::process::exit(1);
    }
}
