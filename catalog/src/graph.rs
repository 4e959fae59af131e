//! The graph of modules and events, drawn as SVG by the catalog itself: producers on the left,
//! events in the middle, consumers on the right, an arrow for every producer → event and
//! event → consumer the registry's `x-event` metadata names.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::Summary;

const ROW: usize = 30;
const WIDTH: usize = 960;
const NODE: (usize, usize) = (260, 22);

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page of a module, relative to the site's root.
pub(crate) fn module_page(name: &str) -> String {
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("modules/{file}.html")
}

/// The graph as an inline `<svg>`; event and module nodes link to `<prefix><page>`.
pub(crate) fn svg(events: &[Summary], prefix: &str) -> String {
    let producers: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.producers.iter().map(String::as_str))
        .collect();
    let consumers: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.consumers.iter().map(String::as_str))
        .collect();
    let rows = events
        .len()
        .max(producers.len())
        .max(consumers.len())
        .max(1);
    let height = rows * ROW + 40;
    let columns = [10, (WIDTH - NODE.0) / 2, WIDTH - NODE.0 - 10];
    let y = |i: usize| 30 + i * ROW;
    let position = |set: &BTreeSet<&str>, name: &str| set.iter().position(|m| *m == name);
    let mut out = format!(
        "<svg class=\"graph\" role=\"img\" aria-label=\"Modules and the events they produce and consume\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#4a5568\"/></marker></defs>\n\
         <text x=\"{}\" y=\"16\" class=\"heading\">producers</text><text x=\"{}\" y=\"16\" class=\"heading\">events</text><text x=\"{}\" y=\"16\" class=\"heading\">consumers</text>\n",
        columns[0], columns[1], columns[2]
    );
    // An arrow from the node at (column, row) to the node at (column, row).
    let arrow = |out: &mut String, (from, a): (usize, usize), (to, b): (usize, usize)| {
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{to}\" y2=\"{}\" marker-end=\"url(#arrow)\"/>",
            from + NODE.0,
            y(a) + NODE.1 / 2,
            y(b) + NODE.1 / 2
        );
    };
    for (i, event) in events.iter().enumerate() {
        for p in event
            .producers
            .iter()
            .filter_map(|m| position(&producers, m))
        {
            arrow(&mut out, (columns[0], p), (columns[1], i));
        }
        for c in event
            .consumers
            .iter()
            .filter_map(|m| position(&consumers, m))
        {
            arrow(&mut out, (columns[1], i), (columns[2], c));
        }
    }
    let node = |out: &mut String, x: usize, row: usize, label: &str, class: &str| {
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" class=\"{class}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            y(row),
            NODE.0,
            NODE.1,
            x + 8,
            y(row) + 15,
            escape(label)
        );
    };
    for (column, modules) in [(columns[0], &producers), (columns[2], &consumers)] {
        for (i, module) in modules.iter().enumerate() {
            let _ = write!(
                out,
                "<a href=\"{}{}\">",
                escape(prefix),
                escape(&module_page(module))
            );
            node(&mut out, column, i, module, "module");
            out.push_str("</a>\n");
        }
    }
    for (i, event) in events.iter().enumerate() {
        let _ = write!(
            out,
            "<a href=\"{}{}\">",
            escape(prefix),
            escape(&event.page)
        );
        let class = if event.deprecated {
            "event deprecated"
        } else {
            "event"
        };
        node(&mut out, columns[1], i, &event.key, class);
        out.push_str("</a>\n");
    }
    out.push_str("</svg>");
    out
}
