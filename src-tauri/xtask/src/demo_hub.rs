//! `cargo xtask demo --hub`: the whole agent's sign-in, played on this machine. It starts the
//! sandbox (`ringside-cli sandbox`, whose fake Intercom has an OAuth app that approves by
//! itself), a hub on it (`ringside-cli serve`, with Sign in with Intercom configured from the
//! sandbox's own settings and a throw-away data directory), then the desktop app in its normal
//! mode on an empty data directory: the first run asks for the hub's address, and "Sign in with
//! Intercom" goes through the browser, the hub and the fake Intercom back to the app. Closing
//! the app stops the hub and the sandbox.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where the hub listens, and the address the agent types.
const HUB: &str = "127.0.0.1:8790";

/// Children stopped when the demo ends, however it ends.
struct Running(Vec<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the demo; `cli` and `app` are the built `ringside-cli` and `ringside`.
pub fn run(cli: &Path, app: &Path, scratch: &Path) -> Result<(), String> {
    let hub_data = fresh(&scratch.join("hub"))?;
    let app_data = fresh(&scratch.join("app"))?;
    let mut running = Running(Vec::new());

    let mut sandbox = Command::new(cli)
        .arg("sandbox")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let out = sandbox.stdout.take();
    running.0.push(sandbox);
    let exports = exports(out.ok_or("the sandbox has no output")?)?;

    let hub = Command::new(cli)
        .arg("serve")
        .envs(exports.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("RINGSIDE_LISTEN", HUB)
        .env("RINGSIDE_DATA_DIR", &hub_data)
        // No system hub.toml: this hub is the sandbox's.
        .env("RINGSIDE_CONFIG", settings(&hub_data)?)
        .spawn()
        .map_err(|e| format!("cannot start the hub: {e}"))?;
    running.0.push(hub);

    println!(
        "xtask: the sandbox and a hub on http://{HUB} are running. In the app's first run, choose \
         \"Connect to my company's hub\", type http://{HUB} and press \"Sign in with Intercom\": \
         the browser goes through the hub and the sandbox's Intercom (which approves by itself) \
         and back to the app. The admin console is at http://{HUB}/admin (\"Sign in with \
         Intercom\" there signs you in as the sandbox's admin). Close the app to stop."
    );
    let status = Command::new(app)
        .env("RINGSIDE_DATA_DIR", &app_data)
        .status()
        .map_err(|e| format!("cannot start the desktop app: {e}"))?;
    drop(running);
    if status.success() {
        Ok(())
    } else {
        Err(format!("the desktop app ended with {status}"))
    }
}

/// The `export K=V` lines the sandbox prints, up to its "Press Ctrl-C" line.
fn exports(out: impl std::io::Read) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.map_err(|e| format!("cannot read the sandbox's output: {e}"))?;
        if let Some((key, value)) = line
            .trim()
            .strip_prefix("export ")
            .and_then(|kv| kv.split_once('='))
        {
            pairs.push((key.to_owned(), value.to_owned()));
        }
        if line.starts_with("Press Ctrl-C") {
            return Ok(pairs);
        }
    }
    Err("the sandbox stopped before it was ready".to_owned())
}

/// An empty directory at `path`.
fn fresh(path: &Path) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(path);
    std::fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

/// An empty hub.toml for the demo's hub, readable by its owner only.
fn settings(dir: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("hub.toml");
    std::fs::write(
        &path,
        "# The demo's hub: its settings come from the sandbox's environment.\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandboxs_exports_are_read_up_to_its_ready_line() {
        let out = "Sandbox running: …\nTo point Ringside at it:\n  export RINGSIDE_A=1\n  export RINGSIDE_URL=http://127.0.0.1:8792/x?y=z\nPress Ctrl-C to stop.\nexport LATE=1\n";
        assert_eq!(
            exports(out.as_bytes()),
            Ok(vec![
                ("RINGSIDE_A".to_owned(), "1".to_owned()),
                (
                    "RINGSIDE_URL".to_owned(),
                    "http://127.0.0.1:8792/x?y=z".to_owned()
                ),
            ])
        );
        assert!(exports("Sandbox running\n".as_bytes()).is_err());
    }
}
