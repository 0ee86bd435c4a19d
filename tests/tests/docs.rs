//! The documentation's links lead somewhere: every relative link and image in `README.md` and
//! `docs/` names a file or folder that exists (relative to the file that links), and every
//! `#anchor` names a heading of the markdown file it points into, made into an anchor the way
//! GitHub makes them. Links to the web (`http:`, `https:`) and `mailto:` are not followed.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    ringside_tests::workspace_root()
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    ringside_tests::files_with_extension(dir, "md", out);
}

/// The files checked: the README and every markdown file under `docs/`.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    markdown_files(&root().join("docs"), &mut files);
    files.sort();
    files
}

/// The lines of a markdown text that are not inside a fenced code block, with their numbers
/// (from 1). The fences themselves are left out too.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => lines.push((i + 1, line)),
            _ => {}
        }
    }
    lines
}

/// A line without its inline code spans, so that `` `[a](b)` `` is not taken for a link.
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let opener = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(opener) {
            Some(end) => rest = &after[end + ticks..],
            // An unmatched backtick is text.
            None => {
                out.push_str(opener);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Inline links and images, `[text](target)` and `![alt](target)`, reduced to their text:
/// what a heading's anchor is made from.
fn link_texts(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let Some(open) = rest[..at].rfind('[') else {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        let Some(close) = rest[at + 2..].find(')') else {
            break;
        };
        out.push_str(rest[..open].trim_end_matches('!'));
        out.push_str(&rest[open + 1..at]);
        rest = &rest[at + 2 + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A heading's anchor as GitHub makes it: lower case, letters, digits, `-` and `_` kept, each
/// space a `-`, anything else dropped.
fn slug(heading: &str) -> String {
    link_texts(heading)
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of a markdown text's headings; a heading met again gets `-1`, `-2`… as on
/// GitHub.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let heading = line[hashes..].trim().trim_end_matches('#').trim();
        let base = slug(heading);
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// Every link target of a markdown text, with its line: inline links and images
/// (`[text](target "title")`, `![alt](<target>)`) and reference definitions (`[name]: target`).
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (number, line) in prose_lines(text) {
        let line = without_code_spans(line);
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            if let Some(at) = trimmed.find("]: ") {
                if let Some(target) = trimmed[at + 3..].split_whitespace().next() {
                    targets.push((number, target.to_owned()));
                }
                continue;
            }
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            // The target ends at the `)` that closes the one this link opened.
            let mut depth = 0;
            let mut end = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => {
                        end = i;
                        break;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            let inside = after[..end].trim();
            let target = match inside.strip_prefix('<') {
                Some(bracketed) => bracketed.split('>').next().unwrap_or_default(),
                // A title may follow the target, after white space.
                None => inside.split_whitespace().next().unwrap_or_default(),
            };
            if !target.is_empty() {
                targets.push((number, target.to_owned()));
            }
            rest = &after[end.min(after.len())..];
        }
    }
    targets
}

fn is_external(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// `%20` and the like, as a browser reads a link.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What is wrong with one link of `file`, if anything.
fn broken(file: &Path, text: &str, target: &str) -> Option<String> {
    if is_external(target) {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let (linked, linked_text) = if path.is_empty() {
        (file.to_owned(), Some(text.to_owned()))
    } else {
        let relative = Path::new(path);
        if relative.is_absolute() {
            return Some("an absolute path: links must be relative".into());
        }
        let linked = file
            .parent()
            .expect("a document is in a folder")
            .join(percent_decoded(path));
        if !linked.exists() {
            return Some("no such file or folder".into());
        }
        // A link must not leave the repository.
        let mut depth: i64 = 0;
        let from_root = linked.strip_prefix(root()).unwrap_or(&linked);
        for component in from_root.components() {
            match component {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                _ => {}
            }
            if depth < 0 {
                return Some("leaves the repository".into());
            }
        }
        let text = linked
            .extension()
            .is_some_and(|e| e == "md")
            .then(|| std::fs::read_to_string(&linked).unwrap_or_default());
        (linked, text)
    };
    match (anchor, linked_text) {
        (Some(anchor), Some(linked_text)) if !anchors(&linked_text).contains(anchor) => {
            Some(format!(
                "no heading makes the anchor #{anchor} in {}",
                linked.strip_prefix(root()).unwrap_or(&linked).display()
            ))
        }
        _ => None,
    }
}

#[test]
fn every_relative_link_leads_to_a_file_and_every_anchor_to_a_heading() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in documents() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (line, target) in link_targets(&text) {
            if is_external(&target) {
                continue;
            }
            checked += 1;
            if let Some(why) = broken(&file, &text, &target) {
                problems.push(format!("{name}:{line}: ({target}): {why}"));
            }
        }
    }
    assert!(
        checked > 30,
        "found only {checked} relative links: is the link reader broken?"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_document_of_docs_is_in_its_index() {
    let docs = root().join("docs");
    let index = std::fs::read_to_string(docs.join("README.md")).unwrap();
    let linked: BTreeSet<String> = link_targets(&index)
        .into_iter()
        .map(|(_, target)| target.split('#').next().unwrap_or_default().to_owned())
        .collect();
    let mut files = Vec::new();
    markdown_files(&docs, &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&docs).ok())
        .map(|f| f.display().to_string())
        .filter(|f| f != "README.md" && !linked.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/README.md does not list: {missing:?}"
    );
}

#[test]
fn the_link_reader_reads_links_and_headings_as_github_does() {
    assert_eq!(slug("The insight card's shape"), "the-insight-cards-shape");
    assert_eq!(
        slug("Call back: `POST /api/v1/dial`"),
        "call-back-post-apiv1dial"
    );
    assert_eq!(
        slug("What it logs (the seed's rules)"),
        "what-it-logs-the-seeds-rules"
    );
    assert_eq!(slug("See [the guide](guide.md) now"), "see-the-guide-now");
    assert_eq!(slug("Réglages 2"), "réglages-2");

    let text = "# A\n\n```sh\n# not a heading\n[x](not-a-link.md)\n```\n## A\n\
                See [b](b.md#a-1 \"title\"), ![c](<c d.png>), `[e](code.md)`, [f](http://x.y).\n\
                [ref]: r.md\n";
    assert_eq!(
        anchors(text),
        ["a", "a-1"].into_iter().map(String::from).collect()
    );
    let targets: Vec<String> = link_targets(text).into_iter().map(|(_, t)| t).collect();
    assert_eq!(targets, ["b.md#a-1", "c d.png", "http://x.y", "r.md"]);
    assert_eq!(percent_decoded("a%20b.png"), "a b.png");
}
