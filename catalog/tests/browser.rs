//! The catalog in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver), the site served by `contracts-docs --serve` on loopback. Every page renders
//! with its content, the search box finds an event by a word of its description, the text has
//! readable contrast, a phone-sized window needs no sideways scrolling, no page throws, and
//! screenshots of the index and of one event page are saved under `target/tmp/catalog/`.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages): when `chromedriver` is not on the
//! path, the test installs them with `apt-get` (as root, as on CI and a fresh machine).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

mod common;
use common::{registry_dir, serve, Running};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs Debian's Chromium and its driver when they are missing.
fn install_chromium() {
    if on_path("chromedriver") && on_path("chromium") {
        return;
    }
    let apt = |args: &[&str]| {
        let out = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .unwrap_or_else(|e| panic!("apt-get runs (install chromium chromium-driver): {e}"));
        assert!(
            out.status.success(),
            "apt-get {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    apt(&["update"]);
    apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ]);
}

fn chromedriver() -> (Running, String) {
    install_chromium();
    let port = free_port();
    let child = Running(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs"),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, url);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("chromedriver did not listen on {url}");
}

/// What the browser logged as an error since the last call (script errors, failed loads),
/// through chromedriver's log endpoint.
async fn console_errors(driver: &str, session: &str) -> Vec<Value> {
    let body = reqwest::Client::new()
        .post(format!("{driver}/session/{session}/se/log"))
        .header("content-type", "application/json")
        .body(json!({ "type": "browser" }).to_string())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let entries = answer["value"]
        .as_array()
        .cloned()
        .expect("browser log entries");
    entries
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect()
}

/// The contrast ratio of an element's text against the page background, per WCAG.
const CONTRAST: &str = r#"
    const parse = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => {
        const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = parse(getComputedStyle(document.body).backgroundColor);
    const worst = [];
    for (const element of document.querySelectorAll(arguments[0])) {
        const text = luminance(parse(getComputedStyle(element).color));
        const back = luminance(background);
        const ratio = (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
        worst.push(ratio);
    }
    return worst.length ? Math.min(...worst) : null;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_renders_searches_and_reads_well_in_headless_chromium() {
    let site = tempfile::tempdir().unwrap();
    let (_server, base) = serve(site.path());
    let (_driver, driver_url) = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let capabilities: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    }))
    .unwrap();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver_url)
        .await
        .expect("a Chromium session through chromedriver");
    let session = client.session_id().await.unwrap().expect("a session id");
    // The log endpoint works: an error thrown on purpose is seen.
    client.goto(&base).await.unwrap();
    client
        .execute(
            "setTimeout(() => { throw new Error('seen by the test'); }, 0); return 1;",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let thrown = console_errors(&driver_url, &session).await;
    assert!(
        thrown.iter().any(|e| e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("seen by the test")),
        "{thrown:?}"
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalog");
    std::fs::create_dir_all(&shots).unwrap();

    let (registry, _) = contracts_generator::load(registry_dir()).unwrap();
    client.set_window_size(1280, 900).await.unwrap();

    // Every event page renders its fields and its example.
    for event in &registry.events {
        let page = format!("{base}events/{}.v{}.html", event.event_type, event.version);
        client.goto(&page).await.unwrap();
        let rows = client
            .find_all(Locator::Css("table.fields tbody tr"))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{page}: no field rows");
        let example = client.find(Locator::Css("pre.example")).await.unwrap();
        let shown: Value = serde_json::from_str(&example.text().await.unwrap()).unwrap();
        assert_eq!(shown, event.examples[0], "{page}");
        assert_eq!(
            console_errors(&driver_url, &session).await,
            [] as [Value; 0],
            "{page}"
        );
    }
    client
        .goto(&format!("{base}events/orders.order_placed.v2.html"))
        .await
        .unwrap();
    std::fs::write(
        shots.join("event-desktop.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    // Every link of every page, as the browser resolves it, answers from the site.
    let mut pages = vec![base.clone()];
    let mut seen = std::collections::BTreeSet::new();
    let http = reqwest::Client::new();
    while let Some(page) = pages.pop() {
        if !seen.insert(page.clone()) {
            continue;
        }
        client.goto(&page).await.unwrap();
        let links = client
            .execute(
                "return Array.from(document.querySelectorAll('a[href], link[href], script[src]')).map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), document.baseURI).href);",
                vec![],
            )
            .await
            .unwrap();
        for link in links.as_array().unwrap() {
            let link = link.as_str().unwrap().split('#').next().unwrap().to_owned();
            assert!(link.starts_with(&base), "{page}: {link} leaves the site");
            let status = http.get(&link).send().await.unwrap().status().as_u16();
            assert_eq!(status, 200, "{page}: {link}");
            if link.ends_with(".html") || link == base {
                pages.push(link);
            }
        }
    }
    assert!(
        seen.len() > registry.events.len(),
        "{} pages visited",
        seen.len()
    );

    // The search box finds an event by a word of its description, and only the events whose
    // text has it.
    client.goto(&base).await.unwrap();
    let event = registry.event("payments.refund_issued", 1).unwrap();
    let word = event
        .description
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 4)
        .find(|w| {
            registry
                .events
                .iter()
                .filter(|e| e.description.to_lowercase().contains(&w.to_lowercase()))
                .count()
                == 1
        })
        .expect("a word only its description has")
        .to_owned();
    client
        .find(Locator::Id("search"))
        .await
        .unwrap()
        .send_keys(&word)
        .await
        .unwrap();
    let visible = client
        .execute(
            "return Array.from(document.querySelectorAll('tr.event-row:not([hidden])')).map(r => r.dataset.key);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        visible,
        json!(["payments.refund_issued.v1"]),
        "searching for {word}"
    );
    let status = client.find(Locator::Id("search-status")).await.unwrap();
    assert!(status.text().await.unwrap().starts_with("1 of "));
    std::fs::write(
        shots.join("index-search.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    // Readable: text against the background at least 4.5:1 (WCAG AA) for body text, muted
    // text, table headings, links.
    client.goto(&base).await.unwrap();
    assert_eq!(
        console_errors(&driver_url, &session).await,
        [] as [Value; 0],
        "index"
    );
    std::fs::write(
        shots.join("index-desktop.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    for selector in ["td", "th", ".title", "a", "h1", "h2"] {
        let ratio = client
            .execute(CONTRAST, vec![json!(selector)])
            .await
            .unwrap();
        let ratio = ratio
            .as_f64()
            .unwrap_or_else(|| panic!("no {selector} on the index"));
        assert!(ratio >= 4.5, "{selector}: contrast {ratio:.2}");
    }

    // A phone-sized window: the page itself never scrolls sideways.
    client.set_window_size(390, 844).await.unwrap();
    for page in [
        "".to_owned(),
        "events/orders.order_placed.v2.html".to_owned(),
    ] {
        client.goto(&format!("{base}{page}")).await.unwrap();
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{page}: {overflow} px too wide on a phone"
        );
    }
    std::fs::write(
        shots.join("event-phone.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    client.goto(&base).await.unwrap();
    std::fs::write(
        shots.join("index-phone.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    client.close().await.unwrap();
    for shot in [
        "index-desktop",
        "index-search",
        "index-phone",
        "event-desktop",
        "event-phone",
    ] {
        let png = std::fs::read(shots.join(format!("{shot}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{shot}");
    }
}
