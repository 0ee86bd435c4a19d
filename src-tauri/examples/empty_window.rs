//! The desktop benchmark's baseline: a Tauri app with one empty window and nothing else, built
//! like `ringside` (same crate, same Tauri features, release). With `RINGSIDE_TIMINGS=1` it
//! prints a `window` timing mark once its window is built, as `ringside` does for its main
//! window. It loads `about:blank`.
//! `cargo xtask bench-desktop` runs it.

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    let app = tauri::Builder::default()
        .setup(|app| {
            let blank = "about:blank".parse().expect("a URL");
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(blank))
                .title("Empty window")
                .inner_size(880.0, 620.0)
                .build()?;
            ringside_lib::timings::mark("window", None);
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the empty window app");
    app.run(|_, _| {});
}
