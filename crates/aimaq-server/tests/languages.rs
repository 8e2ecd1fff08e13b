//! Issue 19, items 10 and 11 on the desk: every endpoint that takes `lang` answers a
//! Kazakh or Russian request without the renderer's English words (the scan of the
//! command line's tests), errors included, and the answer quotes the law.

mod common;
#[path = "../../aimaq-cli/tests/common/english.rs"]
mod english;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use english::assert_no_english;
use serde_json::Value;

/// The texts of an answer a person reads: every string, except the values of fields that
/// hold codes, ids, the three languages at once, or the engine's English detail of an
/// error.
fn readable(v: &Value, out: &mut String) {
    const CODES: &[&str] = &[
        "id",
        "layer",
        "uses",
        "use",
        "labels",
        "rule",
        "feature",
        "code",
        "severity",
        "regime",
        "verdict",
        "crs",
        "lang",
        "digest",
        "in_force",
        "when",
        "applies_when",
        "detail",
        "geometry",
        "type",
        "kind",
        "n",
        "cell",
        "decision",
        "request",
        "chain",
        "links",
        "dataset",
        "catalog_digest",
        "status",
        "source",
        "subzone",
        "zone",
        "attribution",
        "parcel_fid",
        "tags",
        "default",
        "href",
        "sha256",
        "hash",
    ];
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| readable(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                if !CODES.contains(&k.as_str()) {
                    readable(x, out);
                }
            }
        }
        _ => {}
    }
}

fn texts(v: &Value) -> String {
    let mut out = String::new();
    readable(v, &mut out);
    out
}

/// The words of an HTML page, tags and styles left out.
fn html_words(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    // styles and scripts are not read
    while let Some(i) = rest.find("<style") {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once("</style>").map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    let mut words = String::new();
    let mut in_tag = false;
    for c in out.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                words.push(' ');
            }
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

#[tokio::test]
async fn every_desk_endpoint_answers_kazakh_and_russian_without_english() {
    let d = app();
    for lang in ["kk", "ru"] {
        let rules = get(&d.app, &format!("/api/v1/rules?lang={lang}")).await;
        assert_eq!(rules.status, StatusCode::OK);
        assert_no_english(&format!("GET /rules?lang={lang}"), &texts(&rules.json()));
        for id in ["water.zone", "rail.control_zone", "power.protection_zone"] {
            let rule = get(&d.app, &format!("/api/v1/rules/{id}?lang={lang}")).await;
            assert_eq!(rule.status, StatusCode::OK);
            assert_no_english(
                &format!("GET /rules/{id}?lang={lang}"),
                &texts(&rule.json()),
            );
        }
        let places = get(&d.app, &format!("/api/v1/places?q=Тал&lang={lang}")).await;
        assert_no_english(&format!("GET /places?lang={lang}"), &texts(&places.json()));

        let body = serde_json::json!({"type": "FeatureCollection", "features": [demo("P-025"), demo("P-002")]});
        let check = post(
            &d.app,
            &format!("/api/v1/check?lang={lang}"),
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(check.status, StatusCode::CREATED, "{}", check.text());
        let answer = check.json();
        assert_no_english(
            &format!("POST /check?lang={lang}"),
            &texts(&answer["parcels"]),
        );
        // the law is in the answer, in Kazakh, whatever the language
        let f = &answer["parcels"][0]["findings"][0];
        assert_eq!(f["rule"], "water.zone");
        assert!(
            f["law"][0]["text"]
                .as_str()
                .unwrap()
                .contains("Түрген өзені"),
            "{}",
            f["law"]
        );
        let id = answer["decision"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no decision id: {}", answer["decision"]));
        let record = get(&d.app, &format!("/api/v1/decisions/{id}/report")).await;
        assert_eq!(record.status, StatusCode::OK);
        let words = html_words(&record.text());
        // the subtitle: the scheme's title in the record's language
        if lang == "kk" {
            assert!(
                words.contains("Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"),
                "{words}"
            );
        }
        // the record quotes the law: the first words of the answer's quote, in its text
        let quote = f["law"][0]["text"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            words
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&quote),
            "the record quotes the law: {quote}"
        );
        assert_no_english(&format!("the record of a {lang} decision"), &words);

        // errors in the request's language: by ?lang= and by Accept-Language
        let refused = post(
            &d.app,
            &format!("/api/v1/check?lang={lang}&use=carwash"),
            "application/json",
            body.to_string(),
        )
        .await;
        refused.assert_refused(StatusCode::UNPROCESSABLE_ENTITY, "unknown_use");
        let e = refused.json();
        assert_eq!(e["error"]["lang"], lang);
        assert!(e["error"]["detail"].as_str().unwrap().contains("carwash"));
        assert_no_english(
            &format!("an error at lang={lang}"),
            e["error"]["message"].as_str().unwrap(),
        );
        let by_header = call(
            &d.app,
            Request::get("/api/v1/rules/no.such")
                .header(header::ACCEPT_LANGUAGE, format!("{lang}-KZ, en;q=0.5"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        by_header.assert_refused(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(by_header.json()["error"]["lang"], lang);
    }
    // English requests keep their messages as they were
    let en = get(&d.app, "/api/v1/rules/no.such").await;
    assert!(en.message().contains("no rule `no.such`"), "{}", en.text());
}

#[tokio::test]
async fn get_rules_describes_widths_in_the_asked_language() {
    let d = app();
    let ru = get(&d.app, "/api/v1/rules?lang=ru").await.json();
    let rail = ru["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "rail.control_zone")
        .unwrap();
    assert_eq!(rail["width"], "20 м в населенных пунктах, 50 м вне их");
    assert_eq!(rail["law"][0]["lines"], "L256-263");
    let kk = get(&d.app, "/api/v1/rules?lang=kk").await.json();
    assert_eq!(
        kk["catalog"]["title"],
        "Алматы агломерациясын аумақтық дамытудың өңіраралық схемасы"
    );
}
