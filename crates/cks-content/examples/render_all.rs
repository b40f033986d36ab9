//! Benchmark: load every lesson and render each to sanitized HTML and to terminal text.
//! Usage: cargo run --release -p cks-content --example render_all -- [CONTENT_DIR] [ROUNDS]

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cks_content::lessons::LessonLibrary;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or("content", String::as_str);
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let (mut best_load, mut best_html, mut best_text) = (f64::MAX, f64::MAX, f64::MAX);
    let (mut html_bytes, mut count) = (0, 0);
    for _ in 0..rounds {
        let started = Instant::now();
        let library = LessonLibrary::load(std::path::Path::new(dir)).expect("lessons load");
        best_load = best_load.min(started.elapsed().as_secs_f64());
        let started = Instant::now();
        html_bytes = library
            .lessons()
            .iter()
            .map(|l| {
                library
                    .render_html(&l.meta.id, &|_| None)
                    .unwrap()
                    .unwrap()
                    .len()
            })
            .sum();
        best_html = best_html.min(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let _: usize = library
            .lessons()
            .iter()
            .map(|l| {
                library
                    .render_text(&l.meta.id, &|_| None)
                    .unwrap()
                    .unwrap()
                    .len()
            })
            .sum();
        best_text = best_text.min(started.elapsed().as_secs_f64());
        count = library.lessons().len();
    }
    println!(
        "{count} lessons: load + lint {:.1} ms, render all to sanitized HTML {:.1} ms ({html_bytes} bytes), to terminal text {:.1} ms (best of {rounds})",
        best_load * 1000.0,
        best_html * 1000.0,
        best_text * 1000.0
    );
}
