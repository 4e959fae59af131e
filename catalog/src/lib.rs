//! The event catalog: a static site rendered from the registry model with askama templates.
//! Every asset is a file of the output (no network, no CDN); the search runs in the page.
//!
//! - `index.html`: every event grouped by domain (owner, versions, producers, consumers, a
//!   deprecation badge), a search box, and the graph of modules and events (SVG);
//! - `events/<domain>.<event>.v<N>.html`: one page per event and major version: the fields
//!   table, the examples (or generated samples), the schema source, the shared definitions.

mod fields;
mod graph;
mod history;

use std::collections::BTreeMap;
use std::path::PathBuf;

use askama::Template;
use contracts_generator::{EventSchema, Registry, Sampler};
use serde_json::Value;

pub use fields::{fields, Field};
pub use history::{read as read_history, Change, History, Verdict};

/// What the pages say where a site is rendered without its history.
pub const WITHOUT_HISTORY: &str = "this copy is rendered without the history from git (--no-history), so that it stays the same from commit to commit: `contracts docs --out <dir>` shows it";

const STYLE: &str = include_str!("../assets/style.css");
const SEARCH: &str = include_str!("../assets/search.js");

/// What the index shows of an event version.
#[derive(Debug, Clone)]
pub struct Summary {
    /// `<domain>.<event>.v<N>`, the CloudEvents type.
    pub key: String,
    pub event_type: String,
    pub version: u32,
    pub title: String,
    pub description: String,
    pub owner: String,
    pub producers: Vec<String>,
    pub consumers: Vec<String>,
    pub deprecated: bool,
    /// The page, relative to the site's root.
    pub page: String,
}

impl Summary {
    fn of(event: &EventSchema) -> Self {
        let key = format!("{}.v{}", event.event_type, event.version);
        Summary {
            page: format!("events/{key}.html"),
            key,
            event_type: event.event_type.clone(),
            version: event.version,
            title: event.title.clone(),
            description: event.description.clone(),
            owner: event.metadata.owner.clone(),
            producers: event.metadata.producers.clone(),
            consumers: event.metadata.consumers.clone(),
            deprecated: event.metadata.deprecated,
        }
    }
}

/// A shared definition an event's schema uses: where it is written, and its text.
struct Definition {
    name: String,
    origin: String,
    source: String,
}

struct Domain {
    name: String,
    events: Vec<Summary>,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    domains: &'a [Domain],
    count: usize,
    graph: &'a str,
    search_index: &'a str,
}

#[derive(Template)]
#[template(path = "module.html")]
struct ModulePage<'a> {
    name: &'a str,
    produces: &'a [Summary],
    consumes: &'a [Summary],
    graph: &'a str,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage<'a> {
    event: &'a Summary,
    compatibility: &'a str,
    partition_key: &'a str,
    fields: &'a [Field],
    examples: &'a [String],
    generated_examples: bool,
    schema_source: &'a str,
    definitions: &'a [Definition],
    versions: &'a [(u32, String)],
    /// Producers and consumers with their pages.
    producers: &'a [(String, String)],
    consumers: &'a [(String, String)],
    history: &'a [Change],
    /// Why there is no history, when there is none.
    history_note: &'a str,
}

/// Every file of the site, by path relative to the output folder, with each event's `history`.
pub fn render(registry: &Registry, history: &History) -> Result<BTreeMap<PathBuf, String>, String> {
    let mut files = BTreeMap::new();
    let summaries: Vec<Summary> = registry.events.iter().map(Summary::of).collect();
    let mut domains: Vec<Domain> = Vec::new();
    for summary in &summaries {
        let domain = summary.event_type.split('.').next().unwrap_or_default();
        match domains.last_mut() {
            Some(last) if last.name == domain => last.events.push(summary.clone()),
            _ => domains.push(Domain {
                name: domain.to_owned(),
                events: vec![summary.clone()],
            }),
        }
    }
    let search: Vec<Value> = summaries
        .iter()
        .map(|s| {
            serde_json::json!({
                "key": s.key, "title": s.title, "description": s.description,
                "owner": s.owner, "page": s.page,
            })
        })
        .collect();
    let search_index = script_json(&Value::Array(search));
    let graph = graph::svg(&summaries, "");
    let mut modules: BTreeMap<&str, (Vec<Summary>, Vec<Summary>)> = BTreeMap::new();
    for summary in &summaries {
        for producer in &summary.producers {
            modules.entry(producer).or_default().0.push(summary.clone());
        }
        for consumer in &summary.consumers {
            modules.entry(consumer).or_default().1.push(summary.clone());
        }
    }
    for (name, (produces, consumes)) in &modules {
        let mine: Vec<Summary> = summaries
            .iter()
            .filter(|s| produces.iter().chain(consumes).any(|m| m.key == s.key))
            .cloned()
            .collect();
        let page = ModulePage {
            name,
            produces,
            consumes,
            graph: &graph::svg(&mine, "../"),
        };
        files.insert(
            PathBuf::from(graph::module_page(name)),
            page.render().map_err(|e| e.to_string())?,
        );
    }
    let index = IndexPage {
        domains: &domains,
        count: summaries.len(),
        graph: &graph,
        search_index: &search_index,
    };
    files.insert(
        PathBuf::from("index.html"),
        index.render().map_err(|e| e.to_string())?,
    );

    for (event, summary) in registry.events.iter().zip(&summaries) {
        let schema = event.schema.value();
        let (examples, generated_examples) = examples(event, &schema);
        let definitions: Vec<Definition> = schema
            .get("$defs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, value)| {
                let origin = registry.origin(event, &format!("/$defs/{name}"));
                Definition {
                    name: name.clone(),
                    origin: format!("{}#{}", origin.file.display(), origin.pointer),
                    source: serde_json::to_string_pretty(value).unwrap_or_default(),
                }
            })
            .collect();
        let versions: Vec<(u32, String)> = summaries
            .iter()
            .filter(|s| s.event_type == summary.event_type)
            .map(|s| (s.version, format!("{}.html", s.key)))
            .collect();
        let page = EventPage {
            event: summary,
            compatibility: event.compatibility.as_str(),
            partition_key: &event.metadata.partition_key,
            fields: &fields(&schema),
            examples: &examples,
            generated_examples,
            schema_source: &serde_json::to_string_pretty(&schema).unwrap_or_default(),
            definitions: &definitions,
            versions: &versions,
            producers: &with_pages(&summary.producers),
            consumers: &with_pages(&summary.consumers),
            history: history.of(&event.event_type, event.version),
            history_note: match history {
                History::Unavailable(why) => why,
                History::Events(_) => "",
            },
        };
        files.insert(
            PathBuf::from(&summary.page),
            page.render().map_err(|e| e.to_string())?,
        );
    }
    files.insert(PathBuf::from("assets/style.css"), STYLE.to_owned());
    files.insert(PathBuf::from("assets/search.js"), SEARCH.to_owned());
    Ok(files)
}

fn with_pages(modules: &[String]) -> Vec<(String, String)> {
    modules
        .iter()
        .map(|m| (m.clone(), graph::module_page(m)))
        .collect()
}

/// The event's examples, pretty; without any, three valid samples from the instance generator.
fn examples(event: &EventSchema, schema: &Value) -> (Vec<String>, bool) {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    if !event.examples.is_empty() {
        return (event.examples.iter().map(pretty).collect(), false);
    }
    let samples = Sampler::new(schema, 0)
        .map(|mut s| s.samples(3))
        .unwrap_or_default();
    (samples.iter().map(pretty).collect(), true)
}

/// JSON to embed in a `<script type="application/json">`: `</` cannot close the element.
fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace("</", "<\\/")
}
