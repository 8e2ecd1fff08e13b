//! The router: the JSON API under `/api/v1`, the page and its assets, `/healthz` and
//! `/metrics`. Handlers never block the runtime: checks run on rayon, the store has its
//! own writer thread, reads and renders run on blocking threads.

use crate::jobs::Jobs;
use crate::layers::Layers;
use crate::metrics::Metrics;
use crate::request::{self, CheckParams};
use crate::store::{NewDecision, Store};
use crate::{assets, decide, pdf, report, Config, Desk, Error, Limits};
use aimaq_rules::Lang;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::time::timeout_at;

pub use crate::routes::PREFIX;

/// Query parameters; a malformed query is a JSON `bad_parameter`, like every other error.
struct Query<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| Error::BadParameter(e.body_text()))
    }
}

/// Path parameters, with JSON rejections.
struct Path<T>(T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| Error::BadParameter(e.body_text()))
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct State(Arc<Inner>);

struct Inner {
    desk: Arc<Desk>,
    store: Arc<Store>,
    limits: Limits,
    token: Option<String>,
    metrics: Metrics,
    layers: Layers,
    jobs: Jobs,
    pdf: pdf::Renderer,
    bind: std::net::SocketAddr,
    allowed_hosts: Vec<String>,
    imports: Arc<tokio::sync::Semaphore>,
    parcels: Option<Arc<crate::parcels::ParcelIndex>>,
}

impl State {
    /// Opens the store, records the desk's catalog and dataset in it, and prepares the
    /// map layers.
    pub fn new(desk: Desk, config: &Config) -> Result<State, Error> {
        let store = Store::open(&config.store, config.durability)
            .map_err(|e| Error::Setup(e.to_string()))?;
        State::with_store(Arc::new(desk), store, config)
    }

    /// The same, with a store already open (tests share a desk between stores).
    pub fn with_store(desk: Arc<Desk>, store: Store, config: &Config) -> Result<State, Error> {
        store
            .register_catalog(
                desk.catalog_digest(),
                &desk.catalog().info().id,
                desk.catalog_text(),
            )
            .and_then(|()| {
                store.register_dataset(
                    desk.dataset_digest(),
                    desk.dataset_label(),
                    desk.metric().definition(),
                    desk.features().len(),
                    desk.snapshot(),
                )
            })
            .map_err(|e| Error::Setup(e.to_string()))?;
        let layers = Layers::new(&desk).map_err(Error::Setup)?;
        Ok(State(Arc::new(Inner {
            jobs: Jobs::new(Arc::clone(&desk), config.limits.clone()),
            desk,
            store: Arc::new(store),
            limits: config.limits.clone(),
            token: config.token.clone().filter(|t| !t.is_empty()),
            metrics: Metrics::default(),
            layers,
            pdf: pdf::Renderer::new(config.chromium.clone()),
            bind: config.bind,
            allowed_hosts: config
                .allowed_hosts
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            imports: Arc::new(tokio::sync::Semaphore::new(config.limits.max_imports)),
            parcels: config.parcels.clone(),
        })))
    }

    /// The desk.
    pub fn desk(&self) -> &Desk {
        &self.0.desk
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets requests in flight
/// finish (for a bounded time), stops screening jobs and closes the store (committing
/// what is queued).
///
/// The accept loop is the desk's own, on hyper's HTTP/1 connection builder: a connection
/// that sends no complete request head within [`Limits::idle_timeout`] of opening or of
/// its last answer is closed (slow headers and idle keep-alive alike); at most
/// [`Limits::max_connections`] are open at once (the next wait in the kernel's backlog);
/// an accept that fails for want of file descriptors is retried after a pause, never
/// the end of the loop; and hyper's own answers to requests it cannot parse (400, 414,
/// 431) are given in the desk's JSON error format.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: State,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = router(state.clone());
    let limits = state.0.limits.clone();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .keep_alive(true)
        .max_header_size(64 * 1024);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    let mut emfile_said = false;
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                use std::io::ErrorKind::*;
                if !matches!(
                    e.kind(),
                    ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
                ) {
                    // out of file descriptors (EMFILE, ENFILE) or memory: wait for
                    // connections to close, and say so once
                    if !emfile_said {
                        eprintln!("aimaq serve: cannot accept a connection ({e}); waiting for some to close");
                        emfile_said = true;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        emfile_said = false;
        let _ = stream.set_nodelay(true);
        let io = hyper_util::rt::TokioIo::new(JsonParseErrors::new(stream));
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let builder = Arc::clone(&builder);
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let conn = builder.serve_connection(io, service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.wait_for(|s| *s) => {}
            }
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // requests in flight get a few seconds to finish (a check takes milliseconds); an
    // upload still arriving, or a read GDAL cannot stop, is abandoned: SIGTERM stops
    let grace = SHUTDOWN_GRACE;
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, slots.acquire_many(all)).await;
    let jobs = state.0.jobs.clone();
    let store = Arc::clone(&state.0.store);
    let _ = tokio::task::spawn_blocking(move || {
        jobs.shutdown(std::time::Duration::from_secs(5));
        store.close()
    })
    .await;
    Ok(())
}

/// How long requests in flight may take to finish once the desk is told to stop.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A connection whose answers hyper writes itself when it cannot parse a request (400,
/// 414, 431, with an empty body) are rewritten, on their way out, into the desk's JSON
/// error format; everything else passes through untouched. The desk's own error answers
/// always have a body, so an empty-bodied 4xx is hyper's.
struct JsonParseErrors<T> {
    inner: T,
    /// The replacement being written, how much of it is out, and the length of what
    /// hyper asked to write (reported once the replacement is out).
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<T> JsonParseErrors<T> {
    fn new(inner: T) -> Self {
        JsonParseErrors {
            inner,
            pending: None,
        }
    }
}

/// The JSON answer for one of hyper's own empty-bodied error heads, if `head` is one.
fn json_parse_error(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    if !text.ends_with("\r\n\r\n")
        || !text
            .to_ascii_lowercase()
            .contains("\r\ncontent-length: 0\r\n")
    {
        return None;
    }
    let (status, code, message) = match rest.get(..3)? {
        "400" => (400, "bad_request", "the request is not HTTP/1.1 that can be read: a malformed request line, method, target or header"),
        "414" => (414, "uri_too_long", "the request target is too long"),
        "431" => (431, "headers_too_large", "the request's headers are too large (the limit is 64 KiB for the request head)"),
        _ => return None,
    };
    let reason = rest.get(4..)?.split("\r\n").next()?;
    let body = json!({"error": {"code": code, "status": status, "message": message}}).to_string();
    Some(
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for JsonParseErrors<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for JsonParseErrors<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::task::Poll;
        if self.pending.is_none() {
            match json_parse_error(buf) {
                Some(replacement) => self.pending = Some((replacement, 0, buf.len())),
                None => return std::pin::Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        let this = &mut *self;
        let (bytes, at, reported) = this.pending.as_mut().expect("a replacement");
        while *at < bytes.len() {
            match std::pin::Pin::new(&mut this.inner).poll_write(cx, &bytes[*at..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => *at += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = *reported;
        this.pending = None;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The whole router.
pub fn router(state: State) -> Router {
    let open = Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi));
    let guarded = Router::new()
        .route("/check", post(check))
        .route("/preview", post(preview))
        .route("/decisions", get(list_decisions))
        .route("/decisions/{id}", get(get_decision))
        .route("/decisions/{id}/report", get(decision_report))
        .route("/decisions/{id}/report.pdf", get(decision_pdf))
        .route("/rules", get(rules))
        .route("/rules/{id}", get(rule))
        .route("/uses", get(uses))
        .route("/layers", get(layer_list))
        .route("/layers/{name}", get(layer))
        .route("/places", get(places))
        .route("/parcels", get(cadastre_parcels))
        .route("/import", post(import))
        .route("/screen", post(screen))
        .route("/jobs/{id}", get(job).delete(cancel_job))
        .route("/jobs/{id}/report.gpkg", get(job_report))
        .route("/jobs/{id}/parcels", get(job_parcels))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    let metrics = Router::new()
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .nest(PREFIX, open.merge(guarded))
        .merge(metrics)
        .route("/healthz", get(healthz))
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .fallback(not_found)
        .layer(middleware::from_fn(crate::i18n::localize_errors))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts every request and adds the headers every response carries.
async fn observe(AxState(s): AxState<State>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().clone();
    let started = Instant::now();
    let mut response = next.run(request).await;
    s.0.metrics.observe(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The host part of a `Host` header or an origin's authority: `[::1]:8080` → `::1`,
/// `Example.org.:80` → `example.org`.
fn host_name(authority: &str) -> String {
    let a = authority.trim();
    let host = if let Some(rest) = a.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        a.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(a, |(h, _)| h)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

impl State {
    /// Whether the desk answers to the host `name` (from `Host` or `Origin`): the
    /// address it is bound to; `localhost` and the loopback addresses when it is bound
    /// to loopback; any address when bound to all (0.0.0.0, ::) — an IP literal cannot be
    /// rebound —; and the names given with `--allowed-host`.
    fn host_allowed(&self, name: &str) -> bool {
        if self.0.allowed_hosts.iter().any(|h| h == name) {
            return true;
        }
        let bound = self.0.bind.ip();
        match name.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                ip == bound || bound.is_unspecified() || (bound.is_loopback() && ip.is_loopback())
            }
            Err(_) => bound.is_loopback() && (name == "localhost" || name.ends_with(".localhost")),
        }
    }
}

/// DNS rebinding and cross-site requests, before anything else: every request's `Host`
/// must be one the desk answers to; a state-changing request (anything but GET, HEAD,
/// OPTIONS) is refused when the browser says it comes from another site (`Sec-Fetch-Site`
/// other than `same-origin` or `none`) or its `Origin` is not the desk's own. Clients
/// that are not browsers send neither header and are not affected.
async fn guard(AxState(s): AxState<State>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    if let Some(host) = host {
        let name = host_name(host);
        if !s.host_allowed(&name) {
            return Error::HostNotAllowed(format!(
                "this desk does not answer to the host `{}`: start it with --allowed-host {} if that name is meant to reach it",
                name.escape_default(),
                name.escape_default()
            ))
            .into_response();
        }
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        if let Some(site) = headers.get("sec-fetch-site") {
            let site = site.to_str().unwrap_or("");
            if !matches!(site, "same-origin" | "none") {
                return Error::CrossOrigin(format!(
                    "a {} from another site (Sec-Fetch-Site: {}) is refused: the desk takes changes only from its own page or from clients that are not browsers",
                    request.method(),
                    site.escape_default()
                ))
                .into_response();
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("null");
            let authority = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            let same = match (authority, host) {
                (Some(a), Some(h)) => a.eq_ignore_ascii_case(h.trim()),
                (Some(a), None) => s.host_allowed(&host_name(a)),
                (None, _) => false,
            };
            if !same {
                return Error::CrossOrigin(format!(
                    "a {} from the origin `{}` is refused: the desk takes changes only from its own page or from clients that are not browsers",
                    request.method(),
                    origin.escape_default()
                ))
                .into_response();
            }
        }
    }
    next.run(request).await
}

/// The bearer token, when the desk has one: compared in constant time. The scheme's
/// name is case-insensitive (RFC 7235, 2.1): `bearer`, `Bearer` and `BEARER` are one.
async fn auth(AxState(s): AxState<State>, request: Request, next: Next) -> Response {
    if let Some(token) = &s.0.token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t)
            .unwrap_or("");
        if !constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
            return Error::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Error {
    Error::NotFound(format!("no {method} {}", uri.path()))
}

/// Reads a body of at most `limit` bytes before `deadline`.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    deadline: tokio::time::Instant,
) -> Result<Bytes, Error> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Error::BodyTooLarge { limit });
    }
    let read = async {
        let mut body = body;
        let mut out = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| Error::BadRequest(format!("cannot read the body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if out.len() + data.len() > limit {
                    return Err(Error::BodyTooLarge { limit });
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(out))
    };
    timeout_at(deadline, read).await.map_err(|_| {
        Error::Timeout("the request body did not arrive within the time limit".into())
    })?
}

/// Runs `f` on rayon's pool and waits for it until `deadline`. A check that overruns is
/// answered 408 at once; it finishes on its thread and is dropped (the engine cannot be
/// stopped midway, and a parcel within the vertex limit takes milliseconds).
async fn on_rayon<T: Send + 'static>(
    deadline: tokio::time::Instant,
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err(Error::Internal("the check panicked".into())));
        let _ = tx.send(out);
    });
    match timeout_at(deadline, rx).await {
        Ok(Ok(out)) => out,
        Ok(Err(_)) => Err(Error::Internal("the check was lost".into())),
        Err(_) => Err(Error::Timeout(
            "the check took longer than the time limit: send fewer or simpler parcels".into(),
        )),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a worker failed: {e}")))?
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn lang_of(q: Option<&str>) -> Result<Lang, Error> {
    match q {
        None => Ok(Lang::En),
        Some("") => Err(Error::BadParameter(
            "lang is empty: give kk, ru or en, or leave it out for en".into(),
        )),
        Some(l) => l
            .parse()
            .map_err(|e: aimaq_rules::UnknownLang| Error::BadParameter(e.to_string())),
    }
}

#[derive(Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

// ---- health, metrics, OpenAPI -------------------------------------------------------

async fn healthz(AxState(s): AxState<State>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "version": crate::VERSION,
        "catalog": {"id": s.desk().catalog().info().id, "digest": s.desk().catalog_digest()},
        "dataset": {"label": s.desk().dataset_label(), "digest": s.desk().dataset_digest()},
        "crs": s.desk().metric().label(),
        "pdf": s.0.pdf.available(),
    }))
}

async fn metrics(AxState(s): AxState<State>) -> Response {
    let store = Arc::clone(&s.0.store);
    let decisions = tokio::task::spawn_blocking(move || store.count().ok())
        .await
        .ok()
        .flatten();
    let text = s.0.metrics.render(decisions, &s.0.jobs.counts());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::api::OPENAPI,
    )
        .into_response()
}

/// The OpenAPI 3.1 document of the API.
pub const OPENAPI: &str = include_str!("openapi.json");

// ---- checks and decisions ------------------------------------------------------------

async fn check(
    AxState(s): AxState<State>,
    Query(params): Query<CheckParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let deadline = tokio::time::Instant::now() + s.0.limits.request_timeout;
    let media = media_type(&headers);
    // only the media types the OpenAPI document names, before the body is read
    if !matches!(
        media.as_str(),
        "application/json" | "application/geo+json" | "text/plain"
    ) {
        return Err(Error::UnsupportedMediaType(format!(
            "`{}`: send application/json (GeoJSON or the envelope), application/geo+json, or text/plain (WKT)",
            media.escape_default()
        )));
    }
    let bytes = read_body(&headers, body, s.0.limits.max_body_bytes, deadline).await?;
    let started = Instant::now();
    let desk = Arc::clone(&s.0.desk);
    let limits = s.0.limits.clone();
    let (request, decided) = on_rayon(deadline, move || {
        let request = request::parse(&desk, &bytes, &media, &params, &limits)?;
        let decided = decide::run(&desk, &request)?;
        Ok((request, decided))
    })
    .await?;
    if let Some((id, reason)) = decided.errors.first() {
        return Err(Error::Parcel {
            id: id.clone(),
            reason: reason.clone(),
        });
    }
    s.0.metrics.check_seconds(started.elapsed());
    let desk = &s.0.desk;
    let request_text =
        serde_json::to_string(&request).map_err(|e| Error::Internal(e.to_string()))?;
    let result_text =
        serde_json::to_string(&decided.result).map_err(|e| Error::Internal(e.to_string()))?;
    let new = NewDecision {
        aimaq_version: crate::VERSION.into(),
        catalog_digest: desk.catalog_digest().into(),
        dataset_digest: desk.dataset_digest().into(),
        crs: desk.metric().definition().into(),
        lang: request.lang.code().into(),
        as_of: request.as_of.map(|d| d.to_string()),
        verdict: decided.verdict.as_str().into(),
        parcels: request.parcels.len(),
        request: request_text,
        result: result_text,
    };
    let catalog_id = desk.catalog().info().id.clone();
    // the store is not raced against the deadline: a decision being committed is
    // answered, never abandoned half-way
    let result_text = new.result.clone();
    let assigned =
        s.0.store
            .append(new)
            .await
            .map_err(|_| Error::Store("the store closed".into()))?
            .map_err(|e| Error::Store(e.to_string()))?;
    let decision = decision_block(
        &assigned.id,
        &assigned.created_at,
        assigned.seq,
        crate::VERSION,
        &catalog_id,
        desk.catalog_digest(),
        desk.dataset_label(),
        desk.dataset_digest(),
    );
    // the contract's text as stored, with the decision block in front: one serialisation
    let mut body = String::with_capacity(result_text.len() + 512);
    body.push_str("{\"decision\":");
    body.push_str(&decision.to_string());
    body.push(',');
    body.push_str(&result_text[1..]);
    let mut response = json_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&format!("{PREFIX}/decisions/{}", assigned.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `POST /preview`: the parcels of a check request, read and placed as `/check` reads
/// them, in WGS84 for the map, without checking or recording anything. The page draws
/// pasted coordinates and WKT with it before the check, and learns of swapped axes.
async fn preview(
    AxState(s): AxState<State>,
    Query(params): Query<CheckParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, Error> {
    let deadline = tokio::time::Instant::now() + s.0.limits.request_timeout;
    let media = media_type(&headers);
    let bytes = read_body(&headers, body, s.0.limits.max_body_bytes, deadline).await?;
    let desk = Arc::clone(&s.0.desk);
    let limits = s.0.limits.clone();
    on_rayon(deadline, move || {
        let request = request::parse(&desk, &bytes, &media, &params, &limits)?;
        let crs = desk.input_crs(&request.crs)?;
        let mut features = Vec::with_capacity(request.parcels.len());
        for p in &request.parcels {
            let g = match &crs {
                crate::desk::InputCrs::Wgs84 => p.geometry.clone(),
                crate::desk::InputCrs::Metric(_, to_wgs84) => to_wgs84
                    .apply(&p.geometry)
                    .map_err(|e| Error::NotInCrs(format!("parcel `{}`: {e}", p.id)))?,
            };
            features.push(json!({
                "type": "Feature",
                "properties": {"id": p.id, "use": p.use_code},
                "geometry": crate::layers::geometry_json(&geo::Geometry::MultiPolygon(g)),
            }));
        }
        Ok(Json(
            json!({"type": "FeatureCollection", "crs_given": request.crs, "features": features}),
        ))
    })
    .await
}

#[allow(clippy::too_many_arguments)]
fn decision_block(
    id: &str,
    created_at: &str,
    seq: i64,
    version: &str,
    catalog_id: &str,
    catalog_digest: &str,
    dataset_label: &str,
    dataset_digest: &str,
) -> Value {
    json!({
        "id": id,
        "seq": seq,
        "created_at": created_at,
        "aimaq_version": version,
        "catalog": {"id": catalog_id, "digest": catalog_digest},
        "dataset": {"label": dataset_label, "digest": dataset_digest},
        "links": {
            "self": format!("{PREFIX}/decisions/{id}"),
            "report": format!("{PREFIX}/decisions/{id}/report"),
            "pdf": format!("{PREFIX}/decisions/{id}/report.pdf"),
        },
    })
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<String>,
    before: Option<String>,
}

async fn list_decisions(
    AxState(s): AxState<State>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, Error> {
    // bounds the OpenAPI document states, said in the desk's words (not serde's)
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| {
                Error::BadParameter(format!(
                    "limit `{}` is not a whole number within 1…500",
                    l.escape_default()
                ))
            })?,
    };
    let before = match q.before.as_deref() {
        None => None,
        Some(b) => Some(b.parse::<i64>().ok().filter(|b| *b >= 1).ok_or_else(|| {
            Error::BadParameter(format!(
                "before `{}` is not a decision's seq: a whole number within 1…{}",
                b.escape_default(),
                i64::MAX
            ))
        })?),
    };
    let store = Arc::clone(&s.0.store);
    let (list, head) = blocking(move || {
        Ok((
            store
                .list(limit, before)
                .map_err(|e| Error::Store(e.to_string()))?,
            store.head().map_err(|e| Error::Store(e.to_string()))?,
        ))
    })
    .await?;
    let next = (list.len() == limit)
        .then(|| list.last().map(|d| d.seq))
        .flatten();
    let head = head.map(|(seq, chain)| json!({"seq": seq, "chain": chain}));
    Ok(Json(
        json!({"decisions": list, "next_before": next, "head": head}),
    ))
}

fn valid_id(id: &str) -> Result<(), Error> {
    // ids are ours: day, dash, eight base-32 letters; anything else is not one
    if id.len() <= 40 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "no decision `{}`",
            id.escape_default()
        )))
    }
}

async fn load_decision(s: &State, id: String) -> Result<crate::store::DecisionRecord, Error> {
    valid_id(&id)?;
    let store = Arc::clone(&s.0.store);
    blocking(move || {
        store
            .get(&id)
            .map_err(|e| Error::Store(e.to_string()))?
            .ok_or_else(|| Error::NotFound(format!("no decision `{id}`")))
    })
    .await
}

/// `?lang=` on a decision: the language its words are rendered in (the one it was
/// decided in when absent).
#[derive(Deserialize, Default)]
struct RenderQuery {
    lang: Option<String>,
}

fn render_lang(q: &RenderQuery) -> Result<Option<Lang>, Error> {
    match q.lang.as_deref() {
        None => Ok(None),
        Some("") => Err(Error::BadParameter(
            "lang is empty: give kk, ru or en, or leave it out for the decision's own".into(),
        )),
        Some(l) => l
            .parse()
            .map(Some)
            .map_err(|e: aimaq_rules::UnknownLang| Error::BadParameter(e.to_string())),
    }
}

/// A stored decision with its words in `lang`: one decision, any language. The stored
/// request is run again in `lang` against the catalog and the data it recorded (the
/// desk's own when they are the same, else the store's copies); the answer must state
/// the same facts as the record, field for field but the words, or it is refused.
/// Nothing is stored: the decision, its id, digests and chain are the recorded ones.
async fn rendered(
    s: &State,
    mut r: crate::store::DecisionRecord,
    lang: Option<Lang>,
) -> Result<(crate::store::DecisionRecord, Lang), Error> {
    let recorded: Lang = r.lang.parse().unwrap_or_default();
    let Some(lang) = lang.filter(|l| *l != recorded) else {
        return Ok((r, recorded));
    };
    let desk = Arc::clone(&s.0.desk);
    let store = Arc::clone(&s.0.store);
    let deadline = tokio::time::Instant::now() + s.0.limits.request_timeout;
    let r = on_rayon(deadline, move || {
        let same_desk = desk.catalog_digest() == r.catalog_digest
            && desk.dataset_digest() == r.dataset_digest
            && desk.metric().definition() == r.crs;
        let desk = if same_desk {
            desk
        } else {
            Arc::new(crate::verify::recorded_desk(&store, &r).map_err(Error::Store)?)
        };
        let result = crate::verify::render_in(&desk, &r, lang)?;
        r.result = result;
        Ok(r)
    })
    .await?;
    Ok((r, lang))
}

async fn get_decision(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
    Query(q): Query<RenderQuery>,
) -> Result<Json<Value>, Error> {
    let lang = render_lang(&q)?;
    let r = load_decision(&s, id).await?;
    let (r, shown) = rendered(&s, r, lang).await?;
    Ok(Json(json!({
        "decision": decision_block(&r.id, &r.created_at, r.seq, &r.aimaq_version, &r.catalog_id,
            &r.catalog_digest, &r.dataset_label, &r.dataset_digest),
        "crs": r.crs,
        "lang": r.lang,
        "rendered_lang": shown.code(),
        "as_of": r.as_of,
        "verdict": r.verdict,
        "request": r.request,
        "result": r.result,
        "digests": {"request": r.request_digest, "result": r.result_digest, "chain": r.chain},
    })))
}

async fn decision_report(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
    Query(q): Query<RenderQuery>,
) -> Result<Response, Error> {
    let lang = render_lang(&q)?;
    let r = load_decision(&s, id).await?;
    let (r, shown) = rendered(&s, r, lang).await?;
    let desk = Arc::clone(&s.0.desk);
    let html = blocking(move || report::render(&desk, &r, shown)).await?;
    Ok(html_response(html))
}

fn html_response(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // the record is self-contained: no script, nothing fetched
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        html,
    )
        .into_response()
}

async fn decision_pdf(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
    Query(q): Query<RenderQuery>,
) -> Result<Response, Error> {
    let lang = render_lang(&q)?;
    let r = load_decision(&s, id).await?;
    let (r, shown) = rendered(&s, r, lang).await?;
    let name = format!("aimaq-decision-{}-{}.pdf", r.id, shown.code());
    let desk = Arc::clone(&s.0.desk);
    let html = blocking(move || report::render(&desk, &r, shown)).await?;
    let pdf = s.0.pdf.render(html).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

// ---- catalog ---------------------------------------------------------------------------

async fn rules(
    AxState(s): AxState<State>,
    Query(q): Query<LangQuery>,
) -> Result<Json<Value>, Error> {
    let lang = lang_of(q.lang.as_deref())?;
    Ok(Json(crate::rules::rules_json(s.desk(), lang)))
}

async fn rule(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Json<Value>, Error> {
    let lang = lang_of(q.lang.as_deref())?;
    crate::rules::rule_json(s.desk(), &id, lang).map(Json)
}

async fn uses(AxState(s): AxState<State>) -> Json<Value> {
    let catalog = s.desk().catalog();
    let list: Vec<Value> = catalog
        .uses()
        .iter()
        .map(|u| {
            json!({
                "code": u.code,
                "labels": u.labels,
                "tags": u.tags,
                "citation": u.citation.as_ref().map(|c| c.to_string()),
                "default": u.code == catalog.info().default_use,
            })
        })
        .collect();
    Json(json!({"default": catalog.info().default_use, "uses": list}))
}

// ---- map ------------------------------------------------------------------------------

async fn layer_list(AxState(s): AxState<State>) -> Json<Value> {
    Json(s.0.layers.list(s.desk()))
}

#[derive(Deserialize)]
struct LayerQuery {
    bbox: Option<String>,
    zoom: Option<f64>,
    #[serde(rename = "use")]
    use_code: Option<String>,
    lang: Option<String>,
}

async fn layer(
    AxState(s): AxState<State>,
    Path(name): Path<String>,
    Query(q): Query<LayerQuery>,
) -> Result<Response, Error> {
    let bbox = match q.bbox.as_deref() {
        None | Some("") => None,
        Some(b) => Some(crate::layers::parse_bbox(b)?),
    };
    let zoom = q.zoom.unwrap_or(22.0);
    if !(0.0..=24.0).contains(&zoom) {
        return Err(Error::BadParameter(format!("zoom {zoom} is outside 0…24")));
    }
    let lang = lang_of(q.lang.as_deref())?;
    let state = s.clone();
    let text = blocking(move || {
        state.0.layers.geojson(
            &state.0.desk,
            &name,
            bbox,
            zoom,
            q.use_code.as_deref(),
            lang,
        )
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        text,
    )
        .into_response())
}

#[derive(Deserialize)]
struct PlaceQuery {
    q: Option<String>,
    lang: Option<String>,
}

async fn places(
    AxState(s): AxState<State>,
    Query(q): Query<PlaceQuery>,
) -> Result<Json<Value>, Error> {
    let lang = lang_of(q.lang.as_deref())?;
    Ok(Json(s.0.layers.places(q.q.as_deref().unwrap_or(""), lang)))
}

#[derive(Deserialize)]
struct ParcelQuery {
    q: Option<String>,
    limit: Option<usize>,
}

/// Parcels of the cadastre (`--parcels`) by cadastral number: exact, then prefix, in
/// any of the forms people type.
async fn cadastre_parcels(
    AxState(s): AxState<State>,
    Query(q): Query<ParcelQuery>,
) -> Result<Json<Value>, Error> {
    let limit = q.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(Error::BadParameter(format!(
            "limit {limit} is outside 1…50"
        )));
    }
    let Some(index) = &s.0.parcels else {
        return Ok(Json(json!({"cadastre": null, "parcels": []})));
    };
    let hits: Vec<Value> = index
        .search(q.q.as_deref().unwrap_or(""), limit)
        .into_iter()
        .map(|p| p.feature())
        .collect();
    Ok(Json(
        json!({"cadastre": {"parcels": index.len()}, "parcels": hits}),
    ))
}

// ---- files: import and screening ----------------------------------------------------------

#[derive(Deserialize, Default)]
struct UploadQuery {
    layer: Option<String>,
    id_field: Option<String>,
    use_field: Option<String>,
    s_srs: Option<String>,
}

async fn import(
    AxState(s): AxState<State>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, Error> {
    let _slot = Arc::clone(&s.0.imports).try_acquire_owned().map_err(|_| {
        Error::TooManyImports(format!(
            "{} imports are being read, the limit: try again in a moment",
            s.0.limits.max_imports
        ))
    })?;
    let deadline = tokio::time::Instant::now() + s.0.limits.request_timeout;
    let bytes = read_body(&headers, body, s.0.limits.max_upload_bytes, deadline).await?;
    let options = aimaq_io::OgrOptions {
        layer: q.layer,
        id_field: q.id_field,
        use_field: q.use_field,
        s_srs: q.s_srs,
        ..Default::default()
    };
    let limits = s.0.limits.clone();
    // the read is raced against the deadline; one that overruns is answered 408 and
    // stopped at the same deadline (inside GDAL's queries, for a GeoPackage), its thread
    // giving the import slot back as it ends
    let (tx, rx) = tokio::sync::oneshot::channel();
    let slot = _slot;
    tokio::task::spawn_blocking(move || {
        let out = crate::jobs::import(&bytes, &options, &limits, deadline.into_std());
        drop(slot);
        let _ = tx.send(out);
    });
    match timeout_at(deadline, rx).await {
        Ok(Ok(out)) => out.map(Json),
        Ok(Err(_)) => Err(Error::Internal("the import was lost".into())),
        Err(_) => Err(Error::Timeout(format!(
            "the file was not read within the time limit ({} s): send a smaller file, or screen it with POST /screen",
            s.0.limits.request_timeout.as_secs()
        ))),
    }
}

async fn screen(
    AxState(s): AxState<State>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    // a slot is reserved atomically before the upload is read and held by the job
    let slot = s.0.jobs.reserve()?;
    let deadline = tokio::time::Instant::now() + s.0.limits.request_timeout * 6;
    let bytes = read_body(&headers, body, s.0.limits.max_upload_bytes, deadline).await?;
    let options = aimaq_io::OgrOptions {
        layer: q.layer,
        id_field: q.id_field,
        use_field: q.use_field,
        s_srs: q.s_srs,
        ..Default::default()
    };
    let jobs = s.0.jobs.clone();
    let job = blocking(move || jobs.start_reserved(slot, &bytes, options)).await?;
    let location = job["links"]["self"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut response = (StatusCode::ACCEPTED, Json(job)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

async fn job(AxState(s): AxState<State>, Path(id): Path<String>) -> Result<Json<Value>, Error> {
    s.0.jobs.status(&id).map(Json)
}

async fn cancel_job(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    s.0.jobs.cancel(&id).map(Json)
}

async fn job_report(AxState(s): AxState<State>, Path(id): Path<String>) -> Result<Response, Error> {
    let path = s.0.jobs.report_path(&id)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| Error::Internal(format!("cannot read the report: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/geopackage+sqlite3".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"aimaq-screen-{id}.gpkg\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Most parcels `GET /jobs/{id}/parcels` lists (the report holds them all).
const MAX_JOB_PARCELS: usize = 5000;

/// A finished job's verdicts, parcel by parcel, read from its report: the page's table.
async fn job_parcels(
    AxState(s): AxState<State>,
    Path(id): Path<String>,
    Query(q): Query<RenderQuery>,
) -> Result<Json<Value>, Error> {
    let lang = render_lang(&q)?.unwrap_or_default();
    let path = s.0.jobs.report_path(&id)?;
    blocking(move || {
        let report = aimaq_io::report::CompactReport::open(&path)
            .map_err(|e| Error::Internal(format!("the job's report cannot be read: {e}")))?;
        let mut rows = Vec::new();
        let mut total = 0usize;
        report
            .for_each_parcel(lang, |p| {
                total += 1;
                if rows.len() < MAX_JOB_PARCELS {
                    rows.push(json!({
                        "parcel": p.parcel,
                        "use": p.use_code,
                        "verdict": p.verdict,
                        "area_m2": p.area_m2,
                        "encumbered_share": p.encumbered_total.map(|(_, share)| share),
                        "findings": p.findings.len(),
                        "error": p.error,
                    }));
                }
                Ok(())
            })
            .map_err(|e| Error::Internal(format!("the job's report cannot be read: {e}")))?;
        Ok(Json(json!({"job": id, "total": total, "parcels": rows})))
    })
    .await
}

// ---- the page ------------------------------------------------------------------------------

async fn index() -> Response {
    asset_response("index.html")
        .unwrap_or_else(|| Error::NotFound("no page".into()).into_response())
}

async fn asset(Path(path): Path<String>) -> Response {
    asset_response(&path).unwrap_or_else(|| {
        Error::NotFound(format!("no asset `{}`", path.escape_default())).into_response()
    })
}

/// Only names compiled into the binary are served: a path is looked up in a table,
/// never joined to a directory.
fn asset_response(name: &str) -> Option<Response> {
    let a = assets::get(name)?;
    let mut r = (
        [
            (header::CONTENT_TYPE, a.mime),
            (
                header::CACHE_CONTROL,
                if name == "index.html" {
                    "no-cache"
                } else {
                    "public, max-age=3600"
                },
            ),
        ],
        a.bytes,
    )
        .into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", a.etag)) {
        r.headers_mut().insert(header::ETAG, etag);
    }
    if name == "index.html" {
        r.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; child-src blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'none'",
            ),
        );
    }
    Some(r)
}
