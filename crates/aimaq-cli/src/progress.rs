//! Progress of a screening run: a bar on a terminal, a plain line every 10 s elsewhere.

use aimaq_io::pipeline::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A bar on a terminal, else a plain line every 10 s.
    Auto,
    /// Plain lines every 10 s, terminal or not.
    Plain,
    /// Nothing.
    Off,
    /// One JSON object a line on standard error, for programs that show the progress
    /// themselves (the QGIS provider): `{"progress":{"done":N,"total":M}}` (`total` null
    /// when unknown) at most every 0.2 s and at the end, `{"progress":"finishing"}` while
    /// the report is completed.
    Json,
}

/// A display fed by the pipeline's [`Progress`] callback.
pub struct Display {
    bar: ProgressBar,
    mode: Mode,
    /// When the last [`Mode::Json`] line was written.
    last_line: std::sync::Mutex<Option<Instant>>,
}

impl Display {
    /// A display; its length comes with the run's first event.
    pub fn new(mode: Mode) -> Display {
        let bar = match mode {
            Mode::Off | Mode::Json => ProgressBar::hidden(),
            Mode::Auto if std::io::stderr().is_terminal() => bar(),
            // not a terminal: a plain line now and then, which logs keep readably
            _ => plain(),
        };
        Display {
            bar,
            mode,
            last_line: std::sync::Mutex::new(None),
        }
    }

    /// What the pipeline calls.
    pub fn update(&self, p: Progress) {
        if self.mode == Mode::Json {
            return self.json(p);
        }
        match p {
            Progress::Started(Some(total)) => self.bar.set_length(total),
            Progress::Started(None) => {}
            Progress::Written(n) => self.bar.set_position(n),
            Progress::Finishing => {
                self.bar.finish_and_clear();
                if self.mode != Mode::Off {
                    // a million-parcel GeoPackage takes a while here, with no rows to count
                    eprintln!("aimaq: completing the report (spatial indexes)…");
                }
            }
        }
    }

    /// A line of [`Mode::Json`]: every 0.2 s at most while rows are written.
    fn json(&self, p: Progress) {
        let line = |done: u64, total: Option<u64>| {
            eprintln!(
                "{}",
                serde_json::json!({"progress": {"done": done, "total": total}})
            );
        };
        match p {
            Progress::Started(total) => {
                if let Some(t) = total {
                    self.bar.set_length(t);
                }
                line(0, total);
            }
            Progress::Written(n) => {
                self.bar.set_position(n);
                let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
                if last.is_none_or(|t| t.elapsed() >= Duration::from_millis(200)) {
                    *last = Some(Instant::now());
                    line(n, self.bar.length());
                }
            }
            Progress::Finishing => {
                line(self.bar.position(), self.bar.length());
                eprintln!("{}", serde_json::json!({"progress": "finishing"}));
            }
        }
    }

    /// Clears the display.
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}

fn bar() -> ProgressBar {
    let bar = ProgressBar::no_length();
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} screening [{bar:30}] {human_pos}/{human_len} parcels  {rate}  ETA {eta}",
        )
        .expect("valid template")
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} parcels/s", state.per_sec());
            },
        )
        .progress_chars("=> "),
    );
    bar
}

fn plain() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    let shadow = bar.clone();
    std::thread::spawn(move || {
        let start = Instant::now();
        while !shadow.is_finished() {
            std::thread::sleep(Duration::from_millis(250));
            if start.elapsed().as_millis() % 10_000 < 250 && !shadow.is_finished() {
                let n = shadow.position();
                let rate = n as f64 / start.elapsed().as_secs_f64().max(1e-9);
                let of = shadow
                    .length()
                    .map(|l| format!(" of {l}"))
                    .unwrap_or_default();
                eprintln!("aimaq: screened {n}{of} parcels ({rate:.0}/s)");
            }
        }
    });
    bar
}
