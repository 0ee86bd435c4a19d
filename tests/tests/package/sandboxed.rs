//! The installed hub started as its unit would start it, without systemd as PID 1: what is
//! and is not reproduced is listed in `main.rs`'s documentation.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::must;
use crate::unit::Unit;

/// The installed hub, started as the unit would start it (see the file's documentation for
/// what is and is not reproduced). Dropping it kills it.
#[derive(Debug)]
pub struct SandboxedHub {
    child: Child,
    pub addr: std::net::SocketAddr,
    /// Where strace writes the hub's system calls, when it runs under it.
    trace: Option<PathBuf>,
    /// Holds the staging directory of the hub's `/dev` until it stops.
    _dev: tempfile::TempDir,
}

/// Sets up the unit's namespaces' contents, as root inside a fresh mount namespace, then
/// `exec`s its arguments. `$1` is an empty directory to build the new `/dev` in; `$2` the
/// state directory.
const SANDBOX_SCRIPT: &str = r#"set -eu
newdev="$1"; state="$2"; shift 2
# PrivateDevices: a /dev with the pseudo-devices only.
mount -t tmpfs -o mode=0755,nosuid,noexec tmpfs "$newdev"
for node in null zero full random urandom tty; do
	touch "$newdev/$node"
	mount --bind "/dev/$node" "$newdev/$node"
done
ln -s /proc/self/fd "$newdev/fd"
mount --move "$newdev" /dev
# ProtectProc=invisible, ProcSubset=pid (and so no /proc/sys at all).
mount -t proc -o nosuid,nodev,noexec,hidepid=invisible,subset=pid proc /proc
# ProtectHome.
for home in /home /root /run/user; do
	if [ -d "$home" ]; then mount -t tmpfs -o ro,mode=000 tmpfs "$home"; fi
done
# PrivateTmp.
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
# ProtectSystem=strict (with ProtectKernelTunables and ProtectControlGroups: /sys too).
findmnt -rn -o TARGET | while read -r target; do
	case "$target" in
	/proc|/proc/*|/dev|/dev/*|/tmp|/var/tmp|/home|/root|/run/user) ;;
	*) mount -o remount,bind,ro "$target" ;;
	esac
done
# StateDirectory: the one place it may write.
mount --bind "$state" "$state"
mount -o remount,bind,rw "$state"
exec "$@"
"#;

impl SandboxedHub {
    /// Starts the unit's `ExecStart=` and waits until `/healthz` answers on `port`.
    pub async fn start(unit: &Unit, port: u16) -> SandboxedHub {
        Self::start_with(unit, port, None).await
    }

    /// The same under `strace -f`, which writes every system call of the hub to `trace`.
    pub async fn start_traced(unit: &Unit, port: u16, trace: &Path) -> SandboxedHub {
        Self::start_with(unit, port, Some(trace)).await
    }

    async fn start_with(unit: &Unit, port: u16, trace: Option<&Path>) -> SandboxedHub {
        let dev = tempfile::tempdir().unwrap();
        let command_line = match trace {
            Some(trace) => format!(
                "/usr/bin/strace -f -qq -o {} {}",
                trace.display(),
                unit.one("ExecStart")
            ),
            None => unit.one("ExecStart").to_owned(),
        };
        let mut child = Self::command(unit, dev.path(), &command_line)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the hub starts");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let url = format!("http://{addr}/healthz");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(response) = client.get(&url).send().await {
                if response.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the installed hub exited before it served ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "the hub did not come up on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SandboxedHub {
            child,
            addr,
            trace: trace.map(Path::to_owned),
            _dev: dev,
        }
    }

    /// A command line run as the unit runs `ExecStart=`: its user, group, capabilities,
    /// umask, environment and namespaces.
    fn command(unit: &Unit, dev: &Path, command_line: &str) -> Command {
        let user = unit.one("User");
        let group = unit.one("Group");
        let umask = unit.one("UMask");
        let state = Path::new("/var/lib").join(unit.one("StateDirectory"));
        let mut command = Command::new("unshare");
        command
            .args([
                "--mount",
                "--propagation",
                "private",
                "--ipc",
                "--uts",
                "--",
            ])
            .args(["sh", "-c", SANDBOX_SCRIPT, "sandbox"])
            .arg(dev)
            .arg(&state)
            .args([
                "setpriv",
                &format!("--reuid={user}"),
                &format!("--regid={group}"),
                "--init-groups",
                "--no-new-privs",
                "--bounding-set=-all",
                "--inh-caps=-all",
                "--ambient-caps=-all",
                "--",
                "sh",
                "-c",
                &format!("umask {umask}; exec \"$@\""),
                "umask",
                "env",
                "-i",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                &format!("USER={user}"),
                &format!("LOGNAME={user}"),
                &format!("HOME={}", state.display()),
            ])
            .args(unit.0.get("Environment").into_iter().flatten())
            .args(command_line.split_whitespace())
            .stdin(Stdio::null());
        command
    }

    /// The unit's `KillSignal=` (SIGTERM), then a wait of `TimeoutStopSec=` at most.
    pub fn stop(mut self, unit: &Unit) {
        assert_eq!(unit.one("KillSignal"), "SIGTERM");
        let timeout: u64 = unit.one("TimeoutStopSec").parse().unwrap();
        // Under strace the hub is strace's child: the signal is for the hub.
        let pid = self.child.id();
        let hub = match self.trace {
            None => pid,
            Some(_) => std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap()
                .split_whitespace()
                .next()
                .expect("strace runs the hub")
                .parse()
                .unwrap(),
        };
        must("kill", &["-TERM", &hub.to_string()]);
        let deadline = Instant::now() + Duration::from_secs(timeout);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the hub stopped with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the hub was still running {timeout} s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SandboxedHub {
    fn drop(&mut self) {
        // Under strace the hub is strace's child, and would outlive a killed strace.
        let pid = self.child.id();
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            for child in children.split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", child]).status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
