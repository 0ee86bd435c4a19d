//! The desktop benchmark's baseline: a Tauri app with one empty window and nothing else, built
//! like `ringside` (same crate, same Tauri features, release). With `RINGSIDE_TIMINGS=1` it
//! prints a `window` timing mark once its window is built, as `ringside` does for its main
//! window. Its page is an empty HTML document served through a custom protocol, as Tauri serves
//! an app's own pages (`about:blank` would not even start WebKit's web process, which every
//! real page needs). `cargo xtask bench-desktop` runs it.

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tauri::http::Response;
use tauri::{WebviewUrl, WebviewWindowBuilder};

const EMPTY_PAGE: &str = "<!doctype html><title>Empty window</title>";

fn main() {
    let app = tauri::Builder::default()
        .register_uri_scheme_protocol("empty", |_, _| {
            Response::builder()
                .header("Content-Type", "text/html")
                .body(EMPTY_PAGE.as_bytes().to_vec())
                .expect("a response")
        })
        .setup(|app| {
            let page = "empty://localhost/".parse().expect("a URL");
            WebviewWindowBuilder::new(app, "main", WebviewUrl::CustomProtocol(page))
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
