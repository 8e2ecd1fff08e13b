//! `aimaq serve` as a process and `aimaq decisions verify` on its store: the desk killed
//! while decisions are being written loses none it answered; bad requests never take it
//! down; verification re-runs decisions and catches tampering and changed rules.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::repo;

/// A desk on 127.0.0.1:0; its address, read from what it prints.
struct Desk {
    child: Child,
    port: u16,
}

impl Desk {
    fn start(store: &Path, extra: &[&str]) -> Desk {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aimaq"))
            .args(["serve", "--bind", "127.0.0.1:0", "--store"])
            .arg(store)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aimaq serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let line = lines.next().expect("the desk says where it is").unwrap();
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "the desk did not start");
        };
        // keep draining its stderr so it never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        Desk { child, port }
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection: status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..text_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {head}")))?;
    Ok((status, raw[text_end + 4..].to_vec()))
}

fn demo() -> Vec<Value> {
    let text = std::fs::read_to_string(repo("fixtures/parcels/demo.geojson")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

fn verify(store: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["decisions", "verify", "--store"])
        .arg(store)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn killed_mid_write_the_desk_loses_no_decision_it_answered() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let desk = Desk::start(&store, &[]);
    let port = desk.port;
    let parcels = demo();
    let answered: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (answered, stop, parcels) = (Arc::clone(&answered), Arc::clone(&stop), parcels.clone());
            std::thread::spawn(move || {
                let mut i = c;
                let mut bad = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    // every fifth request is garbage, a huge body or an unknown use
                    let (ct, body): (&str, Vec<u8>) = match i % 5 {
                        0 => ("application/json", b"{\"type\": \"Feat".to_vec()),
                        1 if c == 0 => ("application/json", vec![b'7'; 2 << 20]),
                        2 if c == 1 => ("application/geo+json", json!({"type": "Feature", "properties": {"id": "x", "use": "carwash"}, "geometry": parcels[0]["geometry"]}).to_string().into_bytes()),
                        _ => ("application/geo+json", parcels[i % parcels.len()].to_string().into_bytes()),
                    };
                    match http(port, "POST", "/api/v1/check", ct, &body) {
                        Ok((201, body)) => {
                            let v: Value = serde_json::from_slice(&body).unwrap();
                            let id = v["decision"]["id"].as_str().unwrap().to_string();
                            answered.lock().unwrap().push((id, v["parcels"].clone()));
                        }
                        Ok((status, _)) => {
                            assert!((400..500).contains(&status), "{status}");
                            bad += 1;
                        }
                        // the desk is gone
                        Err(_) => break,
                    }
                }
                bad
            })
        })
        .collect();
    // let decisions pile up, then kill the desk while they are being written
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.lock().unwrap().len() < 120 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut desk = desk;
    desk.child.kill().unwrap(); // SIGKILL: no shutdown, no flush, mid-transaction
    desk.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let refused: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 120,
        "only {} decisions before the deadline",
        answered.len()
    );
    assert!(refused > 0, "the bad requests were sent and refused");

    // reopened, the store is sound and holds every decision that was answered, as answered
    let reopened =
        aimaq_server::store::Store::open(&store, aimaq_server::store::Durability::Full).unwrap();
    assert_eq!(reopened.integrity_check().unwrap(), vec!["ok".to_string()]);
    let stored = reopened.count().unwrap() as usize;
    assert!(
        stored >= answered.len(),
        "{stored} stored < {} answered",
        answered.len()
    );
    for (id, parcels) in &answered {
        let r = reopened
            .get(id)
            .unwrap()
            .unwrap_or_else(|| panic!("decision {id} was answered and lost"));
        assert_eq!(&r.result["parcels"], parcels, "{id}");
    }
    drop(reopened);

    // and every one of them verifies, chain intact
    let (ok, out) = verify(&store, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("{stored} the same, 0 differ")),
        "{out}"
    );
    assert!(out.contains("hash chain intact"), "{out}");

    // a restarted desk continues the same log
    let desk = Desk::start(&store, &[]);
    let (status, body) = http(
        desk.port,
        "POST",
        "/api/v1/check",
        "application/geo+json",
        parcels[24].to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["decision"]["seq"].as_u64().unwrap() as usize, stored + 1);
    drop(desk);
    let (ok, out) = verify(&store, &[]);
    assert!(ok && out.contains("hash chain intact"), "{out}");
}

#[test]
fn verify_catches_tampering_and_answers_the_appeal_question() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("decisions.sqlite");
    let p025 = demo()
        .into_iter()
        .find(|f| f["properties"]["id"] == "P-025")
        .unwrap();
    {
        let desk = Desk::start(&store, &[]);
        for lang in ["en", "kk"] {
            let (status, body) = http(
                desk.port,
                "POST",
                &format!("/api/v1/check?lang={lang}"),
                "application/geo+json",
                p025.to_string().as_bytes(),
            )
            .unwrap();
            assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        }
    }
    let (ok, out) = verify(&store, &[]);
    assert!(ok, "{out}");

    // today's catalog says the Turgen's zone is 350 m, not 550: what would the answer be?
    let catalog = std::fs::read_to_string(repo("data/regulations/almaty-2020.toml"))
        .unwrap()
        .replace(
            "widths.zone_m = { min = 550, max = 1700, scheme = \"L541-542\", digest = \"R14\" }",
            "widths.zone_m = { min = 350, max = 1700, scheme = \"L541-542\", digest = \"R14\" }",
        );
    let amended = dir.path().join("amended.toml");
    std::fs::write(&amended, catalog).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["decisions", "verify", "--json", "--current", "--catalog"])
        .arg(&amended)
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["against"], "current");
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    let changes = v["findings"][0]["changes"].as_array().unwrap();
    // 400 m from the river: beyond the new 350 m minimum, within the 1700 m maximum
    assert!(
        changes
            .iter()
            .any(|c| c["path"] == "parcels[0].findings[0].severity"
                && c["before"] == "prohibited"
                && c["after"] == "review"),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|c| c["path"] == "parcels[0].verdict"),
        "{changes:?}"
    );
    // against what they recorded, the decisions still stand
    assert!(verify(&store, &[]).0);

    // someone edits a decision behind aimaq's back (dropping the trigger first)
    {
        let c = rusqlite::Connection::open(&store).unwrap();
        c.execute_batch(
            "DROP TRIGGER decisions_no_update;
             UPDATE decisions SET verdict = 'clear', result = replace(result, '\"verdict\":\"prohibited\"', '\"verdict\":\"clear\"') WHERE seq = 1;",
        )
        .unwrap();
    }
    let (ok, out) = verify(&store, &[]);
    assert!(!ok);
    assert!(out.contains("does not match its digest"), "{out}");
    assert!(out.contains("hash chain BROKEN"), "{out}");
}

#[test]
fn verify_refuses_what_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = verify(&dir.path().join("none.sqlite"), &[]);
    assert!(!ok);
    assert!(out.contains("no such store"), "{out}");
}
