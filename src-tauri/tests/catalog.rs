//! The two catalogs (`src-tauri/locales/en`, `fr`) say the same things: the same files, the
//! same messages, the same attributes and the same placeholders, and both parse. Every message
//! the windows, the tray, the notifications and the errors ask for is in them. And no word an
//! agent reads is left in `ui/` outside the catalog: a scan of the HTML's text and visible
//! attributes and of the scripts' string literals, with a short list of justified exceptions.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

/// What a message is made of: its attributes, and the variables each part refers to.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    has_value: bool,
    attributes: BTreeMap<String, BTreeSet<String>>,
    variables: BTreeSet<String>,
}

fn pattern_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                pattern_variables(&variant.value, out);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for arg in &arguments.positional {
                inline_variables(arg, out);
            }
        }
        _ => {}
    }
}

/// The messages of one language: id → shape, read from every `.ftl` file of its directory.
fn catalog(lang: &str) -> (Vec<String>, BTreeMap<String, Shape>) {
    let dir = root().join("locales").join(lang);
    let mut names = Vec::new();
    let mut messages = BTreeMap::new();
    for path in files(&dir, "ftl") {
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        let source = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let mut variables = BTreeSet::new();
                if let Some(value) = &message.value {
                    pattern_variables(value, &mut variables);
                }
                let attributes = message
                    .attributes
                    .iter()
                    .map(|a| {
                        let mut vars = BTreeSet::new();
                        pattern_variables(&a.value, &mut vars);
                        (a.id.name.to_owned(), vars)
                    })
                    .collect();
                let shape = Shape {
                    has_value: message.value.is_some(),
                    attributes,
                    variables,
                };
                let id = message.id.name.to_owned();
                assert!(
                    messages.insert(id.clone(), shape).is_none(),
                    "{lang}: `{id}` is defined twice"
                );
            }
        }
    }
    (names, messages)
}

#[test]
fn english_and_french_have_the_same_messages_attributes_and_placeholders() {
    let (en_files, en) = catalog("en");
    let (fr_files, fr) = catalog("fr");
    assert_eq!(en_files, fr_files, "the two catalogs have different files");
    let en_ids: BTreeSet<_> = en.keys().collect();
    let fr_ids: BTreeSet<_> = fr.keys().collect();
    assert_eq!(
        en_ids.difference(&fr_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "messages missing in French"
    );
    assert_eq!(
        fr_ids.difference(&en_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "messages missing in English"
    );
    for (id, shape) in &en {
        assert_eq!(Some(shape), fr.get(id), "`{id}` differs between en and fr");
    }
    assert!(
        en.len() > 150,
        "the catalog is unexpectedly small: {}",
        en.len()
    );
}

/// Every string literal of a script (quotes and the text parts of template literals),
/// comments skipped, with its line.
fn js_literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    // Template literals whose `${…}` is open: the brace depth at which each resumes.
    let mut templates: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let read_template = |i: &mut usize, line: &mut usize, out: &mut Vec<(usize, String)>| {
        // Reads template text from `i` up to the closing backtick or a `${`; says which.
        let (start, mut text) = (*line, String::new());
        while *i < chars.len() {
            let c = chars[*i];
            if c == '\\' {
                text.push(chars[*i + 1]);
                *i += 2;
                continue;
            }
            if c == '`' {
                *i += 1;
                out.push((start, text));
                return false;
            }
            if c == '$' && chars.get(*i + 1) == Some(&'{') {
                *i += 2;
                out.push((start, text));
                return true;
            }
            if c == '\n' {
                *line += 1;
            }
            text.push(c);
            *i += 1;
        }
        out.push((start, text));
        false
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            '"' | '\'' => {
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push((line, text));
            }
            '`' => {
                i += 1;
                if read_template(&mut i, &mut line, &mut out) {
                    templates.push(depth);
                    depth += 1;
                }
            }
            '{' => {
                depth += 1;
                i += 1;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                i += 1;
                if templates.last() == Some(&depth) {
                    templates.pop();
                    if read_template(&mut i, &mut line, &mut out) {
                        templates.push(depth);
                        depth += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether a literal reads as words for people: a capitalised word, or two words side by side.
fn reads_as_words(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    let capitalised = words.iter().any(|w| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
    });
    let phrase = text.contains(' ') && words.len() >= 2;
    capitalised || phrase
}

/// Literals that look like words but are not read by the agent, each with its reason.
const SCRIPT_EXCEPTIONS: &[(&str, &str)] = &[
    ("Escape", "a key name (KeyboardEvent.key)"),
    ("Enter", "a key name (KeyboardEvent.key)"),
    ("message info", "CSS classes"),
    ("message error", "CSS classes"),
    ("message ", "the start of a CSS class list"),
    ("chip ", "the start of a CSS class list"),
    ("dot ", "the start of a CSS class list"),
    ("dial-result ", "the start of a CSS class list"),
    ("chips readonly", "CSS classes"),
    ("chip applied", "CSS classes"),
    ("fieldset[data-mode=", "a CSS selector"),
    ("] input", "a CSS selector"),
    ("catalog:", "a console message for developers"),
];

#[test]
fn no_word_in_the_windows_is_left_outside_the_catalog() {
    let ui = root().join("..").join("ui");
    let mut found = Vec::new();
    for path in files(&ui.join("js"), "js") {
        let source = std::fs::read_to_string(&path).unwrap();
        for (line, text) in js_literals(&source) {
            let excepted = SCRIPT_EXCEPTIONS.iter().any(|(e, _)| *e == text);
            if reads_as_words(&text) && !excepted {
                found.push(format!("{}:{line}: {text:?}", path.display()));
            }
        }
    }
    for path in files(&ui, "html") {
        let source = std::fs::read_to_string(&path).unwrap();
        for (n, line) in source.lines().enumerate() {
            // Text between tags. The window titles stay as they are: the window manager shows
            // "Ringside" (the product's name) and the tests find each window by its title.
            for text in line.split('>').skip(1).filter_map(|s| s.split('<').next()) {
                let excepted = ["Ringside", "Ringside — call"].contains(&text.trim());
                if text.chars().any(char::is_alphabetic) && !excepted {
                    found.push(format!("{}:{}: {:?}", path.display(), n + 1, text.trim()));
                }
            }
            // Attributes the agent reads (web addresses in placeholders are examples, not
            // words).
            for attribute in ["placeholder=\"", "title=\"", "aria-label=\"", "alt=\""] {
                for value in line.split(attribute).skip(1) {
                    let value = value.split('"').next().unwrap_or("");
                    if value.chars().any(char::is_alphabetic) && !value.starts_with("http") {
                        found.push(format!("{}:{}: {value:?}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "words outside the catalog:\n{}",
        found.join("\n")
    );
}

/// The ids a text asks for after each of `openers` (e.g. `t("`), up to the closing quote.
/// Line breaks and indentation (rustfmt splits long calls) do not hide a call.
fn asked(source: &str, openers: &[&str]) -> Vec<String> {
    let source = source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(");
    let mut out = Vec::new();
    for opener in openers {
        for rest in source.split(opener).skip(1) {
            if let Some(id) = rest.split('"').next() {
                let named = id.starts_with(|c: char| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                if named {
                    out.push(id.to_owned());
                }
            }
        }
    }
    out
}

#[test]
fn every_message_asked_for_is_in_the_catalog() {
    let (_, en) = catalog("en");
    let ui = root().join("..").join("ui");
    let mut sources: Vec<PathBuf> = files(&ui.join("js"), "js");
    sources.extend(files(&ui, "html"));
    let mut missing = Vec::new();
    let mut count = 0;
    for path in &sources {
        let source = std::fs::read_to_string(path).unwrap();
        for id in asked(
            &source,
            &[
                "t(\"",
                "attr(\"",
                "data-l10n-id=\"",
                "data-name=\"",
                "), \"",
            ],
        ) {
            // `), "` (the id `l10n(node, id)` gives) also catches other arguments; only those
            // shaped like a message id (lowercase words joined by hyphens) count.
            if id.contains('-') || en.contains_key(&id) {
                count += 1;
                if !en.contains_key(&id) && !path.ends_with("api.js") {
                    missing.push(format!("{}: {id}", path.display()));
                }
            }
        }
    }
    let src = root().join("src");
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for id in asked(
                    &source,
                    &[
                        "text(\"",
                        "text_in(lang, \"",
                        "NotConfigured(\"",
                        "words(\"",
                        "&str = \"",
                    ],
                ) {
                    // Message ids have a hyphen, and the desk's sentences (`desk/words.rs`) are
                    // named `words-…`; other constants (`"settings"`, header names) are not ids.
                    let constant = source.contains(&format!("&str = \"{id}\""));
                    if !id.contains('-') || (constant && !id.starts_with("words-")) {
                        continue;
                    }
                    count += 1;
                    if !en.contains_key(&id) && id != "no-such-key" {
                        missing.push(format!("{}: {id}", path.display()));
                    }
                }
            }
        }
    }
    assert!(count > 100, "the scan found only {count} uses");
    assert!(
        missing.is_empty(),
        "not in the catalog:\n{}",
        missing.join("\n")
    );
}
