//! The catalog of the example registry, as files: every event has its page with its fields and
//! examples, every link resolves to a file of the site, the search index and the graph cover
//! every event; a registry with errors renders nothing and says why; an event without examples
//! shows generated samples that its schema accepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{copy_registry, registry_dir, serve};

fn site() -> (contracts_generator::Registry, BTreeMap<PathBuf, String>) {
    let (registry, _) = contracts_generator::load(registry_dir()).unwrap();
    let history = contracts_catalog::History::Unavailable("not read in this test".into());
    let files = contracts_catalog::render(&registry, &history).unwrap();
    (registry, files)
}

/// The values of `attribute="…"` in an HTML text.
fn attributes<'t>(html: &'t str, attribute: &str) -> Vec<&'t str> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&#60;", "<")
        .replace("&amp;", "&")
}

#[test]
fn every_event_has_a_page_with_its_fields_and_examples() {
    let (registry, files) = site();
    for event in &registry.events {
        let page = PathBuf::from(format!(
            "events/{}.v{}.html",
            event.event_type, event.version
        ));
        let html = files
            .get(&page)
            .unwrap_or_else(|| panic!("{} missing", page.display()));
        let text = unescape(html);
        assert!(text.contains(&event.title), "{}", page.display());
        assert!(text.contains(&event.metadata.owner));
        assert!(text.contains(&event.metadata.partition_key));
        let schema = event.schema.value();
        for name in schema["properties"].as_object().unwrap().keys() {
            assert!(
                text.contains(&format!("<code>{name}</code>")),
                "{}: no row for {name}",
                page.display()
            );
        }
        for example in &event.examples {
            let pretty = serde_json::to_string_pretty(example).unwrap();
            assert!(
                text.contains(&pretty),
                "{}: example missing",
                page.display()
            );
        }
        assert!(text.contains("<h2>Examples</h2>"));
    }
}

#[test]
fn every_link_resolves_to_a_file_of_the_site() {
    let (_, files) = site();
    let mut checked = 0;
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
    {
        let base = path.parent().unwrap_or(Path::new(""));
        for link in attributes(text, "href")
            .into_iter()
            .chain(attributes(text, "src"))
        {
            assert!(
                !link.starts_with("http") && !link.starts_with("//"),
                "{}: {link} leaves the site",
                path.display()
            );
            let (target, fragment) = link.split_once('#').unwrap_or((link, ""));
            if target.is_empty() {
                assert!(
                    text.contains(&format!("id=\"{fragment}\"")),
                    "{}: no element with id {fragment}",
                    path.display()
                );
                checked += 1;
                continue;
            }
            let mut resolved = PathBuf::new();
            for part in base.join(target).components() {
                match part {
                    std::path::Component::ParentDir => {
                        resolved.pop();
                    }
                    std::path::Component::Normal(p) => resolved.push(p),
                    _ => {}
                }
            }
            assert!(
                files.contains_key(&resolved),
                "{}: {link} resolves to {}, not a file of the site",
                path.display(),
                resolved.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} links");
}

#[test]
fn the_index_searches_and_draws_every_event_and_module() {
    let (registry, files) = site();
    let index = &files[Path::new("index.html")];
    let start = index.find("id=\"search-index\">").unwrap() + "id=\"search-index\">".len();
    let end = start + index[start..].find("</script>").unwrap();
    let search: Vec<Value> = serde_json::from_str(&index[start..end]).unwrap();
    assert_eq!(search.len(), registry.events.len());
    for (entry, event) in search.iter().zip(&registry.events) {
        assert_eq!(entry["description"], event.description.as_str());
        assert_eq!(
            entry["page"],
            format!("events/{}.v{}.html", event.event_type, event.version)
        );
    }
    let svg = &index[index.find("<svg").unwrap()..index.find("</svg>").unwrap()];
    let arrows: usize = registry
        .events
        .iter()
        .map(|e| e.metadata.producers.len() + e.metadata.consumers.len())
        .sum();
    assert_eq!(svg.matches("<line ").count(), arrows);
    for event in &registry.events {
        assert!(svg.contains(&format!(">{}.v{}</text>", event.event_type, event.version)));
        for module in event
            .metadata
            .producers
            .iter()
            .chain(&event.metadata.consumers)
        {
            assert!(svg.contains(&format!(">{module}</text>")), "{module}");
        }
    }
    assert!(
        index.contains("<span class=\"badge\">deprecated</span>")
            == registry.events.iter().any(|e| e.metadata.deprecated)
    );
}

#[test]
fn an_event_without_examples_shows_samples_its_schema_accepts() {
    let dir = tempfile::tempdir().unwrap();
    copy_registry(dir.path());
    let file = dir.path().join("payments/payment_failed/v1.json");
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    document.as_object_mut().unwrap().remove("examples");
    std::fs::write(&file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let (registry, _) = contracts_generator::load(dir.path()).unwrap();
    let history = contracts_catalog::History::Unavailable("not read in this test".into());
    let files = contracts_catalog::render(&registry, &history).unwrap();
    let html = unescape(&files[Path::new("events/payments.payment_failed.v1.html")]);
    assert!(html.contains("Samples"), "{html}");
    let validator = contracts_generator::Validator::new(
        &registry
            .event("payments.payment_failed", 1)
            .unwrap()
            .schema
            .value(),
    )
    .unwrap();
    let mut samples = 0;
    for block in html.split("<pre class=\"example\"><code>").skip(1) {
        let sample: Value = serde_json::from_str(block.split("</code>").next().unwrap()).unwrap();
        assert!(validator.is_valid(&sample), "{sample}");
        samples += 1;
    }
    assert!(samples >= 1);
}

#[test]
fn a_registry_with_errors_renders_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    copy_registry(dir.path());
    std::fs::write(
        dir.path().join("orders/order_placed/v2.json"),
        "{ \"type\": ",
    )
    .unwrap();
    let out = dir.path().join("site");
    let run = Command::new(env!("CARGO_BIN_EXE_contracts-docs"))
        .arg("--registry")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("v2.json:1:"), "{stderr}");
    assert!(stderr.contains("no catalog was written"), "{stderr}");
    assert!(!out.exists());

    // The same registry, fixed: the binary writes the site.
    let good = Command::new(env!("CARGO_BIN_EXE_contracts-docs"))
        .arg("--registry")
        .arg(registry_dir())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(good.status.success());
    assert!(out.join("index.html").is_file() && out.join("assets/search.js").is_file());
}

#[test]
fn every_module_has_a_page_with_what_it_produces_and_consumes() {
    let (registry, files) = site();
    let mut modules: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for event in &registry.events {
        let key = format!("{}.v{}", event.event_type, event.version);
        for producer in &event.metadata.producers {
            modules.entry(producer).or_default().0.push(key.clone());
        }
        for consumer in &event.metadata.consumers {
            modules.entry(consumer).or_default().1.push(key.clone());
        }
    }
    assert!(!modules.is_empty());
    for (module, (produces, consumes)) in &modules {
        let page = PathBuf::from(format!("modules/{module}.html"));
        let html = files
            .get(&page)
            .unwrap_or_else(|| panic!("{} missing", page.display()));
        let produced =
            &html[html.find("<h2>Produces</h2>").unwrap()..html.find("<h2>Consumes</h2>").unwrap()];
        let consumed = &html[html.find("<h2>Consumes</h2>").unwrap()..html.find("<svg").unwrap()];
        for key in produces {
            assert!(
                produced.contains(&format!(">{key}</a>")),
                "{module} produces {key}"
            );
        }
        for key in consumes {
            assert!(
                consumed.contains(&format!(">{key}</a>")),
                "{module} consumes {key}"
            );
        }
        let listed = produced.matches("</li>").count() + consumed.matches("</li>").count();
        assert_eq!(listed, produces.len() + consumes.len(), "{module}");
    }
}

/// `--serve`: the site over real HTTP on loopback, files only from the output folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_is_served_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = serve(dir.path());
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{base}{path}");
        let client = client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, kind, response.text().await.unwrap())
        }
    };
    let (status, kind, body) = get("").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(body.contains("id=\"search\""));
    let (status, _, body) = get("events/orders.order_placed.v2.html").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h2>Fields</h2>"));
    assert_eq!(get("assets/style.css").await.1, "text/css; charset=utf-8");
    assert_eq!(get("no-such-page.html").await.0, 404);
    assert_eq!(get("..%2F..%2Fetc%2Fpasswd").await.0, 404);
    assert_eq!(get("assets/../../Cargo.toml").await.0, 404);
    drop(server);
}

/// The copy committed under `generated/catalog/` is what `contracts docs --no-history` writes.
#[test]
fn the_committed_catalog_is_what_the_renderer_writes() {
    let (registry, _) = contracts_generator::load(registry_dir()).unwrap();
    let history =
        contracts_catalog::History::Unavailable(contracts_catalog::WITHOUT_HISTORY.into());
    let fresh = contracts_catalog::render(&registry, &history).unwrap();
    let committed_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/catalog");
    let committed: BTreeMap<PathBuf, String> = walkdir::WalkDir::new(&committed_dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(&committed_dir).unwrap().to_path_buf();
            (path, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    let stale = "run: cargo run -p contracts-catalog -- --no-history --out generated/catalog";
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "{stale}"
    );
    for (path, text) in &fresh {
        assert!(
            committed[path] == *text,
            "generated/catalog/{} is stale: {stale}",
            path.display()
        );
    }
}
