//! The history of each event from git: every commit that changed its file or the shared
//! definitions its schema uses, with date, author, message and the compatibility verdict of
//! that change in the event's mode, computed by the checker (a break with its witness, or why it
//! could not be decided; a moved partition key breaks too).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use contracts_generator::{
    check_pair, git, load, BundledSchema, Compatibility, Direction, Level, Options,
};

/// What a change did, judged against the previous revision of the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The event version appeared.
    Added,
    /// No reader of the previous revision breaks.
    Compatible,
    /// A reader breaks: the rule, which side breaks, and a payload that shows it with what the
    /// reader says.
    Breaking {
        rule: String,
        side: String,
        witness: String,
        rejection: String,
    },
    /// The checker could neither prove nor disprove it.
    Undecided { rule: String, reason: String },
    /// The event's mode is `none`: changes are not judged.
    NotChecked,
    /// The file changed (examples, metadata, formatting) but not the schema of the payload.
    SchemaUnchanged,
}

impl Verdict {
    /// A one-word class for the page.
    pub fn class(&self) -> &'static str {
        match self {
            Verdict::Added => "added",
            Verdict::Compatible => "compatible",
            Verdict::Breaking { .. } => "breaking",
            Verdict::Undecided { .. } => "undecided",
            Verdict::NotChecked => "not checked",
            Verdict::SchemaUnchanged => "schema unchanged",
        }
    }
}

/// One commit that changed an event version.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub commit: String,
    pub date: String,
    pub author: String,
    pub message: String,
    pub verdict: Verdict,
}

/// The history of every event version, newest change first, or why there is none.
#[derive(Debug, Clone)]
pub enum History {
    Events(BTreeMap<(String, u32), Vec<Change>>),
    Unavailable(String),
}

impl History {
    /// The changes of one event version (empty when unknown).
    pub fn of(&self, event_type: &str, version: u32) -> &[Change] {
        match self {
            History::Events(events) => events
                .get(&(event_type.to_owned(), version))
                .map(Vec::as_slice)
                .unwrap_or_default(),
            History::Unavailable(_) => &[],
        }
    }
}

/// At most this many commits of the registry folder are read.
const MAX_COMMITS: usize = 500;

/// Reads the history of the registry in `root` from git: each commit of the registry folder
/// loaded from git objects, each event's bundled schema compared with its previous revision.
pub fn read(root: &Path) -> History {
    let Ok((repo, folder)) = git::locate(root) else {
        return History::Unavailable(format!(
            "{} is not in a git repository, so there is no history to show",
            root.display()
        ));
    };
    let Ok(head) = git::resolve(&repo, "HEAD") else {
        return History::Unavailable("the repository has no commit yet".into());
    };
    let mut commits = match git::history(&repo, &head, &folder) {
        Ok(commits) => commits,
        Err(error) => return History::Unavailable(error.to_string()),
    };
    commits.truncate(MAX_COMMITS);
    commits.reverse();
    let described = describe(&repo, &head, &folder);
    let mut previous: BTreeMap<(String, u32), Revision> = BTreeMap::new();
    let mut events: BTreeMap<(String, u32), Vec<Change>> = BTreeMap::new();
    for commit in commits {
        let Ok(dir) = tempfile::tempdir() else {
            continue;
        };
        // A commit whose registry does not load is skipped: its changes show at the next one.
        if git::snapshot(&repo, &commit, &folder, dir.path()).is_err() {
            continue;
        }
        let Ok((registry, _)) = load(dir.path()) else {
            continue;
        };
        let (author, date, message) = described.get(&commit).cloned().unwrap_or_default();
        let mut current = BTreeMap::new();
        for event in &registry.events {
            let key = (event.event_type.clone(), event.version);
            let revision = Revision {
                schema: event.schema.clone(),
                document: registry.document(&event.file).map(|d| (*d).clone()),
                partition_key: event.metadata.partition_key.clone(),
            };
            let verdict = match previous.get(&key) {
                None => Some(Verdict::Added),
                Some(old) if old.partition_key != revision.partition_key => {
                    Some(Verdict::Breaking {
                        rule: "PARTITION_KEY_CHANGED".into(),
                        side: "events of one entity now go to other shards, out of order".into(),
                        witness: String::new(),
                        rejection: format!(
                            "the partition key moved from {} to {}",
                            old.partition_key, revision.partition_key
                        ),
                    })
                }
                Some(old) if old.schema != revision.schema => {
                    Some(judge(&old.schema, &revision.schema, event.compatibility))
                }
                Some(old) if old.document != revision.document => Some(Verdict::SchemaUnchanged),
                Some(_) => None,
            };
            if let Some(verdict) = verdict {
                events.entry(key.clone()).or_default().insert(
                    0,
                    Change {
                        commit: commit.chars().take(10).collect(),
                        date: date.clone(),
                        author: author.clone(),
                        message: message.clone(),
                        verdict,
                    },
                );
            }
            current.insert(key, revision);
        }
        previous = current;
    }
    History::Events(events)
}

/// What a commit held of an event: its bundled schema, its whole file, its partition key.
struct Revision {
    schema: BundledSchema,
    document: Option<serde_json::Value>,
    partition_key: String,
}

fn judge(old: &BundledSchema, new: &BundledSchema, mode: Compatibility) -> Verdict {
    if mode == Compatibility::None {
        return Verdict::NotChecked;
    }
    let findings = match check_pair(&old.value(), &new.value(), mode, Options::default()) {
        Ok(findings) => findings,
        Err(reason) => {
            return Verdict::Undecided {
                rule: "CHECK_FAILED".into(),
                reason,
            }
        }
    };
    let breaking = findings.iter().find(|f| f.level == Level::Breaking);
    match breaking.or(findings.first()) {
        None => Verdict::Compatible,
        Some(finding) if finding.level == Level::Breaking => Verdict::Breaking {
            rule: finding.rule.to_owned(),
            side: match finding.direction {
                Direction::Backward => {
                    "a payload valid for the previous revision that readers of this one refuse"
                }
                Direction::Forward => {
                    "a payload valid for this revision that readers of the previous one refuse"
                }
            }
            .to_owned(),
            witness: finding
                .witness
                .as_ref()
                .map(|w| serde_json::to_string(w).unwrap_or_default())
                .unwrap_or_default(),
            rejection: finding.rejection.clone().unwrap_or_default(),
        },
        Some(finding) => Verdict::Undecided {
            rule: finding.rule.to_owned(),
            reason: finding.reason.clone().unwrap_or_default(),
        },
    }
}

/// Author, short date and subject of every commit of the folder, by hash.
fn describe(repo: &Path, head: &str, folder: &Path) -> BTreeMap<String, (String, String, String)> {
    let folder = folder.to_string_lossy();
    let pathspec = if folder.is_empty() { "." } else { &folder };
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--format=%H%x1f%an%x1f%ad%x1f%s",
            "--date=short",
            head,
            "--",
            pathspec,
        ])
        .output();
    let Ok(output) = output else {
        return BTreeMap::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\u{1f}');
            let hash = parts.next()?.to_owned();
            let author = parts.next()?.to_owned();
            let date = parts.next()?.to_owned();
            let subject = parts.next().unwrap_or_default().to_owned();
            Some((hash, (author, date, subject)))
        })
        .collect()
}
