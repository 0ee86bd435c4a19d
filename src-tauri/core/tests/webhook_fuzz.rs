//! Hostile webhooks: Aircall's 37 live samples (`fixtures/aircall-webhook-samples.json`),
//! mutated (fields dropped, types changed, extreme numbers, hostile strings, event names swapped,
//! bytes cut or inserted), go through the decoder (`Envelope::parse`, `Event::from_stored`), the
//! caller's and the line's numbers through the phone parser, and every typed event (call,
//! message, AI insight) through the rules and the notes they write. Nothing panics, and every body is accounted for: refused with a reason,
//! set aside with a reason, or typed; a typed event redelivered plans nothing more.
//!
//! The case counts add up to 100,000 across the properties of this file and `phone_fuzz.rs`
//! with `RINGSIDE_FUZZ=full`, which `cargo xtask test` sets (about six minutes on two cores in
//! a debug build); a plain `cargo test` runs a twentieth of them. Cases proptest finds are kept
//! in `webhook_fuzz.proptest-regressions` next to this file and replayed first.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use ringside_core::phone::{CallerId, Region};
use ringside_core::rules::{self, notes, CallMemory, MessageMemory, Settings};
use ringside_core::webhook::{Envelope, Event, WebhookError};
use serde_json::{json, Value};

const SAMPLES: &str = include_str!("fixtures/aircall-webhook-samples.json");

fn samples() -> &'static [Value] {
    static PARSED: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        let all: Value = serde_json::from_str(SAMPLES).expect("the samples are JSON");
        all["samples"]
            .as_array()
            .expect("a list of samples")
            .clone()
    })
}

/// The number of cases of a property: its share of the 100,000 when `RINGSIDE_FUZZ=full` (as
/// `cargo xtask test` runs them), a twentieth of it otherwise, so that a debug `cargo test`
/// stays quick.
fn cases(share: u32) -> u32 {
    match std::env::var("RINGSIDE_FUZZ").as_deref() {
        Ok("full") => share,
        _ => share / 20,
    }
}

fn config(share: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(share),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// Strings a hostile or broken sender may put anywhere.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("anonymous".to_owned()),
        Just("+".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("\u{0}\u{1b}[31m\u{202e}".to_owned()),
        Just("+33 6 39 20 30 69".to_owned()),
        Just("0033 6 39 20 30 69".to_owned()),
        Just("99999999999999999999999999".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("x".repeat(70_000)),
        Just("👩‍👩‍👧‍👦".repeat(100)),
        any::<String>(),
        "[+0-9 ().-]{0,30}",
    ]
}

/// Numbers at and beyond the edges of what the fields hold.
fn extreme_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(1.5e308)),
        Just(json!(-0.0)),
        Just(json!(i64::MIN + 1)),
        Just(json!(i64::MAX - 29)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
    ]
}

/// Any JSON value, a few levels deep.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        extreme_number(),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change to a sample.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the field at a path.
    Drop(Index),
    /// Replace the value at a path.
    Replace(Index, Value),
    /// Replace a number somewhere with an extreme one.
    Extreme(Index, Value),
    /// Replace a string somewhere with a hostile one.
    Hostile(Index, String),
    /// Give the envelope another event name (a call's data read as a message's, …).
    Rename(String),
    /// Put `data` under `data.message`, as one source does.
    Nest,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let events = rules_events();
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        (any::<Index>(), any_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (any::<Index>(), extreme_number()).prop_map(|(i, v)| Mutation::Extreme(i, v)),
        (any::<Index>(), hostile_string()).prop_map(|(i, s)| Mutation::Hostile(i, s)),
        prop_oneof![prop::sample::select(events), "[a-z._]{0,24}"].prop_map(Mutation::Rename),
        Just(Mutation::Nest),
    ]
}

/// The event names the decoder types, and a few it does not.
fn rules_events() -> Vec<String> {
    let mut names: Vec<String> = ringside_core::webhook::SUBSCRIBED_EVENTS
        .iter()
        .map(|e| (*e).to_owned())
        .collect();
    names.extend(
        [
            "number.opened",
            "call.archived",
            "call.",
            "message.",
            "user.",
        ]
        .map(String::from),
    );
    names
}

/// Every path in a value, parents before children.
fn paths(value: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                here.push(PathStep::Key(k.clone()));
                out.push(here.clone());
                paths(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(PathStep::At(i));
                out.push(here.clone());
                paths(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    At(usize),
}

fn pointer(path: &[PathStep]) -> String {
    path.iter()
        .map(|step| match step {
            PathStep::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            PathStep::At(i) => format!("/{i}"),
        })
        .collect()
}

/// The paths of `value` whose value satisfies `keep`.
fn paths_where(value: &Value, keep: impl Fn(&Value) -> bool) -> Vec<Vec<PathStep>> {
    let mut all = Vec::new();
    paths(value, &mut Vec::new(), &mut all);
    all.into_iter()
        .filter(|p| value.pointer(&pointer(p)).is_some_and(&keep))
        .collect()
}

fn replace_at(value: &mut Value, path: &[PathStep], new: Value) {
    if let Some(slot) = value.pointer_mut(&pointer(path)) {
        *slot = new;
    }
}

fn drop_at(value: &mut Value, path: &[PathStep]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match (value.pointer_mut(&pointer(parent)), last) {
        (Some(Value::Object(map)), PathStep::Key(k)) => {
            map.remove(k);
        }
        (Some(Value::Array(items)), PathStep::At(i)) if *i < items.len() => {
            items.remove(*i);
        }
        _ => {}
    }
}

fn apply(value: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Drop(i) => {
            let all = paths_where(value, |_| true);
            if !all.is_empty() {
                drop_at(value, &all[i.index(all.len())]);
            }
        }
        Mutation::Replace(i, new) => {
            let all = paths_where(value, |_| true);
            if !all.is_empty() {
                replace_at(value, &all[i.index(all.len())], new.clone());
            }
        }
        Mutation::Extreme(i, new) => {
            let numbers = paths_where(value, Value::is_number);
            if !numbers.is_empty() {
                replace_at(value, &numbers[i.index(numbers.len())], new.clone());
            }
        }
        Mutation::Hostile(i, new) => {
            let strings = paths_where(value, Value::is_string);
            if !strings.is_empty() {
                let at = &strings[i.index(strings.len())];
                replace_at(value, at, Value::String(new.clone()));
            }
        }
        Mutation::Rename(name) => value["event"] = Value::String(name.clone()),
        Mutation::Nest => {
            let data = value["data"].take();
            value["data"] = json!({ "message": data });
        }
    }
}

/// Byte-level damage to a serialised body: cut it, or splice bytes into it.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Cut(Index),
    Splice(Index, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        8 => Just(Damage::None),
        1 => any::<Index>().prop_map(Damage::Cut),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Damage::Splice(i, b)),
    ]
}

fn body(sample: &Value, mutations: &[Mutation], damage: &Damage) -> Vec<u8> {
    let mut value = sample.clone();
    for m in mutations {
        apply(&mut value, m);
    }
    let mut bytes = serde_json::to_vec(&value).expect("a value serialises");
    match damage {
        Damage::None => {}
        Damage::Cut(i) => bytes.truncate(i.index(bytes.len().max(1))),
        Damage::Splice(i, extra) => {
            let at = i.index(bytes.len().max(1));
            bytes.splice(at..at, extra.iter().copied());
        }
    }
    bytes
}

/// What became of a body.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Refused,
    SetAside,
    Call,
    Message,
    User,
    Line,
    Insight,
    Ignored,
}

/// The settings the rules run with: the defaults, and the widest tag window there is.
fn settings() -> [Settings; 2] {
    let widest = Settings {
        tag_window_secs: i64::MAX,
        log_missed_calls: false,
        ai_topics_as_tags: true,
        ..Settings::default()
    };
    [Settings::default(), widest]
}

/// Decodes a body and runs everything that reads it; panics only on a broken promise.
fn follow(body: &[u8]) -> Fate {
    let env = match Envelope::parse(body) {
        Ok(env) => env,
        Err(e) => {
            assert!(matches!(e, WebhookError::Malformed(_)), "{e:?}");
            assert!(e.to_string().len() > "malformed webhook: ".len(), "{e}");
            return Fate::Refused;
        }
    };
    let stored = env.stored();
    let event = match Event::from_stored(&stored) {
        Ok(event) => event,
        Err(e) => {
            assert!(matches!(e, WebhookError::BadData { .. }), "{e:?}");
            assert!(!e.to_string().is_empty());
            return Fate::SetAside;
        }
    };
    let fr = Region::parse("FR").unwrap();
    match event {
        Event::Call {
            kind,
            call,
            timestamp,
        } => {
            let _ = CallerId::parse(&call.raw_digits, fr);
            let _ = notes::call_summary(&call);
            let _ = notes::call_first_message(&call);
            for comment in &call.comments {
                let _ = notes::comment_note(comment);
            }
            for settings in settings() {
                let (planned, memory) =
                    rules::plan_call(kind, &call, timestamp, &CallMemory::default(), &settings);
                let (again, _) = rules::plan_call(kind, &call, timestamp, &memory, &settings);
                assert!(
                    again.is_empty(),
                    "a redelivered {kind:?} planned more: {again:?} after {planned:?}"
                );
            }
            Fate::Call
        }
        Event::Message { kind, message, .. } => {
            for raw in [&message.external_number, &message.raw_digits]
                .into_iter()
                .flatten()
            {
                let _ = CallerId::parse(raw, fr);
            }
            let _ = notes::message_note(&message);
            let _ = notes::message_first_message(&message);
            for settings in settings() {
                let (planned, memory) =
                    rules::plan_message(kind, &message, &MessageMemory::default(), &settings);
                let (again, _) = rules::plan_message(kind, &message, &memory, &settings);
                assert!(
                    again.is_empty(),
                    "a redelivered {kind:?} planned more: {again:?} after {planned:?}"
                );
            }
            Fate::Message
        }
        Event::User(_) => Fate::User,
        Event::Line(line) => {
            let _ = CallerId::parse(&line.digits, fr);
            Fate::Line
        }
        Event::Insight(insight) => {
            let _ = notes::insight_note(&insight);
            for settings in settings() {
                let (planned, memory) =
                    rules::plan_insight(&insight, &CallMemory::default(), &settings);
                let (again, _) = rules::plan_insight(&insight, &memory, &settings);
                assert!(
                    again.is_empty(),
                    "a redelivered insight planned more: {again:?} after {planned:?}"
                );
            }
            Fate::Insight
        }
        Event::Ignored { name } => {
            assert_eq!(name, stored.event);
            Fate::Ignored
        }
    }
}

fn sample() -> impl Strategy<Value = &'static Value> {
    prop::sample::select(samples().iter().collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(config(60_000))]

    /// A mutated sample, serialised, perhaps damaged: no panic, and a fate with a reason.
    #[test]
    fn a_mutated_sample_is_decoded_or_refused_and_never_panics(
        sample in sample(),
        mutations in prop::collection::vec(mutation(), 1..5),
        damage in damage(),
    ) {
        follow(&body(sample, &mutations, &damage));
    }
}

proptest! {
    #![proptest_config(config(20_000))]

    /// A call sample whose times are extreme, as a hostile or broken sender could write them.
    #[test]
    fn a_call_with_extreme_times_is_logged_without_overflow(
        sample in prop::sample::select(
            samples().iter().filter(|s| s["resource"] == "call").collect::<Vec<_>>()
        ),
        started in extreme_number(),
        answered in extreme_number(),
        ended in extreme_number(),
        duration in extreme_number(),
        timestamp in extreme_number(),
    ) {
        let mut value = sample.clone();
        value["data"]["started_at"] = started;
        value["data"]["answered_at"] = answered;
        value["data"]["ended_at"] = ended;
        value["data"]["duration"] = duration;
        value["timestamp"] = timestamp;
        value["event"] = json!("call.ended");
        let fate = follow(&serde_json::to_vec(&value).unwrap());
        prop_assert!(matches!(fate, Fate::Call | Fate::SetAside | Fate::Refused), "{fate:?}");
    }
}

#[test]
fn every_live_sample_is_typed_or_knowingly_ignored() {
    // Unmutated, each sample is what Aircall sends: none is refused or set aside.
    for sample in samples() {
        let fate = follow(&serde_json::to_vec(sample).unwrap());
        let event = sample["event"].as_str().unwrap();
        let expected = match event.split('.').next() {
            Some("call") if !matches!(event, "call.hold" | "call.unhold" | "call.archived") => {
                Fate::Call
            }
            Some("user") => Fate::User,
            Some("number") if event != "number.deleted" => Fate::Line,
            _ => Fate::Ignored,
        };
        assert_eq!(fate, expected, "{event}");
    }
}

#[test]
fn the_overflowing_start_of_the_issue_is_an_unknown_waiting_time() {
    // `started_at: -9223372036854775808` overflowed the waiting time's subtraction.
    let sample = samples()
        .iter()
        .find(|s| s["event"] == "call.ended")
        .expect("a call.ended sample");
    let mut value = sample.clone();
    value["data"]["started_at"] = json!(i64::MIN);
    value["data"]["answered_at"] = json!(1_646_392_400);
    value["data"]["ended_at"] = json!(1_646_392_500);
    let env = Envelope::parse(&serde_json::to_vec(&value).unwrap()).unwrap();
    let Event::Call { call, .. } = Event::from_stored(&env.stored()).unwrap() else {
        panic!("a call event");
    };
    let summary = notes::call_summary(&call);
    assert!(summary.contains("Waiting time: unknown"), "{summary}");
    assert!(summary.contains("Duration: 1 min 40 s"), "{summary}");
}

proptest! {
    #![proptest_config(config(500))]

    /// A batch of mutated samples that pass the receiver, stored and run through the real
    /// processor (subjects, rules, outbox) on a database: none stays pending, each is counted.
    #[test]
    fn a_batch_of_hostile_webhooks_leaves_no_webhook_stuck_in_the_inbox(
        batch in prop::collection::vec(
            (sample(), prop::collection::vec(mutation(), 0..3)),
            1..12,
        ),
    ) {
        let store = ringside_core::store::Store::open_in_memory().unwrap();
        let mut stored = 0;
        for (sample, mutations) in &batch {
            let mut value = (*sample).clone();
            for m in mutations {
                apply(&mut value, m);
            }
            let Ok(envelope) = Envelope::parse(&serde_json::to_vec(&value).unwrap()) else {
                continue;
            };
            store.inbox_push(&envelope.stored(), 1_700_000_000).unwrap();
            stored += 1;
        }
        let processor = ringside_core::pipeline::processor::Processor::new(
            store.clone(),
            Settings::default(),
            std::sync::Arc::new(|| 1_700_000_000),
        );
        let done = processor.process_pending().unwrap();
        prop_assert_eq!(done.webhooks, stored);
        prop_assert_eq!(store.inbox_depth().unwrap(), 0);
        // A second pass finds nothing left to do.
        prop_assert_eq!(processor.process_pending().unwrap().webhooks, 0);
    }
}
