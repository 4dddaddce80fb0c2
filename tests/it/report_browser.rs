//! The HTML report in a real browser: Debian's `chromium`, headless, renders the demo
//! week's report to a screenshot (which must show something), dumps the DOM (the title
//! and the key figures must be in it), and records its network activity (the page must
//! request nothing: everything is inline). `.ci/run` installs chromium; without it this
//! test fails rather than skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::report::demo_report;
use crate::support::{scratch, which};

fn chromium() -> PathBuf {
    which("chromium").unwrap_or_else(|| {
        panic!(
            "chromium is not installed: `.ci/run` installs it (Debian package `chromium`; \
             apt-get install -y chromium), the HTML report test needs a real browser"
        )
    })
}

/// Runs headless chromium on `page` with `extra` flags; its background services
/// (updates, sign-in, dictionaries) are switched off where a flag allows.
fn run_chromium(page: &Path, profile: &Path, extra: &[String]) -> String {
    let url = format!("file://{}", page.display());
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// URLs the page itself requested, from a `--log-net-log` file: requests made for a
/// document carry its origin as initiator (`null` for file://), while the browser's own
/// service requests (update checks, account lookups) have "not an origin".
fn page_requests(net_log: &Path) -> Vec<String> {
    let log: Value = serde_json::from_str(&std::fs::read_to_string(net_log).unwrap())
        .expect("a complete net log");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_i64()
        .expect("URL_REQUEST_START_JOB in the net log constants");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"].as_i64() == Some(start_job) && e["params"]["url"].is_string())
        .filter(|e| {
            let p = &e["params"];
            p["initiator"] != "not an origin"
                || p["network_isolation_key"]
                    .as_str()
                    .is_some_and(|k| k.contains("file://"))
        })
        .map(|e| e["params"]["url"].as_str().unwrap().to_string())
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Per-channel variance of the screenshot's pixels (0 for a blank page).
fn pixel_variance(png_file: &Path) -> (u32, u32, f64) {
    let bytes = std::fs::read(png_file).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let data = &buf[..info.buffer_size()];
    let n = data.len() as f64;
    let mean = data.iter().map(|&b| b as f64).sum::<f64>() / n;
    let variance = data.iter().map(|&b| (b as f64 - mean).powi(2)).sum::<f64>() / n;
    (info.width, info.height, variance)
}

#[test]
fn the_html_report_renders_in_chromium_without_any_request() {
    let demo = demo_report();
    let page = demo.out.join("2026-W47.html");
    let dir = scratch("report-browser");
    let (shot, net_log) = (dir.join("report.png"), dir.join("net-log.json"));
    run_chromium(
        &page,
        &dir.join("profile-1"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            format!("--log-net-log={}", net_log.display()),
        ],
    );
    let (width, height, variance) = pixel_variance(&shot);
    assert_eq!((width, height), (1280, 2000));
    assert!(
        variance > 100.0,
        "the screenshot is blank (variance {variance})"
    );
    assert_eq!(page_requests(&net_log), Vec::<String>::new());

    let dom = run_chromium(&page, &dir.join("profile-2"), &["--dump-dom".into()]);
    assert!(
        dom.contains("<title>tagtrail compliance report 2026-W47</title>"),
        "{dom}"
    );
    for (id, value) in [
        ("people_active", "11"),
        ("federated_sessions", "23"),
        ("db_sessions", "87"),
        ("exact_pct", "25.3 %"),
        ("mfa_absent_pct", "18.2 %"),
        ("failed_logins", "3"),
    ] {
        let card = format!("<div class=\"card\" id=\"figure-{id}\">");
        let at = dom
            .find(&card)
            .unwrap_or_else(|| panic!("no {card} in the DOM"));
        assert!(
            dom[at..].contains(&format!("<span class=\"value\">{value}</span>")),
            "figure {id} is not {value} in the DOM"
        );
    }
    // Four charts, drawn as inline SVG.
    assert_eq!(dom.matches("<svg").count(), 4);
    for caption in [
        "Database sessions per day by attribution",
        "MFA of federated database access (%)",
        "Findings by severity",
        "Activity per person and day (attributed sessions)",
    ] {
        assert!(dom.contains(caption), "no chart `{caption}`");
    }
}

/// The request detector sees a page's request: without this, an empty list above could
/// mean a log that records nothing.
#[test]
fn a_page_that_loads_something_is_caught() {
    let dir = scratch("report-browser-leak");
    let page = dir.join("leak.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>leak</title></head>\
         <body><img src=\"http://127.0.0.1:9/leak.png\">leak</body></html>",
    )
    .unwrap();
    let net_log = dir.join("net-log.json");
    run_chromium(
        &page,
        &dir.join("profile"),
        &[
            "--dump-dom".into(),
            format!("--log-net-log={}", net_log.display()),
        ],
    );
    assert_eq!(page_requests(&net_log), ["http://127.0.0.1:9/leak.png"]);
}
