//! The history section from a real git repository in a temp dir: every commit that changed an
//! event, newest first, with the checker's verdict (a break with its witness); outside git the
//! site renders without it and says so.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

mod common;
use common::copy_registry;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@localhost",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn edit(file: &Path, change: impl FnOnce(&mut Value)) {
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    change(&mut document);
    std::fs::write(file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
}

fn page(root: &Path, history: &contracts_catalog::History) -> String {
    let (registry, _) = contracts_generator::load(root).unwrap();
    let files = contracts_catalog::render(&registry, history).unwrap();
    files[Path::new("events/payments.payment_failed.v1.html")].replace("&#34;", "\"")
}

#[test]
fn each_change_of_an_event_shows_with_its_verdict_newest_first() {
    let repo = tempfile::tempdir().unwrap();
    let schemas = repo.path().join("schemas");
    copy_registry(&schemas);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "The payments events"]);
    let file = schemas.join("payments/payment_failed/v1.json");
    edit(&file, |d| {
        d["properties"]["note"] = json!({ "type": "string", "maxLength": 200 });
    });
    git(repo.path(), &["commit", "-qam", "An optional note"]);
    edit(&file, |d| {
        d["properties"]["region"] = json!({ "type": "string", "enum": ["eu", "us"] });
        d["required"].as_array_mut().unwrap().push(json!("region"));
        for example in d["examples"].as_array_mut().unwrap() {
            example["region"] = json!("eu");
        }
    });
    git(repo.path(), &["commit", "-qam", "Require the region"]);
    edit(&file, |d| {
        d["examples"][0]["attempt"] = json!(2);
    });
    git(
        repo.path(),
        &["commit", "-qam", "A second attempt in the example"],
    );
    edit(&file, |d| {
        d["x-event"]["partition_key"] = json!("/payment_id");
    });
    git(repo.path(), &["commit", "-qam", "Key by payment"]);

    let history = contracts_catalog::read_history(&schemas);
    let changes = history.of("payments.payment_failed", 1);
    let summary: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|c| (c.message.as_str(), c.verdict.class(), c.author.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Key by payment", "breaking", "Ada Lovelace"),
            (
                "A second attempt in the example",
                "schema unchanged",
                "Ada Lovelace"
            ),
            ("Require the region", "breaking", "Ada Lovelace"),
            ("An optional note", "compatible", "Ada Lovelace"),
            ("The payments events", "added", "Ada Lovelace"),
        ]
    );
    // Unchanged events have only their first commit.
    assert_eq!(history.of("orders.order_placed", 2).len(), 1);
    let contracts_catalog::Verdict::Breaking { rule, .. } = &changes[0].verdict else {
        unreachable!()
    };
    assert_eq!(rule, "PARTITION_KEY_CHANGED");
    let contracts_catalog::Verdict::Breaking { rule, witness, .. } = &changes[2].verdict else {
        unreachable!()
    };
    let witness: Value = serde_json::from_str(witness).unwrap();
    assert!(
        witness.get("region").is_none(),
        "the witness lacks the new required member: {witness}"
    );
    assert!(!rule.is_empty());

    let html = page(&schemas, &history);
    assert!(html.contains("<h2>History</h2>"));
    let breaking = html.find("Require the region").unwrap();
    let compatible = html.find("An optional note").unwrap();
    assert!(breaking < compatible, "newest first");
    assert!(
        html.contains(&serde_json::to_string(&witness).unwrap()),
        "the witness is on the page"
    );
}

#[test]
fn outside_git_the_site_renders_without_history_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    copy_registry(dir.path());
    let history = contracts_catalog::read_history(dir.path());
    assert!(matches!(
        history,
        contracts_catalog::History::Unavailable(_)
    ));
    let html = page(dir.path(), &history);
    assert!(
        html.contains("is not in a git repository, so there is no history to show"),
        "{html}"
    );
}
