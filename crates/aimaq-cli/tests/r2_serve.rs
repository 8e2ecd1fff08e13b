//! Reliability round 2 (issue 18), `aimaq serve` as a process: a second desk on one
//! store is refused naming the first; idle sockets beyond the file-descriptor limit do
//! not take the desk down; SIGTERM stops it with an import in flight; `decisions list`
//! prints the chain head and `decisions verify --head` catches a cut tail. Every loop
//! is bounded in count and time; traffic goes to 127.0.0.1 only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::repo;

struct Desk {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Desk {
    /// `aimaq serve` on 127.0.0.1:0, under `ulimit -n` when given.
    fn start(store: &Path, extra: &[&str], nofile: Option<u32>) -> Desk {
        let exe = env!("CARGO_BIN_EXE_aimaq");
        let mut cmd = match nofile {
            // the shell's ulimit is setrlimit(RLIMIT_NOFILE) in the child, before exec
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(exe);
                c
            }
            None => Command::new(exe),
        };
        let mut child = cmd
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--sync",
                "normal",
                "--store",
            ])
            .arg(store)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aimaq serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let stderr = Arc::new(Mutex::new(String::new()));
        let port = loop {
            let line = lines.next().expect("the desk says where it is").unwrap();
            stderr.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "the desk did not start");
        };
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                let mut s = log.lock().unwrap();
                s.push_str(&l);
                s.push('\n');
            }
        });
        Desk {
            child,
            port,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    ct: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {raw}")))?;
    Ok((
        status,
        raw.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    ))
}

fn p025() -> String {
    let text = std::fs::read_to_string(repo("fixtures/parcels/demo.geojson")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "P-025")
        .unwrap()
        .to_string()
}

fn term(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM {pid}");
}

/// Waits for the process to end; its exit status, or None at the deadline.
fn wait_for(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn r2_a_second_server_on_the_same_store_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let first = Desk::start(&store, &[], None);
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["serve", "--bind", "127.0.0.1:0", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&store.display().to_string()), "{err}");
    assert!(err.contains(&format!("process {}", first.pid())), "{err}");
    assert!(err.contains("in use by another aimaq serve"), "{err}");
    // the first desk is unharmed
    let (status, _) = http(first.port, "GET", "/healthz", "text/plain", b"").unwrap();
    assert_eq!(status, 200);
    // a desk refusing an unrelated SQLite file leaves it as it was
    let other = dir.path().join("app.db");
    std::fs::write(&other, b"").unwrap();
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["serve", "--bind", "127.0.0.1:0", "--store"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an aimaq decision store"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn r2_idle_sockets_beyond_the_descriptor_limit_do_not_take_the_desk_down() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    // a cap above the descriptor limit, so that accept itself runs out (EMFILE)
    let desk = Desk::start(
        &store,
        &["--idle-timeout", "2", "--max-connections", "1000"],
        Some(160),
    );
    let started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..300 {
        match TcpStream::connect_timeout(
            &(std::net::Ipv4Addr::LOCALHOST, desk.port).into(),
            Duration::from_secs(2),
        ) {
            Ok(s) => idle.push(s),
            Err(_) => break,
        }
    }
    assert!(idle.len() >= 200, "only {} connections", idle.len());
    // the desk answers while they are held: within the idle timeout plus a margin
    let mut answered = None;
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok((200, body)) = http(desk.port, "GET", "/healthz", "text/plain", b"") {
            answered = Some((started.elapsed(), body));
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (after, body) = answered.expect("/healthz never answered while idle sockets were held");
    assert!(body.contains("\"ok\""), "{body}");
    eprintln!(
        "r2 idle sockets: {} held, /healthz answered after {after:?}",
        idle.len()
    );
    // the server closed the idle ones it accepted
    let mut closed = 0;
    for s in idle.iter_mut().take(50) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 1];
        if matches!(s.read(&mut b), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert!(closed >= 45, "only {closed} of 50 idle sockets were closed");
    drop(idle);
    // and it still checks parcels
    let (status, body) = http(
        desk.port,
        "POST",
        "/api/v1/check",
        "application/geo+json",
        p025().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    assert!(
        desk.stderr
            .lock()
            .unwrap()
            .contains("cannot accept a connection"),
        "EMFILE was not reached"
    );
}

#[test]
fn r2_sigterm_stops_the_desk_with_an_import_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let mut desk = Desk::start(&store, &["--timeout", "30"], None);
    // an upload that has started and stalls: the import is in flight
    let mut s = TcpStream::connect(("127.0.0.1", desk.port)).unwrap();
    write!(
        s,
        "POST /api/v1/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n{{\"type\": \"FeatureCollection\", "
    )
    .unwrap();
    let (status, _) = http(
        desk.port,
        "POST",
        "/api/v1/check",
        "application/geo+json",
        p025().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201);
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    term(desk.pid());
    let exit = wait_for(&mut desk.child, Duration::from_secs(20))
        .expect("the desk was still running 20 s after SIGTERM");
    eprintln!("r2 sigterm: stopped after {:?} ({exit})", sent.elapsed());
    drop(s);
    // the decision answered before is stored
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["decisions", "list", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("P-025"));
}

#[test]
fn r2_list_prints_the_head_and_verify_head_catches_a_cut_tail() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let desk = Desk::start(&store, &[], None);
    let mut chains = Vec::new();
    for _ in 0..3 {
        let (status, body) = http(
            desk.port,
            "POST",
            "/api/v1/check",
            "application/geo+json",
            p025().as_bytes(),
        )
        .unwrap();
        assert_eq!(status, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let id = v["decision"]["id"].as_str().unwrap().to_string();
        let (_, rec) = http(
            desk.port,
            "GET",
            &format!("/api/v1/decisions/{id}"),
            "text/plain",
            b"",
        )
        .unwrap();
        let rec: serde_json::Value = serde_json::from_str(&rec).unwrap();
        chains.push(rec["digests"]["chain"].as_str().unwrap().to_string());
        // the printed record shows its chain link
        let (_, html) = http(
            desk.port,
            "GET",
            &format!("/api/v1/decisions/{id}/report"),
            "text/plain",
            b"",
        )
        .unwrap();
        assert!(
            html.contains(chains.last().unwrap()),
            "the record does not print its chain link"
        );
    }
    drop(desk);
    let aimaq = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
            .args(args)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = aimaq(&["decisions", "list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("chain head: {}", chains[2])), "{out}");
    let (code, out) = aimaq(&["decisions", "verify", "--head", &chains[2]]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("found: decision 3"), "{out}");
    // the newest decision removed around the triggers
    {
        let c = rusqlite::Connection::open(&store).unwrap();
        c.execute_batch("DROP TRIGGER decisions_no_delete; DELETE FROM decisions WHERE seq = 3;")
            .unwrap();
    }
    let (code, out) = aimaq(&["decisions", "verify"]);
    assert_eq!(
        code,
        Some(0),
        "without --head a cut tail cannot show: {out}"
    );
    let (code, out) = aimaq(&["decisions", "verify", "--head", &chains[2]]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("NOT FOUND"), "{out}");
    let (code, _) = aimaq(&["decisions", "verify", "--head", &chains[1]]);
    assert_eq!(code, Some(0));
}
