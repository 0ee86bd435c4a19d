//! `cargo xtask start-order`: the link order of the desktop app's release build, from a start.
//!
//! The app is 27 MB of machine code. One codegen unit lays its functions out in no particular
//! order, so the code a start runs is spread over the whole binary: read page by page (below),
//! a start runs code on 2,800 distinct 4 KiB pages, 11 MiB of the app's memory idle against
//! 2.7 MiB for an empty Tauri window (`docs/benchmarks.md`). Linking the functions a start runs
//! next to each other (lld's `--symbol-ordering-file`, set by `src-tauri/build.rs` in release)
//! packs them onto fewer pages.
//!
//! Which functions a start runs is read from two starts, in the desktop test environment:
//! 1. the release build of `ringside`, and the same build instrumented for coverage
//!    (`RUSTFLAGS=-C instrument-coverage`, in a target directory of its own). Cargo leaves
//!    `RUSTFLAGS` out of `-C metadata`, so both builds have the same crates and functions; the
//!    counters name them in v0 mangling and the release build in legacy mangling, so they are
//!    matched by their demangled paths ([`path`]);
//! 2. the instrumented build starts, takes a ring, and leaves (`bench_desktop --trace-pages`,
//!    signal 40, on which `trace.c` writes the counters): they say which of the Rust functions
//!    compiled with the instrumentation ran, function by function;
//! 3. the code the counters cannot see (the standard library's generic functions, compiled
//!    without them, and the C of SQLite and the TLS library) is read by pages: a copy of the
//!    release binary starts with `trace.c` preloaded, which takes the file out of the page cache
//!    and makes each fault read its own page (`MADV_RANDOM`), so the pages present idle and
//!    after a ring are those the start ran;
//! 4. `src-tauri/start-order.txt` lists, in the release binary's order, the functions the
//!    counters saw run, then those on a present page that the counters do not know (`nm`).
//!
//! Symbol names outlive most changes (a function's mangled name changes when it is renamed,
//! moved, or its crate's version or the compiler changes); lld leaves out the names the binary
//! no longer has. Run it again after a compiler or dependency upgrade, or a large change of
//! what the start runs; the desktop benchmark says whether it paid.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, cargo_bin, in_env, setup, step, target_dir, workspace_root, RELEASE_APP};

/// The library preloaded into the app while it is traced.
const TRACE_SOURCE: &str = include_str!("start_order/trace.c");

/// Where the order is kept, beside the desktop app's `build.rs`, which links with it.
pub const ORDER_FILE: &str = "src-tauri/start-order.txt";

const PAGE: u64 = 4096;

pub fn run(rest: &[String]) -> Result<(), String> {
    if !rest.is_empty() {
        return Err("usage: cargo xtask start-order".into());
    }
    setup::ensure(&[setup::BUILD, setup::RUN, setup::TEST])?;
    let profdata = llvm_profdata()?;
    let dir = target_dir().join("start-order");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    step("release build of ringside, debug build of the benchmark driver");
    cargo(&RELEASE_APP)?;
    // The driver's speed does not matter here; its release build would be another fat LTO.
    cargo(&[
        "build",
        "--package",
        "ringside",
        "--example",
        "bench_desktop",
    ])?;
    let driver = target_dir().join("debug/examples/bench_desktop");

    step("the same release build, instrumented for coverage (a target directory of its own)");
    let instrumented_target = dir.join("build");
    let build_profiles = dir.join("build-profiles");
    let status = Command::new(cargo_bin())
        .args(RELEASE_APP)
        .env("CARGO_TARGET_DIR", &instrumented_target)
        .env("RUSTFLAGS", "-C instrument-coverage")
        // Build scripts are instrumented too: their counters go here, not into the sources.
        .env("LLVM_PROFILE_FILE", build_profiles.join("%m_%p.profraw"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("the instrumented build failed ({status})"));
    }

    step("the tracing library");
    let source = dir.join("trace.c");
    let library = dir.join("trace.so");
    std::fs::write(&source, TRACE_SOURCE).map_err(|e| format!("{}: {e}", source.display()))?;
    run_tool(
        Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-o"])
            .arg(&library)
            .arg(&source)
            .arg("-lpthread"),
    )?;

    step("one start and one ring of the instrumented build, counted");
    let profiles = dir.join("profiles");
    let _ = std::fs::remove_dir_all(&profiles);
    std::fs::create_dir_all(&profiles).map_err(|e| format!("{}: {e}", profiles.display()))?;
    let instrumented = dir.join("ringside-instrumented");
    copy(&instrumented_target.join("release/ringside"), &instrumented)?;
    // The profile runtime's writer, called by the tracing library before the app leaves.
    let writer = read_symbols(&instrumented)?
        .into_iter()
        .find(|s| s.name == "__llvm_profile_write_file")
        .ok_or("the instrumented build has no __llvm_profile_write_file")?;
    traced_start(
        &driver,
        &instrumented,
        &library,
        &dir.join("pages-instrumented.txt"),
        &[
            format!(
                "LLVM_PROFILE_FILE={}",
                profiles.join("app-%p.profraw").display()
            ),
            format!("RINGSIDE_TRACE_PROFILE_WRITER={:x}", writer.address),
        ],
    )?;
    let merged = dir.join("app.profdata");
    let mut merge = Command::new(&profdata);
    merge.args(["merge", "-o"]).arg(&merged);
    for entry in std::fs::read_dir(&profiles)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        merge.arg(entry.path());
    }
    run_tool(&mut merge)?;
    let text = Command::new(&profdata)
        .args(["merge", "--text", "-o", "-"])
        .arg(&merged)
        .output()
        .map_err(|e| format!("cannot run llvm-profdata: {e}"))?;
    let functions = parse_profile(&String::from_utf8_lossy(&text.stdout));
    if functions.is_empty() {
        return Err("the instrumented app wrote no counters".into());
    }
    let names: Vec<&str> = functions.iter().map(|(name, _)| name.as_str()).collect();
    let mut counted: BTreeMap<String, bool> = BTreeMap::new();
    for (path, (_, ran)) in demangle(&names)?.into_iter().zip(&functions) {
        *counted.entry(path).or_default() |= *ran;
    }

    step("one start and one ring of the release build, page by page");
    let binary = dir.join("ringside");
    copy(&target_dir().join("release/ringside"), &binary)?;
    let pages = dir.join("pages.txt");
    traced_start(&driver, &binary, &library, &pages, &[])?;
    let trace = std::fs::read_to_string(&pages).map_err(|e| format!("{}: {e}", pages.display()))?;
    let (idle, ring) = parse_trace(&trace)?;

    step("the order");
    let symbols = read_symbols(&binary)?;
    let order = order(&symbols, &counted, &idle, &ring);
    let size = |list: &[&Symbol]| list.iter().map(|s| s.size).sum::<u64>() as f64 / 1_048_576.0;
    let ran: Vec<&Symbol> = order
        .iter()
        .filter(|s| counted.get(&s.path) == Some(&true))
        .collect();
    let paged: Vec<&Symbol> = order
        .iter()
        .filter(|s| !counted.contains_key(&s.path))
        .collect();
    let out = workspace_root().join(ORDER_FILE);
    std::fs::write(&out, order_file(&order)).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "counters: {} functions ({} paths), {} of them ran; the release binary has {} functions on those paths ({:.1} MiB)",
        functions.len(),
        counted.len(),
        functions.iter().filter(|(_, ran)| *ran).count(),
        ran.len(),
        size(&ran),
    );
    println!(
        "pages: {} present idle, {} more after a ring; {} functions on them without counters ({:.1} MiB)",
        idle.len(),
        ring.len(),
        paged.len(),
        size(&paged),
    );
    println!("{} functions written to {ORDER_FILE}", order.len());
    Ok(())
}

/// `llvm-profdata` of the Rust toolchain (`rustup component add llvm-tools`, added when
/// missing).
fn llvm_profdata() -> Result<PathBuf, String> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let host = Command::new("rustc")
        .args(["--print", "host-tuple"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let host = String::from_utf8_lossy(&host.stdout).trim().to_owned();
    let tool = sysroot
        .join("lib/rustlib")
        .join(host)
        .join("bin/llvm-profdata");
    if !tool.exists() {
        step("installing llvm-tools (`rustup component add llvm-tools`)");
        run_tool(Command::new("rustup").args(["component", "add", "llvm-tools"]))?;
    }
    if tool.exists() {
        Ok(tool)
    } else {
        Err(format!(
            "{} is missing: install it with `rustup component add llvm-tools`",
            tool.display()
        ))
    }
}

/// Copies `from` to `to` and writes the copy out, so that its pages can leave the page cache.
fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(to);
    std::fs::copy(from, to).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot write {} out: {e}", to.display()))
}

/// One start and one ring of `binary` under the driver's `--trace-pages`, with the tracing
/// library preloaded and `env` (`NAME=value`) added.
fn traced_start(
    driver: &Path,
    binary: &Path,
    library: &Path,
    pages: &Path,
    env: &[String],
) -> Result<(), String> {
    let mut command = vec![
        "env".to_owned(),
        format!("RINGSIDE_BENCH_APP_PRELOAD={}", library.display()),
    ];
    command.extend(env.iter().cloned());
    command.extend([
        driver.display().to_string(),
        "--app".into(),
        binary.display().to_string(),
        "--trace-pages".into(),
        pages.display().to_string(),
    ]);
    in_env(&command)
}

/// A profile in `llvm-profdata merge --text` form: each function's (mangled) name, a local
/// function's without its file, and whether any of its counters is above zero.
fn parse_profile(text: &str) -> Vec<(String, bool)> {
    let mut functions = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() || line.starts_with(':') || line.starts_with('#') {
            continue;
        }
        if lines.peek() != Some(&"# Func Hash:") {
            continue;
        }
        let name = line.rsplit(';').next().unwrap_or(line).to_owned();
        let mut ran = false;
        let mut in_values = false;
        while let Some(next) = lines.next_if(|next| !next.is_empty()) {
            if next == "# Counter Values:" {
                in_values = true;
            } else if next.starts_with('#') {
                in_values = false;
            } else if in_values && next.trim().parse::<u64>().is_ok_and(|n| n > 0) {
                ran = true;
            }
        }
        functions.push((name, ran));
    }
    functions
}

/// Each name's [`path`], demangled by binutils' `c++filt` (Rust's legacy and v0 manglings).
fn demangle(names: &[&str]) -> Result<Vec<String>, String> {
    use std::io::Write;
    let mut child = Command::new("c++filt")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run c++filt: {e}"))?;
    let mut input = String::with_capacity(names.len() * 64);
    for name in names {
        input.push_str(name);
        input.push('\n');
    }
    let mut stdin = child.stdin.take().ok_or("c++filt has no input")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("c++filt failed: {e}"))?;
    writer
        .join()
        .map_err(|_| "c++filt's input was not written".to_owned())?
        .map_err(|e| format!("c++filt's input: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let paths: Vec<String> = text.lines().map(path).collect();
    if paths.len() != names.len() {
        return Err(format!(
            "c++filt gave {} names for {}",
            paths.len(),
            names.len()
        ));
    }
    Ok(paths)
}

/// A demangled name reduced to what both manglings say of it. The release build names its
/// functions in Rust's legacy mangling, without generic arguments but for a few; coverage
/// counters name them in v0, with them. So: no crate disambiguators (`[1bc2db78a596577f]`) or
/// hashes (`::h…`), no generic arguments (`Vec<u8>`, `f::<T>`), one spelling of closures and
/// impls (`<impl Trait for Type>::f` is `<Type as Trait>::f`, `<Type>::f` is `Type::f`). The
/// instances of a generic function share a path: one that ran places them all.
fn path(demangled: &str) -> String {
    let mut text = without_disambiguators(demangled);
    if let Some(at) = text.rfind("::h") {
        let hash = &text[at + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            text.truncate(at);
        }
    }
    let text = closures(&text);
    let text = impls(&text);
    let text = without_generic_arguments(&text);
    unwrap_plain_qualified(&text)
}

fn without_disambiguators(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_hexdigit()) => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `{{closure}}` (legacy) and `{closure#0}` (v0) are both `{closure}`.
fn closures(text: &str) -> String {
    let mut out = text.replace("{{closure}}", "{closure}");
    while let Some(at) = out.find("{closure#") {
        let Some(end) = out[at..].find('}') else {
            break;
        };
        out.replace_range(at..at + end + 1, "{closure}");
    }
    out
}

/// Drops every generic argument list: `<…>` right after a name, and `::<…>`. A `<` that opens
/// a qualified path (`<Type as Trait>`) stays.
fn without_generic_arguments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '<' {
            let turbofish = out.ends_with("::");
            let after_name = out
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if turbofish || after_name {
                let mut depth = 0;
                while i < chars.len() {
                    match chars[i] {
                        '<' => depth += 1,
                        '>' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if turbofish {
                    out.truncate(out.len() - 2);
                }
                i += 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `module::<impl Trait for Type>::f` is `<Type as Trait>::f`, `module::<impl Type>::f` is
/// `Type::f` (legacy mangling names the impl block where v0 names the type).
fn impls(text: &str) -> String {
    let Some(at) = text.find("<impl ") else {
        return text.to_owned();
    };
    let Some(close) = text[at..].find(">::").map(|c| at + c) else {
        return text.to_owned();
    };
    let inner = &text[at + 6..close];
    let rest = &text[close + 1..];
    match inner.split_once(" for ") {
        Some((trait_, type_)) => format!("<{type_} as {trait_}>{rest}"),
        None => format!("{inner}{rest}"),
    }
}

/// `<Type>::f` is `Type::f`, wherever it is (v0 writes inherent methods so).
fn unwrap_plain_qualified(text: &str) -> String {
    let mut out = text.to_owned();
    let mut from = 0;
    while let Some(open) = out[from..].find('<').map(|o| from + o) {
        let inner_end = out[open + 1..].find(['<', '>', ' ']).map(|e| open + 1 + e);
        match inner_end {
            Some(close) if out[close..].starts_with(">::") && close > open + 1 => {
                out.remove(close);
                out.remove(open);
                from = 0;
            }
            _ => from = open + 1,
        }
    }
    out
}

fn run_tool(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// The pages of `--trace-pages`: the idle ones, and those a ring added.
fn parse_trace(trace: &str) -> Result<(BTreeSet<u64>, BTreeSet<u64>), String> {
    let (mut idle, mut ring) = (BTreeSet::new(), BTreeSet::new());
    for line in trace.lines().filter(|l| !l.trim().is_empty()) {
        let (when, at) = line
            .split_once(' ')
            .ok_or_else(|| format!("not a trace line: {line:?}"))?;
        let page = u64::from_str_radix(at.trim_start_matches("0x"), 16)
            .map_err(|e| format!("not a page address in {line:?}: {e}"))?;
        match when {
            "idle" => idle.insert(page),
            "ring" => ring.insert(page),
            _ => return Err(format!("not a trace line: {line:?}")),
        };
    }
    if idle.is_empty() {
        return Err("the trace has no page of the start".into());
    }
    Ok((idle, ring))
}

/// A function of the binary: where its code is, and its (mangled) name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Symbol {
    address: u64,
    size: u64,
    name: String,
    /// Its demangled [`path`], filled by [`read_symbols`].
    path: String,
}

/// The functions of `binary` with a size, from `nm`.
fn read_symbols(binary: &Path) -> Result<Vec<Symbol>, String> {
    let output = Command::new("nm")
        .args(["--defined-only", "--print-size", "--numeric-sort"])
        .arg(binary)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "nm failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut symbols = parse_nm(&String::from_utf8_lossy(&output.stdout));
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    let paths = demangle(&names)?;
    for (symbol, path) in symbols.iter_mut().zip(paths) {
        symbol.path = path;
    }
    Ok(symbols)
}

/// `nm --print-size` lines of code symbols (`t`/`T`/`W`): `address size type name`.
fn parse_nm(text: &str) -> Vec<Symbol> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let address = u64::from_str_radix(fields.next()?, 16).ok()?;
            let size = u64::from_str_radix(fields.next()?, 16).ok()?;
            let kind = fields.next()?;
            let name = fields.next()?;
            let code = matches!(kind, "t" | "T" | "W" | "w");
            (code && size > 0 && fields.next().is_none()).then(|| Symbol {
                address,
                size,
                name: name.to_owned(),
                path: String::new(),
            })
        })
        .collect()
}

/// The functions on a path the counters saw run, then those with code on a present page
/// (idle, then after the ring) on a path the counters do not know, each group in the binary's
/// order, each function once.
fn order(
    symbols: &[Symbol],
    counted: &BTreeMap<String, bool>,
    idle: &BTreeSet<u64>,
    ring: &BTreeSet<u64>,
) -> Vec<Symbol> {
    let on = |pages: &BTreeSet<u64>, s: &Symbol| {
        let from = s.address / PAGE * PAGE;
        pages.range(from..s.address + s.size).next().is_some()
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let ran = symbols
        .iter()
        .filter(|s| counted.get(&s.path) == Some(&true));
    let uncounted = |pages| {
        symbols
            .iter()
            .filter(move |s| !counted.contains_key(&s.path) && on(pages, s))
    };
    for symbol in ran.chain(uncounted(idle)).chain(uncounted(ring)) {
        if seen.insert(symbol.name.clone()) {
            out.push(symbol.clone());
        }
    }
    out
}

fn order_file(order: &[Symbol]) -> String {
    let mut text = String::from(
        "# The desktop app's release link order (lld --symbol-ordering-file, see src-tauri/build.rs):\n\
         # the functions a start runs, then those a ring adds. Made by `cargo xtask start-order`;\n\
         # do not edit by hand.\n",
    );
    for symbol in order {
        text.push_str(&symbol.name);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nm_lines_give_the_functions_with_a_size() {
        let text = "\
0000000000001000 0000000000000020 T main
0000000000001020 0000000000000010 t _ZN4core3ptr13drop_in_place17h0123456789abcdefE
0000000000002000 D not_code_without_a_size
0000000000003000 0000000000000008 D DATA
0000000000004000 0000000000000000 t empty
";
        let symbols = parse_nm(text);
        let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["main", "_ZN4core3ptr13drop_in_place17h0123456789abcdefE"]
        );
        assert_eq!(symbols[1].address, 0x1020);
        assert_eq!(symbols[1].size, 0x10);
    }

    #[test]
    fn what_ran_comes_first_then_the_pages_without_counters() {
        let symbol = |address, size, name: &str| Symbol {
            address,
            size,
            name: name.into(),
            path: name.into(),
        };
        let symbols = [
            symbol(0x1000, 0x100, "counted_idle_page"),
            symbol(0x1f00, 0x200, "straddles"),
            symbol(0x3000, 0x10, "ran"),
            symbol(0x5000, 0x10, "ring_only"),
            symbol(0x6000, 0x10, "never"),
        ];
        let counted = BTreeMap::from([
            ("counted_idle_page".to_owned(), false),
            ("ran".to_owned(), true),
            ("ran_but_inlined".to_owned(), true),
        ]);
        let idle = BTreeSet::from([0x1000, 0x2000]);
        let ring = BTreeSet::from([0x5000]);
        let names: Vec<String> = order(&symbols, &counted, &idle, &ring)
            .into_iter()
            .map(|s| s.name)
            .collect();
        // A function the counters saw idle is left out, whatever page it shares.
        assert_eq!(names, ["ran", "straddles", "ring_only"]);
    }

    #[test]
    fn a_trace_is_read_or_refused() {
        let (idle, ring) = parse_trace("idle 0x1000\nidle 0x2000\nring 0x3000\n").unwrap();
        assert_eq!(idle.len(), 2);
        assert_eq!(ring, BTreeSet::from([0x3000]));
        assert!(parse_trace("ring 0x3000\n").is_err());
        assert!(parse_trace("idle nowhere\n").is_err());
    }

    #[test]
    fn a_profile_gives_each_function_and_whether_it_ran() {
        let text = "\
# IR level Instrumentation Flag
:ir
_RNvCs2nLRBJ3GKEl_8httparse5parse
# Func Hash:
17277591937543887383
# Num Counters:
2
# Counter Values:
0
3

src/lib.rs;_RNvCs2nLRBJ3GKEl_8httparse6unused
# Func Hash:
1
# Num Counters:
1
# Counter Values:
0
";
        assert_eq!(
            parse_profile(text),
            [
                ("_RNvCs2nLRBJ3GKEl_8httparse5parse".to_owned(), true),
                ("_RNvCs2nLRBJ3GKEl_8httparse6unused".to_owned(), false),
            ]
        );
    }

    #[test]
    fn both_manglings_reduce_to_one_path() {
        // Legacy (the release build) and v0 (the counters), as c++filt writes them.
        let pairs = [
            (
                "zbus::connection::socket::ReadHalf::peer_credentials::{{closure}}::hafd1b0c1c82a66ea",
                "<zbus[5d2b1a4c3e2f1a0b]::connection::socket::ReadHalf>::peer_credentials::{closure#0}",
            ),
            (
                "httparse::deinit_slice_mut::h0123456789abcdef",
                "httparse[1bc2db78a596577f]::deinit_slice_mut::<httparse[1bc2db78a596577f]::Header>",
            ),
            (
                "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop::h0123456789abcdef",
                "<alloc[c1f1a4ba060b9bfa]::vec::Vec<u8> as core[c1f1a4ba060b9bfa]::ops::drop::Drop>::drop",
            ),
            (
                "zbus::runtime::io::<impl zbus::connection::socket::WriteHalf for alloc::sync::Arc<zbus::runtime::io::RegisteredIo<O>>>::sendmsg::h21e70bcd902d80cd",
                "<alloc[1]::sync::Arc<zbus[2]::runtime::io::RegisteredIo<i32>> as zbus[2]::connection::socket::WriteHalf>::sendmsg",
            ),
        ];
        for (legacy, v0) in pairs {
            assert_eq!(path(legacy), path(v0), "{legacy} / {v0}");
        }
        assert_eq!(
            path("httparse[1bc2db78a596577f]::deinit_slice_mut::<httparse[1bc2db78a596577f]::Header>"),
            "httparse::deinit_slice_mut"
        );
        assert_ne!(
            path("a::b::f::h0123456789abcdef"),
            path("a::b::g::h0123456789abcdef")
        );
    }
}
