//! The unit file as the package test reads it: its `[Service]` settings, the exposure
//! `systemd-analyze security` rates it at, and what its seccomp filters would refuse of a
//! recorded run of the hub (`strace -f`'s output), since only systemd applies them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::{must, run};

/// The unit's `[Service]` settings, a key's values in order (`SystemCallFilter=` may repeat).
#[derive(Debug)]
pub struct Unit(pub BTreeMap<String, Vec<String>>);

impl Unit {
    pub fn read(path: &Path) -> Unit {
        let text = std::fs::read_to_string(path).unwrap();
        let mut settings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut section = String::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
            } else if let (false, Some((key, value))) =
                (line.starts_with('#'), line.split_once('='))
            {
                if section == "[Service]" {
                    settings
                        .entry(key.trim().to_owned())
                        .or_default()
                        .push(value.trim().to_owned());
                }
            }
        }
        Unit(settings)
    }

    /// The last value of `key`, which the unit must set.
    pub fn one(&self, key: &str) -> &str {
        self.0
            .get(key)
            .and_then(|v| v.last())
            .unwrap_or_else(|| panic!("the unit sets no {key}="))
    }
}

/// `systemd-analyze security --offline=true` on a unit file: its overall exposure.
pub fn exposure(unit: &Path) -> (f64, String) {
    let output = run(
        "systemd-analyze",
        &[
            "security",
            "--offline=true",
            "--no-pager",
            unit.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| {
            panic!(
                "systemd-analyze security rated nothing ({}):\n{text}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let figure = line
        .rsplit(": ")
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no figure in {line:?}"));
    (figure, line.trim_start_matches('→').trim().to_owned())
}

/// This machine's systemd's system call groups (`systemd-analyze syscall-filter`): each group's
/// members, calls or other groups.
pub fn syscall_groups() -> BTreeMap<String, Vec<String>> {
    let text = must("systemd-analyze", &["syscall-filter", "--no-pager"]);
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if line.starts_with('@') {
            current = Some(line.trim().to_owned());
            groups.entry(line.trim().to_owned()).or_default();
        } else if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        } else if let Some(group) = &current {
            groups.get_mut(group).unwrap().push(line.trim().to_owned());
        }
    }
    groups
}

/// The system calls a `SystemCallFilter=` item names: a call, or a group expanded.
pub fn expand(groups: &BTreeMap<String, Vec<String>>, item: &str, out: &mut BTreeSet<String>) {
    match groups.get(item) {
        Some(members) => {
            for member in members {
                expand(groups, member, out);
            }
        }
        None if item.starts_with('@') => panic!("systemd knows no group {item}"),
        None => {
            out.insert(item.to_owned());
        }
    }
}

/// What the unit's `SystemCallFilter=` lines allow, applied in order as systemd does: an allow
/// list, then `~` lines taking calls out.
pub fn allowed_syscalls(unit: &Unit) -> BTreeSet<String> {
    let groups = syscall_groups();
    let mut allowed = BTreeSet::new();
    for line in unit
        .0
        .get("SystemCallFilter")
        .expect("the unit filters system calls")
    {
        let (deny, items) = match line.strip_prefix('~') {
            Some(items) => (true, items),
            None => (false, line.as_str()),
        };
        let mut calls = BTreeSet::new();
        for item in items.split_whitespace() {
            expand(&groups, item, &mut calls);
        }
        if deny {
            allowed.retain(|call| !calls.contains(call));
        } else {
            allowed.extend(calls);
        }
    }
    allowed
}

/// What strace saw the hub do (from its `execve` on), and what the unit's seccomp filters would
/// have refused of it.
pub fn refused_by_the_unit(unit: &Unit, trace: &str) -> Vec<String> {
    let allowed = allowed_syscalls(unit);
    let families: Vec<&str> = unit
        .one("RestrictAddressFamilies")
        .split_whitespace()
        .collect();
    let start = trace
        .find("execve(\"/usr/bin/ringside-cli\"")
        .expect("strace saw the hub start");
    let mut refused = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for line in trace[start..].lines() {
        // `PID  name(arguments) = result`; resumed calls, signals and exits are skipped.
        let Some((_, call)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let call = call.trim_start();
        let Some((name, arguments)) = call.split_once('(') else {
            continue;
        };
        if name.starts_with('<') || name.contains(' ') {
            continue;
        }
        seen.insert(name.to_owned());
        if !allowed.contains(name) {
            refused.insert(format!("{name} (SystemCallFilter)"));
        }
        if name == "socket" || name == "socketpair" {
            let family = arguments.split(',').next().unwrap_or_default().trim();
            if !families.contains(&family) {
                refused.insert(format!("{name}({family}) (RestrictAddressFamilies)"));
            }
        }
        let exec = arguments.contains("PROT_EXEC");
        let memory = matches!(name, "mmap" | "mprotect" | "pkey_mprotect");
        if memory && exec && (name != "mmap" || arguments.contains("PROT_WRITE")) {
            refused.insert(format!("{call} (MemoryDenyWriteExecute)"));
        }
        if name == "personality" && !arguments.starts_with("0xffffffff") {
            refused.insert(format!("{call} (LockPersonality)"));
        }
    }
    assert!(
        seen.contains("accept4") || seen.contains("accept"),
        "strace saw no connection accepted: {seen:?}"
    );
    println!(
        "strace: the hub made {} distinct system calls; the unit's filters allow {} of them",
        seen.len(),
        seen.iter().filter(|call| allowed.contains(*call)).count()
    );
    refused.into_iter().collect()
}
