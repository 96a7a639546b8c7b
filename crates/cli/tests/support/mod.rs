//! What the browser tests share: a `shishi demo` on a fresh database, chromedriver with a
//! headless Chromium, sign-in, waiting for a page to say something, screenshots, and the
//! check that no page names another host.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them); the
//! paths can be changed with SHISHI_CHROMIUM and SHISHI_CHROMEDRIVER.

// Each browser test file uses a different part of this.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "shishi-demo";
pub const PHONE: (u32, u32) = (360, 780);
pub const DESKTOP: (u32, u32) = (1280, 900);

/// A process killed when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `shishi demo` on a fresh data directory and port; its base URL without the final slash.
pub fn start_demo(data: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(["demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start shishi demo");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("shishi demo stopped before printing its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("shishi demo: ") {
            break url.trim().trim_end_matches('/').to_owned();
        }
    };
    // Keep reading so the demo never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (running, url)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_chromedriver() -> (Running, String) {
    let driver =
        std::env::var("SHISHI_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    assert!(
        Path::new(&driver).exists(),
        "{driver} is missing: install Debian's chromium and chromium-driver (scripts/test does)"
    );
    let port = free_port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Running(child), url)
}

pub async fn browser(driver: &str) -> Client {
    let chromium = std::env::var("SHISHI_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage",
                "--lang=zh-CN", "--hide-scrollbars",
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a chromium session through chromedriver")
}

/// The workspace's `target/screenshots/`: the test binary lives in `target/debug/deps`.
pub fn screenshot_dir() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_shishi"));
    let target = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves the page at phone and desktop widths as `{name}-phone.png` and `{name}-desktop.png`;
/// the window is left at desktop width.
pub async fn screenshots(client: &Client, name: &str) -> Vec<u8> {
    let dir = screenshot_dir();
    let mut last = Vec::new();
    for (label, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        client.set_window_size(width, height).await.unwrap();
        // Let the layout settle at the new width, then make the window as tall as the page so
        // the picture shows all of it (WebDriver's screenshot is of the viewport only).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let page_height = client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(u64::from(height));
        let chrome_height = u64::from(height) - viewport_height(client).await;
        let tall = (page_height + chrome_height).clamp(u64::from(height), 4000);
        client
            .set_window_size(width, u32::try_from(tall).unwrap())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        std::fs::write(dir.join(format!("{name}-{label}.png")), &png).unwrap();
        last = png;
    }
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    last
}

pub async fn viewport_height(client: &Client) -> u64 {
    client
        .execute("return window.innerHeight;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

pub async fn sign_in(client: &Client, base: &str, login: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .find(Locator::Css("input[name=login]"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the browser is on `path` (a click's navigation can finish after the click),
/// and says where it is instead when it does not get there.
pub async fn arrive(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path().starts_with(path) {
            return;
        }
        if Instant::now() > deadline {
            panic!("expected {path}, on {url}: {}", body_text(client).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn sign_out(client: &Client) {
    // From a page with the header's sign-out form (an error page has no session menu).
    let here = client.current_url().await.unwrap();
    client.goto(here.join("/").unwrap().as_str()).await.unwrap();
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Signed out once the header offers to sign in again.
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("header a[href='/login']"))
        .await
        .expect("signed out");
}

/// The page's text once it has loaded; a page still being replaced after a click is waited
/// for rather than read half-way.
pub async fn body_text(client: &Client) -> String {
    for _ in 0..50 {
        let text = client
            .execute(
                "return document.readyState === 'complete' ? document.body.innerText : null;",
                vec![],
            )
            .await;
        if let Ok(serde_json::Value::String(text)) = text {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page did not finish loading");
}

/// Whether the page comes to say `needle` within a few seconds (after a click the old page
/// may still be showing for a moment).
pub async fn page_says(client: &Client, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if body_text(client).await.contains(needle) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Every URL a page names must be on the server itself: no CDN, no web font, no call home.
pub fn assert_no_other_host(page: &str, source: &str, base: &str) {
    let mut rest = source;
    while let Some(at) = rest.find("//") {
        let before = &rest[..at];
        let after = &rest[at + 2..];
        let scheme_or_quote = before.ends_with("http:")
            || before.ends_with("https:")
            || before.ends_with('"')
            || before.ends_with('\'')
            || before.ends_with('(');
        if scheme_or_quote {
            let own = base.trim_start_matches("http://");
            assert!(
                after.starts_with(own) || after.starts_with("www.w3.org/2000/svg"),
                "{page} names another host: …{}…",
                &source[source.len() - rest.len() + at.saturating_sub(20)..]
                    .chars()
                    .take(80)
                    .collect::<String>()
            );
        }
        rest = after;
    }
}
