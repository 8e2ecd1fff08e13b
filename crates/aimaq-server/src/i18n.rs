//! The desk's own words in Kazakh, Russian and English: one file, `web/i18n.json`, read
//! by the page and by the decision record alike. Words of the regulation (verdicts,
//! regimes, layer and use names) come from the catalog, not from here.

use aimaq_rules::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

type Texts = HashMap<String, HashMap<String, String>>;

fn texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| {
        serde_json::from_str(include_str!("../web/i18n.json")).expect("web/i18n.json is JSON")
    })
}

/// The text of `key` in `lang` (the key itself when missing, which a test forbids).
pub fn text(lang: Lang, key: &str) -> &'static str {
    let texts = texts();
    texts
        .get(lang.code())
        .and_then(|t| t.get(key))
        .map(String::as_str)
        .unwrap_or_else(|| {
            texts
                .get("en")
                .and_then(|t| t.get_key_value(key))
                .map_or("?", |(k, _)| k.as_str())
        })
}

fn error_texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| {
        serde_json::from_str(include_str!("../web/errors.json")).expect("web/errors.json is JSON")
    })
}

/// What an error `code` ([`Error::code`](crate::Error::code)) means, in `lang`
/// (`web/errors.json`); `None` for a code it does not know.
pub fn error_text(lang: Lang, code: &str) -> Option<&'static str> {
    error_texts()
        .get(lang.code())
        .and_then(|t| t.get(code))
        .map(String::as_str)
}

/// The language a request asks its answers in: its `lang` query parameter, else the
/// first of its `Accept-Language` tags that is kk, ru or en; English when neither says.
pub fn request_lang(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    let from_query = query.and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| v.parse::<Lang>().ok())
    });
    from_query
        .or_else(|| {
            accept_language?
                .split(',')
                .filter_map(|tag| tag.split(';').next())
                .find_map(|tag| tag.trim().get(..2)?.parse::<Lang>().ok())
        })
        .unwrap_or_default()
}

/// Middleware: an error answer to a request in Kazakh or Russian (`?lang=` or
/// `Accept-Language`) says what went wrong in that language: `message` is the code's
/// text in the language, `detail` the engine's own words (names, values, limits), which
/// stay as they were. English answers are left as they are.
pub async fn localize_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let lang = request_lang(
        request.uri().query(),
        request
            .headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if lang == Lang::En || !(status.is_client_error() || status.is_server_error()) || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // error bodies are small JSON objects; a body that cannot be read is passed on empty
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    let mut doc: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(doc) => doc,
        Err(_) => return axum::response::Response::from_parts(parts, bytes.into()),
    };
    let code = doc["error"]["code"].as_str().map(String::from);
    if let Some(text) = code.as_deref().and_then(|c| error_text(lang, c)) {
        let detail = doc["error"]["message"].take();
        doc["error"]["message"] = serde_json::Value::from(text);
        doc["error"]["detail"] = detail;
        doc["error"]["lang"] = serde_json::Value::from(lang.code());
    }
    let body = serde_json::to_vec(&doc).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    axum::response::Response::from_parts(parts, body.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let t = texts();
        let en: Vec<&String> = t["en"].keys().collect();
        for lang in ["kk", "ru"] {
            for key in &en {
                let v = t[lang].get(*key);
                assert!(
                    v.is_some_and(|v| !v.trim().is_empty()),
                    "{lang} lacks `{key}`"
                );
            }
            for key in t[lang].keys() {
                assert!(t["en"].contains_key(key), "{lang} has extra `{key}`");
            }
        }
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn every_error_code_has_its_text_in_every_language() {
        let t = error_texts();
        assert_eq!(t.len(), 3);
        for lang in Lang::ALL {
            assert_eq!(t[lang.code()].len(), t["en"].len(), "{lang}");
            for key in t["en"].keys() {
                assert!(
                    error_text(lang, key).is_some_and(|v| !v.trim().is_empty()),
                    "{lang} {key}"
                );
            }
        }
        assert!(error_text(Lang::Ru, "unknown_use")
            .unwrap()
            .contains("вид использования"));
    }

    #[test]
    fn the_request_says_its_language() {
        assert_eq!(request_lang(Some("a=1&lang=ru"), None), Lang::Ru);
        assert_eq!(request_lang(None, Some("kk-KZ,ru;q=0.8")), Lang::Kk);
        assert_eq!(
            request_lang(Some("lang=de"), Some("fr, ru;q=0.5")),
            Lang::Ru
        );
        assert_eq!(request_lang(None, None), Lang::En);
    }

    #[test]
    fn kazakh_is_kazakh() {
        assert!(text(Lang::Kk, "report.title").contains("шешім"));
        assert_eq!(text(Lang::Ru, "report.map"), "Карта");
    }
}
