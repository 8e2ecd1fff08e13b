//! Counters and histograms in the Prometheus text format (0.0.4), kept by hand: a few
//! atomics and one lock-protected map are all a desk needs.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// The desk's metrics.
pub struct Metrics {
    started: Instant,
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
    checks: Mutex<Histogram>,
    checks_total: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            requests: Mutex::default(),
            durations: Mutex::default(),
            checks: Mutex::default(),
            checks_total: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    /// One request answered.
    pub fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .expect("metrics")
            .entry((method.to_string(), route.to_string(), status))
            .or_insert(0) += 1;
        self.durations
            .lock()
            .expect("metrics")
            .entry(route.to_string())
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// One check's engine time (parse, reprojection, check; not the store).
    pub fn check_seconds(&self, took: Duration) {
        self.checks_total.fetch_add(1, Ordering::Relaxed);
        self.checks
            .lock()
            .expect("metrics")
            .observe(took.as_secs_f64());
    }

    /// The text exposition.
    pub fn render(&self, decisions: Option<i64>, jobs: &BTreeMap<&'static str, usize>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP aimaq_build_info The running aimaq.");
        let _ = writeln!(out, "# TYPE aimaq_build_info gauge");
        let _ = writeln!(out, "aimaq_build_info{{version=\"{}\"}} 1", crate::VERSION);
        let _ = writeln!(
            out,
            "# HELP aimaq_uptime_seconds Seconds since the desk started."
        );
        let _ = writeln!(out, "# TYPE aimaq_uptime_seconds gauge");
        let _ = writeln!(
            out,
            "aimaq_uptime_seconds {}",
            self.started.elapsed().as_secs_f64()
        );
        let _ = writeln!(
            out,
            "# HELP aimaq_http_requests_total Requests answered, by method, route and status."
        );
        let _ = writeln!(out, "# TYPE aimaq_http_requests_total counter");
        for ((m, r, s), n) in self.requests.lock().expect("metrics").iter() {
            let _ = writeln!(
                out,
                "aimaq_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {n}",
                escape(r)
            );
        }
        let _ = writeln!(
            out,
            "# HELP aimaq_http_request_duration_seconds Time to answer, by route."
        );
        let _ = writeln!(out, "# TYPE aimaq_http_request_duration_seconds histogram");
        for (r, h) in self.durations.lock().expect("metrics").iter() {
            h.render(
                &mut out,
                "aimaq_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(r)),
            );
        }
        let _ = writeln!(out, "# HELP aimaq_check_duration_seconds Engine time of a check (parse, reprojection, check), without the store.");
        let _ = writeln!(out, "# TYPE aimaq_check_duration_seconds histogram");
        self.checks
            .lock()
            .expect("metrics")
            .render(&mut out, "aimaq_check_duration_seconds", "");
        if let Some(n) = decisions {
            let _ = writeln!(out, "# HELP aimaq_decisions Decisions in the store.");
            let _ = writeln!(out, "# TYPE aimaq_decisions gauge");
            let _ = writeln!(out, "aimaq_decisions {n}");
        }
        let _ = writeln!(
            out,
            "# HELP aimaq_screen_jobs Screening jobs held, by state."
        );
        let _ = writeln!(out, "# TYPE aimaq_screen_jobs gauge");
        for (state, n) in jobs {
            let _ = writeln!(out, "aimaq_screen_jobs{{state=\"{state}\"}} {n}");
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe("POST", "/api/v1/check", 201, Duration::from_micros(800));
        m.observe("POST", "/api/v1/check", 201, Duration::from_millis(30));
        let text = m.render(Some(2), &BTreeMap::new());
        assert!(text.contains(
            "aimaq_http_requests_total{method=\"POST\",route=\"/api/v1/check\",status=\"201\"} 2"
        ));
        assert!(text.contains(
            "aimaq_http_request_duration_seconds_bucket{route=\"/api/v1/check\",le=\"0.001\"} 1"
        ));
        assert!(text.contains(
            "aimaq_http_request_duration_seconds_bucket{route=\"/api/v1/check\",le=\"0.05\"} 2"
        ));
        assert!(text.contains("aimaq_decisions 2"));
    }
}
