//! Compatibility of two schemas of one event: the changes (facts, from `diff`), judged by the
//! rules (policy, from `rules`), each breaking one proven by a witness payload that the real
//! validator accepts on the writer side and rejects on the reader side.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::compat::diff::{diff, Change, Step};
use crate::compat::inclusion::{MonotoneSites, Prover, Side};
use crate::compat::sample::{SampleRun, Sampler, Style};
use crate::compat::schema::{exact_integer, key_matching};
use crate::registry::settings::Compatibility;
use crate::registry::validate::Validator;
use crate::rules::{rule_by_id, Effect};

/// Which readers must keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Readers on the new schema read payloads written on the old one.
    Backward,
    /// Readers on the old schema read payloads written on the new one.
    Forward,
}

impl Direction {
    /// The directions a mode checks.
    pub fn of(mode: Compatibility) -> &'static [Direction] {
        match mode {
            Compatibility::Backward | Compatibility::BackwardTransitive => &[Direction::Backward],
            Compatibility::Forward | Compatibility::ForwardTransitive => &[Direction::Forward],
            Compatibility::Full | Compatibility::FullTransitive => {
                &[Direction::Backward, Direction::Forward]
            }
            Compatibility::None => &[],
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        })
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A proven break: the witness is valid for the writer and rejected by the reader.
    Breaking,
    /// Not decided: a change the checker cannot prove either way.
    Undecided,
}

/// One judged change.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Breaking (with witness) or undecided.
    pub level: Level,
    /// The direction that breaks.
    pub direction: Direction,
    /// The rule id.
    pub rule: &'static str,
    /// The change, when one explains the finding.
    pub change: Option<Change>,
    /// The payload that proves the break.
    pub witness: Option<Value>,
    /// What the reader says about the witness (JSON Pointer and message).
    pub rejection: Option<String>,
    /// Why an undecided finding could be neither proven nor disproven.
    pub reason: Option<String>,
}

impl Finding {
    /// A suggestion for the author.
    pub fn fix(&self) -> &'static str {
        match (self.rule, self.direction) {
            ("REQUIRED_ADDED", _) => "make the new property optional, or publish the change as a new major version",
            ("PROPERTY_ADDED", Direction::Backward) => "old payloads may carry this key already: choose a new name, or publish a new major version",
            ("PROPERTY_ADDED", Direction::Forward) => "old readers refuse this key (their object is closed): open the old schema first, or publish a new major version",
            (_, Direction::Backward) => "widen instead of narrow (old payloads must stay valid), or publish a new major version",
            (_, Direction::Forward) => "narrow back, or upgrade every consumer first and use backward mode, or publish a new major version",
        }
    }
}

/// Settings of one check.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Pure set inclusion: readers accept exactly the schema (Confluent's and Apicurio's model).
    /// Otherwise readers ignore unknown keys (every object of the reader schema opened).
    pub strict: bool,
    /// Seed of the payload generator.
    pub seed: u64,
    /// Time one schema pair may take to search for witnesses; changes not searched by then
    /// are undecided.
    pub budget: Duration,
    /// A moment past which nothing more is searched (the whole command's budget).
    pub deadline: Option<Instant>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            seed: 0,
            budget: Duration::from_secs(20),
            deadline: None,
        }
    }
}

/// Checks `new` against `old` (both self-contained) in the directions of `mode`.
pub fn check_pair(
    old: &Value,
    new: &Value,
    mode: Compatibility,
    options: Options,
) -> Result<Vec<Finding>, String> {
    if crate::compat::schema::same_assertions(old, new) {
        // The same schema but for annotations (titles, descriptions, examples, …): every
        // reader accepts what its writer does (an opened reader more).
        return Ok(Vec::new());
    }
    let started = Instant::now();
    let deadline = options.deadline.map_or(started + options.budget, |d| {
        d.min(started + options.budget)
    });
    let changes = diff(old, new);
    let mut findings = Vec::new();
    for &direction in Direction::of(mode) {
        let (writer, reader_schema) = match direction {
            Direction::Backward => (old, new),
            Direction::Forward => (new, old),
        };
        let reader_schema = if options.strict {
            reader_schema.clone()
        } else {
            crate::registry::reader::reader_schema(reader_schema)
        };
        let mut search = Search::new(writer, &reader_schema, options.seed)?;
        search.deadline = deadline;
        findings.extend(search.judge(direction, &changes));
    }
    Ok(findings)
}

/// How many payloads are generated for the writer as bases, at most.
const BASES: usize = 12;

/// The bases made so far, and the run that makes the rest (kept once finished, for the random
/// state it leaves; taken when the sampler takes that state over).
struct Bases {
    list: Vec<Value>,
    run: Option<SampleRun>,
}

struct Search<'a> {
    writer: &'a Value,
    reader: Value,
    reader_check: Validator,
    seed: u64,
    /// The payloads witnesses are built on, made as they are first needed.
    bases: std::cell::RefCell<Bases>,
    /// One generator for the writer schema, reseeded per use (compiling it is the cost).
    /// It also holds the compiled writer schema, so the writer is compiled once.
    sampler: std::cell::RefCell<Sampler<'a>>,
    /// Whether the sampler's random state is the one it would have if every base had been made
    /// first (false until it is reseeded or takes over the finished run's state).
    rng_in_order: std::cell::Cell<bool>,
    /// Where local inclusion proofs hold for the whole schema.
    sites: MonotoneSites,
    /// Past this, no more witnesses are searched.
    deadline: Instant,
}

impl<'a> Search<'a> {
    fn new(writer: &'a Value, reader: &Value, seed: u64) -> Result<Self, String> {
        let reader_check = Validator::new(reader)?;
        let sampler = Sampler::new(writer, seed)?;
        // The schemas' own examples first (valid ones only), then generated payloads.
        let examples: Vec<Value> = [writer, reader]
            .iter()
            .filter_map(|s| s.get("examples").and_then(Value::as_array))
            .flatten()
            .filter(|e| sampler.is_valid(e))
            .cloned()
            .collect();
        Ok(Search {
            writer,
            reader: reader.clone(),
            reader_check,
            seed,
            bases: std::cell::RefCell::new(Bases {
                list: examples,
                run: Some(SampleRun::new(BASES, seed)),
            }),
            sampler: std::cell::RefCell::new(sampler),
            rng_in_order: std::cell::Cell::new(false),
            sites: MonotoneSites::new(writer, reader),
            deadline: Instant::now() + Options::default().budget,
        })
    }

    /// Base `i`, made now if it was not yet: the examples, then up to [`BASES`] generated
    /// payloads; `None` past the last one.
    fn base(&self, i: usize) -> Option<Value> {
        let mut bases = self.bases.borrow_mut();
        while bases.list.len() <= i {
            let Some(run) = bases.run.as_mut() else {
                break;
            };
            let Some(sample) = run.next(&mut self.sampler.borrow_mut()).cloned() else {
                break;
            };
            if !bases.list.contains(&sample) {
                bases.list.push(sample);
            }
        }
        bases.list.get(i).cloned()
    }

    /// `sampler.generate(schema)` as it would come out had every base been made first (as
    /// they once were): when generating drew on the random state while that state is not
    /// yet the one the finished bases leave, the bases are finished and it generates again.
    fn generate_in_order(&self, schema: &Value, style: Style) -> Option<Value> {
        let draws = self.sampler.borrow().draws();
        let value = self.sampler.borrow_mut().generate(schema, 0, style);
        if self.rng_in_order.get() || self.sampler.borrow().draws() == draws {
            return value;
        }
        // Every base: the run ends, and its random state is the one to go on from.
        self.base(usize::MAX);
        let mut sampler = self.sampler.borrow_mut();
        if let Some(run) = self.bases.borrow_mut().run.take() {
            sampler.take_rng(run.into_rng());
        }
        self.rng_in_order.set(true);
        sampler.generate(schema, 0, style)
    }

    fn is_witness(&self, candidate: &Value) -> bool {
        self.sampler.borrow().is_valid(candidate) && !self.reader_check.is_valid(candidate)
    }

    /// The reader's violations of `candidate` split into those where `change` applies (at the
    /// change's payload location, at its parent for rules about keys, or at an enclosing
    /// combinator) and the others.
    fn blame(&self, candidate: &Value, change: &Change) -> (Vec<String>, usize) {
        let mut blamed = Vec::new();
        let mut other = 0;
        for (pointer, masked) in self.reader_check.masked_violations(candidate) {
            if applies_at(&pointer, change) {
                let at = if pointer.is_empty() {
                    "(root)".to_owned()
                } else {
                    pointer
                };
                blamed.push(format!("{at}: {masked}"));
            } else {
                other += 1;
            }
        }
        (blamed, other)
    }

    /// How many of the reader's violations of `candidate` [`Self::blame`] puts on `change`,
    /// and how many on anything else, without writing out their messages.
    fn blame_counts(&self, candidate: &Value, change: &Change) -> (usize, usize) {
        let pointers = self.reader_check.violation_pointers(candidate);
        let blamed = pointers.iter().filter(|p| applies_at(p, change)).count();
        (blamed, pointers.len() - blamed)
    }

    /// Every relevant change ends as breaking (with a witness), compatible (proven by
    /// inclusion) or undecided; the direction as a whole is compatible only when the reader
    /// is proven to include the writer.
    fn judge(&self, direction: Direction, changes: &[Change]) -> Vec<Finding> {
        let mut findings = Vec::new();
        let relevant: Vec<&Change> = changes
            .iter()
            .filter(|c| {
                let effect = rule_by_id(c.rule).map_or(Effect::Either, |r| r.effect);
                match direction {
                    Direction::Backward => effect != Effect::Widens,
                    Direction::Forward => effect != Effect::Narrows,
                }
            })
            .collect();
        let mut prover = Prover::new(self.writer, &self.reader);
        let proven = prover.includes(self.writer, &self.reader);
        let mut explained = false;
        for (searched, change) in relevant.iter().enumerate() {
            if Instant::now() > self.deadline {
                let mut finding = self.undecided(direction, change.rule, Some(change));
                let rest = relevant.len() - searched - 1;
                finding.reason = Some(format!(
                    "{OUT_OF_TIME}{}",
                    if rest > 0 {
                        format!(" (nor were the {rest} changes after it)")
                    } else {
                        String::new()
                    }
                ));
                findings.push(finding);
                break;
            }
            if proven {
                // Inclusion is proven for the whole schema: no change can break (the starting
                // payloads are still tried below, as a check of the proof).
                break;
            }
            match self.targeted_witness(direction, change) {
                Some(witness) => {
                    explained = true;
                    findings.push(self.finding(
                        direction,
                        change.rule,
                        Some((*change).clone()),
                        witness,
                    ));
                }
                None if proven || self.proven_locally(&mut prover, change, direction) => {}
                None => findings.push(self.undecided(direction, change.rule, Some(change))),
            }
        }
        // Searched even when inclusion is proven (a witness outranks any proof), but then
        // among the starting payloads only.
        if !explained {
            if let Some(witness) = self.untargeted_witness(proven) {
                // Blame the change the reader rejects the witness for, when there is one.
                let blamed = relevant
                    .iter()
                    .find(|c| !self.blame(&witness, c).0.is_empty());
                match blamed {
                    Some(change) => {
                        findings.retain(|f| f.change.as_ref() != Some(*change));
                        findings.push(self.finding(
                            direction,
                            change.rule,
                            Some((*change).clone()),
                            witness,
                        ));
                    }
                    None => {
                        findings.push(self.finding(direction, "INSTANCE_REJECTED", None, witness))
                    }
                }
            }
        }
        if !proven && findings.is_empty() {
            findings.push(self.undecided(direction, "NOT_PROVEN", None));
        }
        findings
    }

    fn undecided(
        &self,
        direction: Direction,
        rule: &'static str,
        change: Option<&Change>,
    ) -> Finding {
        let reason = if self.base(0).is_none() {
            "no payload valid for the writer schema could be built, so no break can be shown; \
             the reader's acceptance of every writer payload is not proven either"
        } else if change.is_none() {
            "no break was found, but the reader is not proven to accept every payload the writer \
             accepts"
        } else {
            "no payload breaking this change was found, but inclusion is not proven for it"
        };
        Finding {
            level: Level::Undecided,
            direction,
            rule,
            change: change.cloned(),
            witness: None,
            rejection: None,
            reason: Some(reason.to_owned()),
        }
    }

    /// Whether the change is proven harmless where it stands: the writer's subschema at the
    /// change is included in the reader's, and nothing between the root and that place can
    /// turn an inclusion around (`not`, `oneOf`, `if`, evaluation-dependent keywords).
    fn proven_locally<'s>(
        &'s self,
        prover: &mut Prover<'s>,
        change: &Change,
        direction: Direction,
    ) -> bool {
        let (wp, rp) = match direction {
            Direction::Backward => (&change.old_pointer, &change.new_pointer),
            Direction::Forward => (&change.new_pointer, &change.old_pointer),
        };
        let key_rule = matches!(
            change.rule,
            "PROPERTY_ADDED" | "PROPERTY_REMOVED" | "REQUIRED_ADDED" | "REQUIRED_REMOVED"
        );
        let (wp, rp) = (proof_site(wp, key_rule), proof_site(rp, key_rule));
        if !self.sites.monotone(Side::Writer, &wp) || !self.sites.monotone(Side::Reader, &rp) {
            return false;
        }
        let (Some(w), Some(r)) = (self.writer.pointer(&wp), self.reader.pointer(&rp)) else {
            return false;
        };
        // The prover borrows both roots; the reader copy lives in `self`.
        if key_rule {
            match change.path.last() {
                Some(Step::Key(name)) => {
                    let presence = change.rule.starts_with("REQUIRED");
                    prover.key_included(w, r, name, presence)
                }
                _ => false,
            }
        } else {
            prover.includes(w, r)
        }
    }

    /// Writer samples as they are, then with every property name either schema mentions set
    /// to one value of each JSON type.
    fn untargeted_witness(&self, bases_only: bool) -> Option<Value> {
        let mut i = 0;
        while let Some(base) = self.base(i) {
            if self.is_witness(&base) {
                return Some(base);
            }
            i += 1;
        }
        if bases_only || Instant::now() > self.deadline {
            return None;
        }
        let mut names = std::collections::BTreeSet::new();
        property_names(self.writer, &mut names);
        property_names(&self.reader, &mut names);
        let everything = Change {
            rule: "INSTANCE_REJECTED",
            old_pointer: String::new(),
            new_pointer: String::new(),
            path: Vec::new(),
            old: None,
            new: None,
        };
        let values = self.boundary_values(&everything, self.writer, &self.reader);
        if let Some(found) = values.iter().find(|v| self.is_witness(v)) {
            return Some(found.clone());
        }
        for base in (0..3).map_while(|i| self.base(i)) {
            for name in &names {
                if Instant::now() > self.deadline {
                    return None;
                }
                for value in &values {
                    for candidate in set_at(&base, &[Step::Key(name.clone())], value.clone()) {
                        if self.is_witness(&candidate) {
                            return Some(candidate);
                        }
                    }
                }
            }
        }
        None
    }

    fn finding(
        &self,
        direction: Direction,
        rule: &'static str,
        change: Option<Change>,
        witness: Value,
    ) -> Finding {
        let blamed = change.as_ref().map(|c| self.blame(&witness, c).0);
        let rejection = blamed.and_then(|b| b.into_iter().next()).or_else(|| {
            self.reader_check
                .masked_violations(&witness)
                .into_iter()
                .next()
                .map(|(pointer, masked)| {
                    let at = if pointer.is_empty() {
                        "(root)".to_owned()
                    } else {
                        pointer
                    };
                    format!("{at}: {masked}")
                })
        });
        Finding {
            level: Level::Breaking,
            direction,
            rule,
            change,
            witness: Some(witness),
            rejection,
            reason: None,
        }
    }

    /// The smallest payload found that the change makes the reader reject.
    fn targeted_witness(&self, direction: Direction, change: &Change) -> Option<Value> {
        let sub_pointer = match direction {
            Direction::Backward => &change.old_pointer,
            Direction::Forward => &change.new_pointer,
        };
        let sub = schema_at(self.writer, sub_pointer);
        let reader_pointer = match direction {
            Direction::Backward => &change.new_pointer,
            Direction::Forward => &change.old_pointer,
        };
        let reader_sub = schema_at(&self.reader, reader_pointer);
        let mut values = self.boundary_values(change, sub, reader_sub);
        for style in [Style::minimal(), Style::maximal()] {
            values.extend(self.generate_in_order(sub, style));
        }
        {
            let mut sampler = self.sampler.borrow_mut();
            self.rng_in_order.set(true);
            for i in 0..8 {
                sampler.reseed(self.seed + i);
                let style = Style {
                    optional: i % 2 == 0,
                    shuffle: true,
                };
                values.extend(sampler.generate(sub, 0, style));
            }
        }
        let mut best: Option<((usize, usize), Value)> = None;
        // The best witness breaks nothing but this change, and is small.
        // A candidate differs from its base only at the change's location, so when the reader
        // accepts the base, the change is what it rejects, wherever the reader reports it (a
        // combinator above the key, say).
        let consider =
            |best: &mut Option<((usize, usize), Value)>, candidate: Value, base_accepted: bool| {
                if !self.is_witness(&candidate) {
                    return;
                }
                let length = json_length(&candidate);
                if best.as_ref().is_some_and(|(s, _)| (0, length) >= *s) {
                    // Not smaller than a witness already found, and no candidate scores
                    // below zero other violations: it cannot win.
                    return;
                }
                let (blamed, other) = self.blame_counts(&candidate, change);
                if blamed == 0 && !base_accepted {
                    return;
                }
                let other = if blamed == 0 { other + 1 } else { other };
                let score = (other, length);
                if best.as_ref().is_none_or(|(s, _)| score < *s) {
                    *best = Some((score, candidate));
                }
            };
        // With no base at all, one `null` to place values in.
        for i in 0.. {
            let base = match self.base(i) {
                Some(base) => base,
                None if i == 0 => Value::Null,
                None => break,
            };
            let base = &base;
            let accepted = self.reader_check.is_valid(base);
            if matches!(change.rule, "REQUIRED_ADDED" | "REQUIRED_REMOVED") {
                consider(&mut best, remove_at(base, &change.path), accepted);
                // Where the base has no such object: one generated for the writer, without
                // the key, placed there.
                if let Some((Step::Key(name), parent)) = change.path.split_last() {
                    for value in values.iter().filter(|v| v.get(name).is_some()) {
                        let mut object = value.clone();
                        if let Some(map) = object.as_object_mut() {
                            map.shift_remove(name);
                        }
                        for candidate in set_at(base, parent, object) {
                            consider(&mut best, candidate, accepted);
                        }
                    }
                }
            }
            for value in &values {
                for candidate in set_at(base, &change.path, value.clone()) {
                    consider(&mut best, candidate, accepted);
                }
            }
            if change.path.is_empty() {
                for value in &values {
                    consider(&mut best, value.clone(), false);
                }
            }
            // The first base that yields a witness gives the best one found: searching on
            // through every base costs the number of changes times the payload's size.
            if best.is_some() || Instant::now() > self.deadline {
                break;
            }
        }
        best.map(|(_, v)| v)
    }

    /// Values at the edges of the changed keywords, and one of every JSON type.
    fn boundary_values(&self, change: &Change, sub: &Value, reader_sub: &Value) -> Vec<Value> {
        let mut out = vec![
            Value::Null,
            Value::Bool(true),
            Value::from(0),
            Value::from(1.5),
            Value::from(""),
            Value::from("x"),
            Value::Array(Vec::new()),
            Value::Object(Map::new()),
        ];
        let mut harvested = Vec::new();
        // The values an enum change adds or removes are the ones worth trying.
        if let (Some(Value::Array(a)), Some(Value::Array(b))) = (&change.old, &change.new) {
            let set = |values: &[Value]| -> std::collections::HashSet<String> {
                values
                    .iter()
                    .map(crate::compat::schema::canonical)
                    .collect()
            };
            let (sa, sb) = (set(a), set(b));
            let differ = a
                .iter()
                .filter(|v| !sb.contains(&crate::compat::schema::canonical(v)))
                .chain(
                    b.iter()
                        .filter(|v| !sa.contains(&crate::compat::schema::canonical(v))),
                );
            out.extend(differ.take(HARVESTED_VALUES).cloned());
        }
        for v in [
            change.old.as_ref().filter(|v| !v.is_array()),
            change.new.as_ref().filter(|v| !v.is_array()),
            Some(sub),
            Some(reader_sub),
        ]
        .into_iter()
        .flatten()
        {
            harvest(v, &mut harvested);
        }
        // A change's own value counts as a length when the rule is about one.
        let item = self.item_sample(sub);
        for bound in harvested {
            match bound {
                Bound::Number(n) => out.extend(number_neighbours(&n)),
                Bound::Length(n) => {
                    for l in [n.saturating_sub(1), n, n + 1] {
                        let l = l.min(MAX_LENGTH_PROBE);
                        out.push(Value::from("a".repeat(l)));
                        out.push(Value::Array(vec![item.clone(); l]));
                        let object: Map<String, Value> =
                            (0..l).map(|i| (format!("k{i}"), Value::Null)).collect();
                        out.push(Value::Object(object));
                        let mut one_key = Map::new();
                        one_key.insert("k".repeat(l.max(1)), Value::Null);
                        out.push(Value::Object(one_key));
                    }
                }
                Bound::Value(v) => out.push(v),
            }
        }
        out.sort_by_cached_key(|v| v.to_string());
        out.dedup();
        if change.rule.starts_with("UNIQUE_ITEMS") {
            let item = self.item_sample(sub);
            out.push(Value::Array(vec![item.clone(), item]));
        }
        out
    }

    fn item_sample(&self, array_schema: &Value) -> Value {
        let items = array_schema
            .get("items")
            .filter(|i| !i.is_array())
            .unwrap_or(&Value::Bool(true));
        self.generate_in_order(items, Style::minimal())
            .unwrap_or(Value::Null)
    }
}

/// Whether a violation at `pointer` (in the payload) is one `change` applies to: at the
/// change's payload location, at its parent for rules about keys, or at an enclosing
/// combinator.
fn applies_at(pointer: &str, change: &Change) -> bool {
    let pattern = &change.path;
    let key_rule = matches!(
        change.rule,
        "REQUIRED_ADDED" | "REQUIRED_REMOVED" | "PROPERTY_ADDED" | "PROPERTY_REMOVED"
    );
    let whole_value = matches!(
        change.rule,
        "BOUND_TIGHTENED" | "ENUM_NARROWED" | "TYPE_NARROWED"
    );
    let tokens = crate::registry::position::pointer_tokens(pointer);
    let here = path_matches(&tokens, pattern);
    let parent =
        key_rule && !pattern.is_empty() && path_matches(&tokens, &pattern[..pattern.len() - 1]);
    let enclosing = !key_rule
        && !whole_value
        && tokens.len() < pattern.len()
        && path_matches(&tokens, &pattern[..tokens.len()]);
    here || parent || enclosing
}

/// The length of `value` written as compact JSON (what `to_string` would give), counted
/// without building the text.
fn json_length(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(usize::MAX, |()| count.0)
}

/// `base` with `value` placed at `path`, creating the objects and arrays on the way. "Any
/// element" gives two candidates: a new element after those there (past a tuple's positions,
/// shaped like the last one) and the first element changed in place.
fn set_at(base: &Value, path: &[Step], value: Value) -> Vec<Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![value];
    };
    match first {
        Step::Key(_) | Step::AnyKey | Step::Matching(_) => {
            let mut keys = vec![match first {
                Step::Key(k) => k.clone(),
                Step::Matching(pattern) => key_matching(pattern),
                _ => "undeclared_key".to_owned(),
            }];
            // A member the base already has there, when the step names any of several keys.
            if let Some(existing) = existing_member(base, first) {
                if !keys.contains(&existing) {
                    keys.insert(0, existing);
                }
            }
            let mut out = Vec::new();
            for key in keys {
                let child = base.get(&key).cloned().unwrap_or(Value::Null);
                for new_child in set_at(&child, rest, value.clone()) {
                    let mut map = base.as_object().cloned().unwrap_or_default();
                    map.insert(key.clone(), new_child);
                    out.push(Value::Object(map));
                }
            }
            out
        }
        Step::Index(_) | Step::AnyIndex => {
            let items = base.as_array().cloned().unwrap_or_default();
            let indices = match first {
                Step::Index(i) => vec![*i],
                _ if items.is_empty() || rest.is_empty() => vec![items.len()],
                _ => vec![items.len(), 0],
            };
            let mut out = Vec::new();
            for index in indices {
                let mut items = items.clone();
                let template = items.last().cloned().unwrap_or(Value::Null);
                while items.len() <= index {
                    items.push(if rest.is_empty() {
                        Value::Null
                    } else {
                        template.clone()
                    });
                }
                for new_child in set_at(&items[index], rest, value.clone()) {
                    let mut changed = items.clone();
                    changed[index] = new_child;
                    out.push(Value::Array(changed));
                }
            }
            out
        }
    }
}

/// `base` without the value at `path` (unchanged where the path does not exist).
/// The first member of `base` that a key step other than a fixed name (any key, or keys a
/// pattern matches) selects.
fn existing_member(base: &Value, step: &Step) -> Option<String> {
    let map = base.as_object()?;
    match step {
        Step::AnyKey => map.keys().next().cloned(),
        Step::Matching(pattern) => map
            .keys()
            .find(|k| crate::compat::schema::matches(pattern, k) == Some(true))
            .cloned(),
        _ => None,
    }
}

fn remove_at(base: &Value, path: &[Step]) -> Value {
    let mut out = base.clone();
    if let Some((last, parents)) = path.split_last() {
        let mut node = &mut out;
        for step in parents {
            let member = existing_member(node, step);
            let next = match (step, node) {
                (Step::AnyKey | Step::Matching(_), Value::Object(map)) => {
                    member.and_then(|k| map.get_mut(&k))
                }
                (Step::Key(k), Value::Object(map)) => map.get_mut(k),
                (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
                (Step::AnyIndex, Value::Array(items)) => items.get_mut(0),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return out,
            }
        }
        if let (Step::Key(k), Value::Object(map)) = (last, node) {
            map.shift_remove(k);
        }
    }
    out
}

/// The schema at `pointer`, or its nearest ancestor that is a schema (a pointer may name a
/// keyword's array, such as `/allOf`).
fn schema_at<'v>(root: &'v Value, pointer: &str) -> &'v Value {
    let mut pointer = pointer.to_owned();
    loop {
        if let Some(found) = root
            .pointer(&pointer)
            .filter(|v| v.is_object() || v.is_boolean())
        {
            return found;
        }
        match pointer.rfind('/') {
            Some(i) => pointer.truncate(i),
            None => return root,
        }
    }
}

/// Longest string, array or object tried at a length bound.
const MAX_LENGTH_PROBE: usize = 300;

/// A value worth trying at the edge of a keyword.
enum Bound {
    /// From minimum, maximum, exclusive bounds, multipleOf.
    Number(serde_json::Number),
    /// From the length, item-count and property-count bounds.
    Length(usize),
    /// From enum and const.
    Value(Value),
}

/// The bounds and constants a schema (or a keyword's value) mentions, anywhere inside.
fn harvest(value: &Value, out: &mut Vec<Bound>) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter().for_each(|i| harvest(i, out));
        }
        return;
    };
    for (key, child) in map {
        match key.as_str() {
            "enum" => out.extend(
                child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(HARVESTED_VALUES)
                    .cloned()
                    .map(Bound::Value),
            ),
            "const" | "default" => out.push(Bound::Value(child.clone())),
            "examples" => out.extend(
                child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .cloned()
                    .map(Bound::Value),
            ),
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                out.extend(child.as_number().cloned().map(Bound::Number));
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" => {
                out.extend(child.as_u64().map(|n| Bound::Length(n as usize)));
            }
            // Definitions and large property maps describe other places: their bounds are
            // tried where a change points at them, not everywhere.
            "$defs" | "definitions" => {}
            "properties"
                if child
                    .as_object()
                    .is_some_and(|p| p.len() > HARVESTED_PROPERTIES) => {}
            _ => harvest(child, out),
        }
    }
}

/// Values taken from one enum (or an enum change) as candidates.
const HARVESTED_VALUES: usize = 16;

/// Property maps up to this size are searched for bounds (small objects, `if` conditions).
const HARVESTED_PROPERTIES: usize = 8;

/// Every name under `properties`, `required` and dependencies anywhere in a schema, and keys
/// that `patternProperties` patterns match.
fn property_names(value: &Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match key.as_str() {
                    "properties" | "dependencies" | "dependentRequired" | "dependentSchemas" => {
                        out.extend(
                            child
                                .as_object()
                                .into_iter()
                                .flatten()
                                .map(|(k, _)| k.clone()),
                        );
                    }
                    "required" => out.extend(
                        child
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(str::to_owned)),
                    ),
                    "patternProperties" => {
                        for pattern in child.as_object().into_iter().flatten().map(|(k, _)| k) {
                            let body = pattern.trim_start_matches('^').trim_end_matches('$');
                            if let Ok(regex) = rand_regex::Regex::compile(body, 3) {
                                use rand::{RngExt, SeedableRng};
                                let mut rng = rand::rngs::StdRng::seed_from_u64(1);
                                out.insert(rng.sample::<String, _>(&regex));
                            }
                        }
                    }
                    _ => {}
                }
                if key != "enum" && key != "const" {
                    property_names(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| property_names(i, out)),
        _ => {}
    }
}

/// Whether a concrete payload location matches a change's path (wildcards match anything).
fn path_matches(tokens: &[String], pattern: &[Step]) -> bool {
    tokens.len() == pattern.len()
        && tokens.iter().zip(pattern).all(|(t, s)| match s {
            Step::Key(k) => t == k,
            Step::Index(i) => t.parse::<usize>().ok() == Some(*i),
            Step::AnyKey => true,
            Step::Matching(pattern) => crate::compat::schema::matches(pattern, t) != Some(false),
            Step::AnyIndex => t.parse::<usize>().is_ok(),
        })
}

/// The schema a change's proof reads: the subschema the change sits in, without the keyword
/// (or combinator branch) the pointer ends at; for rules about keys, the object.
fn proof_site(pointer: &str, key_rule: bool) -> String {
    let mut tokens = crate::registry::position::pointer_tokens(pointer);
    if key_rule {
        match tokens.as_slice() {
            [.., p, _] if p == "properties" => {
                tokens.truncate(tokens.len() - 2);
            }
            [.., r] if r == "required" => {
                tokens.pop();
            }
            _ => {}
        }
    } else {
        if tokens.last().is_some_and(|t| t.parse::<usize>().is_ok())
            && tokens.len() >= 2
            && matches!(
                tokens[tokens.len() - 2].as_str(),
                "allOf" | "anyOf" | "oneOf"
            )
        {
            tokens.pop();
        }
        if tokens
            .last()
            .is_some_and(|t| SITE_KEYWORDS.contains(&t.as_str()))
        {
            tokens.pop();
        }
    }
    tokens
        .iter()
        .map(|t| format!("/{}", crate::registry::position::escape_token(t)))
        .collect()
}

/// Keywords a change pointer may end at that are not themselves the changed subschema.
const SITE_KEYWORDS: &[&str] = &[
    "pattern",
    "format",
    "multipleOf",
    "contains",
    "not",
    "patternProperties",
    "propertyNames",
    "dependentRequired",
    "dependencies",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
];

/// Values around a bound: integers exactly (no rounding beyond 2^53), others in halves.
pub(crate) fn number_neighbours(n: &serde_json::Number) -> Vec<Value> {
    let exact = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match exact {
        Some(i) => {
            let mut out: Vec<Value> = (-1..=1).filter_map(|d| exact_integer(i + d)).collect();
            if i.abs() < 1 << 52 {
                for d in [-0.5, 0.5] {
                    out.extend(serde_json::Number::from_f64(i as f64 + d).map(Value::Number));
                }
            }
            out
        }
        None => {
            let x = n.as_f64().unwrap_or(0.0);
            let mut out = Vec::new();
            for d in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                let y = x + d;
                if y.fract() == 0.0 && y.abs() < 9.0e15 {
                    out.push(Value::from(y as i64));
                } else if let Some(num) = serde_json::Number::from_f64(y) {
                    out.push(Value::Number(num));
                }
            }
            // A float bound past the integers' range: the integers at its edge.
            if x.fract() == 0.0 && x.abs() >= 9.0e15 {
                if x > 0.0 {
                    out.push(Value::from(u64::MAX));
                    out.push(Value::from(i64::MAX));
                } else {
                    out.push(Value::from(i64::MIN));
                }
            }
            out
        }
    }
}

/// Why a change is undecided when the search ran out of time.
const OUT_OF_TIME: &str = "the time budget of the check ran out before this change was searched";
