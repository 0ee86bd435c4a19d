//! The `ringside` binary: the desktop app (`ringside --demo` runs it on the built-in sandbox).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    ringside_lib::main()
}
