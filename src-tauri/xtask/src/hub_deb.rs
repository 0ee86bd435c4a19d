//! The hub's Debian package, `ringside-hub_<version>_amd64.deb`: `ringside-cli` with its
//! systemd unit, `/etc/ringside/hub.toml` and the maintainer scripts of `packaging/`, as
//! `[package.metadata.deb]` in `src-tauri/cli/Cargo.toml` lists them.
//!
//! It is made by cargo-deb (installed with `cargo install` when missing), not by Tauri's bundler,
//! which packages the desktop app: cargo-deb reads the crate's own metadata, marks the files
//! under `/etc` as conffiles, computes `Depends` with `dpkg-shlibdeps`, and writes the unit's
//! enable, start, restart-on-upgrade and stop into the maintainer scripts the way Debian's own
//! `dh_installsystemd` does, without a Debian source package and its build tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Profile;

/// The crate whose binary the package holds, and whose `Cargo.toml` describes the package.
const CRATE: &str = "ringside-cli";

/// Builds the hub (unless `profile` is debug: then the debug binary already built is packaged,
/// after `cargo build`) and packages it into `<target>/debian/`. Returns the package's path.
pub fn build(cargo: &str, target: &Path, profile: Profile) -> Result<PathBuf, String> {
    crate::setup::ensure_cargo_deb(cargo)?;
    let out = target.join("debian");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut command = Command::new(cargo);
    command.args(["deb", "--package", CRATE, "--locked", "--output"]);
    command.arg(&out);
    if profile == Profile::Debug {
        // cargo-deb builds release binaries only; a debug package (for a quick look or a test)
        // takes the debug binary cargo builds here, packaged as it is, and is compressed fast.
        crate::cargo(&["build", "--package", CRATE, "--bin", CRATE])?;
        command.args(["--no-build", "--profile", "dev", "--fast"]);
    }
    let output = command
        .env("CARGO_TARGET_DIR", target)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo deb: {e}"))?;
    if !output.status.success() {
        return Err(format!("`cargo deb` failed ({})", output.status));
    }
    // cargo-deb prints the package's path last.
    let printed = String::from_utf8_lossy(&output.stdout);
    let deb = printed
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.ends_with(".deb"))
        .map(PathBuf::from)
        .ok_or_else(|| format!("`cargo deb` printed no package path: {printed}"))?;
    if deb.exists() {
        Ok(std::fs::canonicalize(&deb).unwrap_or(deb))
    } else {
        Err(format!(
            "`cargo deb` printed {}, which is not there",
            deb.display()
        ))
    }
}
