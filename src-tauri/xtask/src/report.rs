//! What `cargo xtask test` says at the end: the ten slowest tests, and how many passed.
//!
//! The engine's tests run under cargo-nextest, which writes a JUnit report with each test's time
//! (read by [`read_junit`]). The desktop app's tests run under `cargo test`, one test binary after
//! the other, whose output gives each binary's time (`finished in 12.34s`), not each test's
//! (read by [`read_cargo_test_log`]): a desktop binary counts as one entry in the list, named as
//! such. Both readers are tested on output the tools really wrote (`samples/`).

/// One timed entry: a test, or a whole test binary.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    /// `<binary id> <test name>` as nextest names them, or `<package> <source file>` for a
    /// whole binary run by `cargo test`.
    pub name: String,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// For a whole binary: how many tests it ran (passed or failed).
    pub binary_of: Option<u32>,
}

/// What a run counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u32,
    pub failed: u32,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// The tests of a JUnit report that cargo-nextest wrote (`[profile.<name>.junit]`), and its
/// counts (a test that passed on a retry counts as passed, as nextest counts it).
pub fn read_junit(xml: &str) -> Result<(Vec<Timed>, Counts), String> {
    let mut tests = Vec::new();
    let mut counts = None;
    for (tag, attributes) in start_tags(xml) {
        let attribute = |name: &str| {
            attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let number = |name: &str| -> Result<u32, String> {
            let text = attribute(name).unwrap_or("0");
            text.parse()
                .map_err(|_| format!("JUnit <{tag}> has {name}=\"{text}\""))
        };
        match tag.as_str() {
            "testsuites" => {
                let (tests, failures, errors) =
                    (number("tests")?, number("failures")?, number("errors")?);
                counts = Some(Counts {
                    passed: tests.saturating_sub(failures + errors),
                    failed: failures + errors,
                });
            }
            "testcase" => {
                let (Some(name), Some(binary), Some(time)) =
                    (attribute("name"), attribute("classname"), attribute("time"))
                else {
                    return Err(format!(
                        "a JUnit <testcase> without name, classname or time: {attributes:?}"
                    ));
                };
                let seconds = time
                    .parse()
                    .map_err(|_| format!("JUnit <testcase name=\"{name}\"> has time=\"{time}\""))?;
                tests.push(Timed {
                    name: format!("{binary} {name}"),
                    seconds,
                    binary_of: None,
                });
            }
            _ => {}
        }
    }
    let counts = counts.ok_or("not a JUnit report: no <testsuites>")?;
    Ok((tests, counts))
}

/// The start tags of an XML document (elements' names and their attributes, unescaped), in
/// order. Enough for the reports nextest writes: no CDATA, no DTD; text and comments skipped.
fn start_tags(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with("!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
            continue;
        }
        if rest.starts_with('/') || rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || rest.starts_with('>') || rest.starts_with("/>") {
                break;
            }
            let Some(eq) = rest.find('=') else { break };
            let key = rest[..eq].trim().to_owned();
            rest = rest[eq + 1..].trim_start();
            let Some(quote) = rest.chars().next().filter(|q| *q == '"' || *q == '\'') else {
                break;
            };
            let Some(close) = rest[1..].find(quote) else {
                break;
            };
            attributes.push((key, unescape(&rest[1..1 + close])));
            rest = &rest[close + 2..];
        }
        tags.push((name, attributes));
    }
    tags
}

/// XML's five entities and numeric character references.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The test binaries of a `cargo test` run of `package` (its standard output and error, in
/// order, as `2>&1` gives them): each binary's time from libtest's closing line, and the counts.
pub fn read_cargo_test_log(package: &str, log: &str) -> (Vec<Timed>, Counts) {
    let mut binaries = Vec::new();
    let mut counts = Counts::default();
    let mut current: Option<String> = None;
    for line in log.lines() {
        let line = line.trim();
        if let Some(running) = line.strip_prefix("Running ") {
            // `Running unittests src/lib.rs (target/debug/deps/ringside_lib-…)`,
            // `Running tests/e2e.rs (target/debug/deps/e2e-…)`
            let source = running.split(" (").next().unwrap_or(running);
            let source = source.strip_prefix("unittests ").unwrap_or(source);
            current = Some(source.to_owned());
        } else if let Some(doc) = line.strip_prefix("Doc-tests ") {
            current = Some(format!("doc tests of {doc}"));
        } else if let Some(result) = line.strip_prefix("test result: ") {
            let field = |suffix: &str| -> Option<u32> {
                result.split(';').find_map(|part| {
                    let part = part.trim();
                    let part = part.split_once(". ").map_or(part, |(_, p)| p);
                    part.strip_suffix(suffix)?.trim().parse().ok()
                })
            };
            let passed = field(" passed").unwrap_or(0);
            let failed = field(" failed").unwrap_or(0);
            let seconds = result
                .rsplit_once("finished in ")
                .and_then(|(_, t)| t.trim_end_matches('s').parse().ok())
                .unwrap_or(0.0);
            counts += Counts { passed, failed };
            let source = current.take().unwrap_or_else(|| "?".to_owned());
            binaries.push(Timed {
                name: format!("{package} {source}"),
                seconds,
                binary_of: Some(passed + failed),
            });
        }
    }
    (binaries, counts)
}

/// The `count` slowest entries, slowest first, as lines to print.
pub fn slowest(entries: &[Timed], count: usize) -> Vec<String> {
    let mut sorted: Vec<&Timed> = entries.iter().collect();
    sorted.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then(a.name.cmp(&b.name)));
    sorted
        .into_iter()
        .take(count)
        .map(|t| {
            let what = match t.binary_of {
                None => String::new(),
                Some(1) => "  (whole binary: 1 test, run by cargo test)".to_owned(),
                Some(n) => format!("  (whole binary: {n} tests, run by cargo test)"),
            };
            format!("{:>8.1} s  {}{what}", t.seconds, t.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by cargo-nextest 0.9.143 (`[profile.default.junit]`, `retries = 1`) for a crate
    /// with a slow and a quick unit test, a failing test (its message full of `<`, `&` and
    /// quotes), a test that failed once and passed on its retry, and an ignored one.
    const JUNIT: &str = include_str!("samples/nextest-junit.xml");

    /// `cargo test --lib --bins --tests --examples --no-fail-fast 2>&1` (cargo 1.95) on the same
    /// crate, with a binary of no tests.
    const CARGO_TEST_LOG: &str = include_str!("samples/cargo-test.log");

    #[test]
    fn every_test_of_nextests_report_is_read_with_its_time() {
        let (tests, counts) = read_junit(JUNIT).unwrap();
        let names: Vec<(&str, f64)> = tests.iter().map(|t| (t.name.as_str(), t.seconds)).collect();
        assert_eq!(
            names,
            [
                ("sample tests::quick_one", 0.007),
                ("sample tests::slow_one", 1.508),
                ("sample::flows fails", 0.006),
                ("sample::flows flaky_then_passes", 0.006),
                ("sample::flows middle", 0.306),
            ]
        );
        // The failure's retry and the flaky test's first attempt have times of their own: they
        // are not tests.
        assert!(tests.iter().all(|t| t.binary_of.is_none()));
        assert_eq!(
            counts,
            Counts {
                passed: 4,
                failed: 1
            }
        );
    }

    #[test]
    fn escaped_names_read_as_written() {
        let xml = r#"<testsuites tests="1" failures="0" errors="0"><testcase name="a::&lt;T&gt; &amp; &quot;b&quot; &#x41;&#66;" classname="p::t" time="2.5"/></testsuites>"#;
        let (tests, _) = read_junit(xml).unwrap();
        assert_eq!(tests[0].name, r#"p::t a::<T> & "b" AB"#);
        assert_eq!(tests[0].seconds, 2.5);
    }

    #[test]
    fn what_is_not_a_report_is_an_error() {
        assert!(read_junit("").is_err());
        assert!(read_junit("<testsuites tests=\"x\"/>").is_err());
        assert!(read_junit(
            r#"<testsuites tests="1"><testcase name="t" classname="b" time="soon"/></testsuites>"#
        )
        .is_err());
    }

    #[test]
    fn each_binary_of_a_cargo_test_run_is_read_with_its_time() {
        let (binaries, counts) = read_cargo_test_log("sample", CARGO_TEST_LOG);
        let read: Vec<(&str, f64, Option<u32>)> = binaries
            .iter()
            .map(|b| (b.name.as_str(), b.seconds, b.binary_of))
            .collect();
        assert_eq!(
            read,
            [
                ("sample src/lib.rs", 1.50, Some(2)),
                ("sample src/main.rs", 0.0, Some(0)),
                ("sample tests/flows.rs", 0.30, Some(3)),
            ]
        );
        assert_eq!(
            counts,
            Counts {
                passed: 3,
                failed: 2
            }
        );
    }

    #[test]
    fn the_slowest_come_first_and_binaries_say_so() {
        let (mut all, _) = read_junit(JUNIT).unwrap();
        all.extend(read_cargo_test_log("sample", CARGO_TEST_LOG).0);
        let lines = slowest(&all, 3);
        assert_eq!(
            lines,
            [
                "     1.5 s  sample tests::slow_one",
                "     1.5 s  sample src/lib.rs  (whole binary: 2 tests, run by cargo test)",
                "     0.3 s  sample::flows middle",
            ]
        );
        assert_eq!(slowest(&all, 100).len(), all.len());
    }
}
