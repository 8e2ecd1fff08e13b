//! `GET /decisions/{id}/report.pdf`: the decision record printed to PDF by headless
//! Chromium, when the machine has it. The record is self-contained HTML (inline CSS and
//! SVG), written to a private temporary directory and printed from `file://`, so the
//! browser needs no network, no token and nothing of the desk.

use crate::Error;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The flags every headless run gets: no sandbox (it needs privileges containers lack),
/// no GPU, and none of the browser's own network traffic.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
];

/// Prints HTML to PDF with Chromium, one document at a time.
pub struct Renderer {
    configured: Option<PathBuf>,
    found: OnceLock<Option<PathBuf>>,
    one_at_a_time: Semaphore,
}

impl Renderer {
    /// Uses `chromium` when given, else the first of `$AIMAQ_CHROMIUM`, `chromium`,
    /// `chromium-browser`, `google-chrome` found on `PATH`.
    pub fn new(chromium: Option<PathBuf>) -> Renderer {
        Renderer {
            configured: chromium,
            found: OnceLock::new(),
            one_at_a_time: Semaphore::new(1),
        }
    }

    /// The browser, if there is one.
    pub fn browser(&self) -> Option<&PathBuf> {
        self.found
            .get_or_init(|| {
                if let Some(c) = &self.configured {
                    return c.is_file().then(|| c.clone());
                }
                if let Some(c) = std::env::var_os("AIMAQ_CHROMIUM").filter(|c| !c.is_empty()) {
                    let c = PathBuf::from(c);
                    return c.is_file().then_some(c);
                }
                let path = std::env::var_os("PATH")?;
                for dir in std::env::split_paths(&path) {
                    for name in ["chromium", "chromium-browser", "google-chrome"] {
                        let c = dir.join(name);
                        if c.is_file() {
                            return Some(c);
                        }
                    }
                }
                None
            })
            .as_ref()
    }

    /// Whether PDFs can be made here.
    pub fn available(&self) -> bool {
        self.browser().is_some()
    }

    /// The PDF of `html`.
    pub async fn render(&self, html: String) -> Result<Vec<u8>, Error> {
        let Some(browser) = self.browser().cloned() else {
            return Err(Error::PdfUnavailable(
                "this desk has no Chromium (looked for $AIMAQ_CHROMIUM, chromium, chromium-browser, google-chrome on PATH), so it cannot make PDFs: open the record at …/report and print it from the browser (A4, the page is laid out for it), or install Chromium (Debian: apt-get install chromium)".into(),
            ));
        };
        // one Chromium at a time; a queue longer than a minute is an overloaded desk
        let _turn = tokio::time::timeout(Duration::from_secs(60), self.one_at_a_time.acquire())
            .await
            .map_err(|_| {
                Error::Timeout("other PDFs are being printed: try again in a minute".into())
            })?
            .map_err(|_| Error::Internal("the PDF renderer closed".into()))?;
        let dir = tempfile::Builder::new()
            .prefix("aimaq-pdf-")
            .tempdir()
            .map_err(|e| Error::Internal(format!("no temporary directory: {e}")))?;
        let page = dir.path().join("record.html");
        let pdf = dir.path().join("record.pdf");
        tokio::fs::write(&page, html)
            .await
            .map_err(|e| Error::Internal(format!("cannot write the record: {e}")))?;
        let mut cmd = tokio::process::Command::new(&browser);
        cmd.args(CHROMIUM_FLAGS)
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg("--no-pdf-header-footer")
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| {
            Error::PdfUnavailable(format!("cannot start {}: {e}", browser.display()))
        })?;
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .map_err(|_| Error::Internal("Chromium took more than 60 s to print".into()))?
            .map_err(|e| Error::Internal(format!("Chromium failed: {e}")))?;
        let bytes = tokio::fs::read(&pdf).await.unwrap_or_default();
        if !bytes.starts_with(b"%PDF") {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
            return Err(Error::Internal(format!(
                "Chromium ({}) made no PDF (exit {}): {last}",
                browser.display(),
                out.status
            )));
        }
        Ok(bytes)
    }
}
