//! What the desk's API tests share: the embedded desk opened once, a router on a new
//! store, requests through `oneshot`, answers read as JSON, and the demo's parcels. Each
//! test file uses a part of it.
#![allow(dead_code)]

use aimaq_server::api::{self, State};
use aimaq_server::store::{Durability, Store};
use aimaq_server::{Config, Desk};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

pub fn desk() -> Arc<Desk> {
    static DESK: OnceLock<Arc<Desk>> = OnceLock::new();
    Arc::clone(DESK.get_or_init(|| Arc::new(Desk::open(&Default::default()).unwrap())))
}

pub struct Desked {
    pub app: Router,
    pub state: State,
    pub _dir: tempfile::TempDir,
}

pub fn app_with(config: Config) -> Desked {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("decisions.sqlite"), Durability::Normal).unwrap();
    let state = State::with_store(desk(), store, &config).unwrap();
    Desked {
        app: api::router(state.clone()),
        state,
        _dir: dir,
    }
}

pub fn app() -> Desked {
    app_with(Config::default())
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    /// Asserts the answer is the refusal `status` with the JSON error `code`.
    #[track_caller]
    pub fn assert_refused(&self, status: StatusCode, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{}",
            self.text()
        );
    }
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn call(app: &Router, req: Request<Body>) -> Answer {
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post(app: &Router, uri: &str, content_type: &str, body: impl Into<Body>) -> Answer {
    call(
        app,
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap(),
    )
    .await
}

pub fn demo(id: &str) -> Value {
    let text = include_str!("../../../../fixtures/parcels/demo.geojson");
    let all: Value = serde_json::from_str(text).unwrap();
    all["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == id)
        .unwrap()
        .clone()
}
