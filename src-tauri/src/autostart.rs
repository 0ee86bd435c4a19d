//! Starting with the session: the setting "Start Ringside when I log in" (off by default) writes
//! or removes an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/ringside.desktop`
//! (`~/.config/autostart/` when the variable is unset), which desktops read at login. The entry
//! itself is the setting's truth, so removing it by hand turns the setting off.
//! (`tauri-plugin-autostart` writes to `~/.config/autostart` whatever `XDG_CONFIG_HOME` says and
//! leaves the program's path unquoted, hence this module.)

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The entry's file name.
pub const FILE_NAME: &str = "ringside.desktop";

/// The autostart directory the app writes its entry into.
#[derive(Debug, Clone)]
pub struct Autostart {
    dir: PathBuf,
}

impl Autostart {
    /// `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
    pub fn from_env() -> Option<Autostart> {
        dirs::config_dir().map(|config| Autostart::at(config.join("autostart")))
    }

    /// An entry in `dir` (tests).
    pub fn at(dir: impl Into<PathBuf>) -> Autostart {
        Autostart { dir: dir.into() }
    }

    /// The entry's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Whether the app starts with the session.
    pub fn enabled(&self) -> bool {
        self.path().is_file()
    }

    /// Writes the entry, starting `program`, or removes it. Nothing changes when it is already
    /// as asked.
    pub fn set(&self, on: bool, program: &Path) -> Result<()> {
        let path = self.path();
        let failed = |what: &str, e: std::io::Error| {
            Error::Invalid(format!("cannot {what} {}: {e}", path.display()))
        };
        if on {
            let entry = entry(program);
            if std::fs::read_to_string(&path).is_ok_and(|now| now == entry) {
                return Ok(());
            }
            std::fs::create_dir_all(&self.dir).map_err(|e| failed("create the folder of", e))?;
            std::fs::write(&path, entry).map_err(|e| failed("write", e))
        } else {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed("remove", e)),
                _ => Ok(()),
            }
        }
    }
}

/// The desktop entry that starts `program` at login.
pub fn entry(program: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=Ringside\n\
         Comment=Who is calling, from Intercom, when an Aircall call rings\n\
         Exec={}\nIcon=ringside\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_argument(&program.to_string_lossy())
    )
}

/// One argument of an `Exec` key, quoted as the Desktop Entry Specification asks: in double
/// quotes, with `"`, `` ` ``, `$` and `\` escaped by a backslash; then the backslashes doubled
/// again (the string escape applies first when the file is read) and `%` written `%%`.
fn exec_argument(arg: &str) -> String {
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted.replace('\\', "\\\\").replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_writes_the_entry_and_removes_it() {
        let config = tempfile::tempdir().unwrap();
        let autostart = Autostart::at(config.path().join("autostart"));
        assert!(!autostart.enabled(), "off by default");
        autostart.set(true, Path::new("/usr/bin/ringside")).unwrap();
        assert!(autostart.enabled());
        let text =
            std::fs::read_to_string(config.path().join("autostart/ringside.desktop")).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        assert!(text.contains("\nExec=\"/usr/bin/ringside\"\n"), "{text}");
        assert!(text.contains("\nType=Application\n"), "{text}");
        // Twice on, then off twice: no error either time.
        autostart.set(true, Path::new("/usr/bin/ringside")).unwrap();
        autostart
            .set(false, Path::new("/usr/bin/ringside"))
            .unwrap();
        assert!(!autostart.enabled());
        autostart
            .set(false, Path::new("/usr/bin/ringside"))
            .unwrap();
    }

    #[test]
    fn a_program_path_with_spaces_quotes_or_percents_survives_the_exec_line() {
        assert_eq!(
            exec_argument("/opt/my apps/ringside"),
            "\"/opt/my apps/ringside\""
        );
        assert_eq!(exec_argument("/a\"b$c`d"), "\"/a\\\\\"b\\\\$c\\\\`d\"");
        assert_eq!(exec_argument("/100%/ringside"), "\"/100%%/ringside\"");
    }
}
