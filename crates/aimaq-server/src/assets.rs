//! The page's files, compiled into the binary. A request names an entry of this table
//! or gets 404: no request path is ever joined to a directory, so nothing on the
//! filesystem can be reached through the page's routes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// An embedded file.
pub struct Asset {
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub mime: &'static str,
    /// A strong validator: the first 16 hex digits of its SHA-256.
    pub etag: String,
}

macro_rules! web {
    ($name:literal, $mime:literal) => {
        (
            $name,
            $mime,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $name)) as &[u8],
        )
    };
}

const FILES: &[(&str, &str, &[u8])] = &[
    web!("index.html", "text/html; charset=utf-8"),
    web!("app.js", "text/javascript; charset=utf-8"),
    web!("draw.js", "text/javascript; charset=utf-8"),
    web!("app.css", "text/css; charset=utf-8"),
    web!("i18n.json", "application/json"),
    web!("favicon.svg", "image/svg+xml"),
    web!(
        "vendor/maplibre-gl-csp.js",
        "text/javascript; charset=utf-8"
    ),
    web!(
        "vendor/maplibre-gl-csp-worker.js",
        "text/javascript; charset=utf-8"
    ),
    web!("vendor/maplibre-gl.css", "text/css; charset=utf-8"),
    web!("vendor/MAPLIBRE-LICENSE.txt", "text/plain; charset=utf-8"),
];

fn table() -> &'static HashMap<&'static str, Asset> {
    static TABLE: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    TABLE.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, mime, bytes)| {
                let digest = crate::sha256(bytes);
                (
                    *name,
                    Asset {
                        bytes,
                        mime,
                        etag: digest["sha256:".len().."sha256:".len() + 16].to_string(),
                    },
                )
            })
            .collect()
    })
}

/// The embedded file called `name` (`app.js`, `vendor/maplibre-gl.css`, …).
pub fn get(name: &str) -> Option<&'static Asset> {
    table().get(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_table_names_resolve() {
        assert!(super::get("app.js").is_some());
        for evil in [
            "../Cargo.toml",
            "../../../../etc/passwd",
            "/etc/passwd",
            "vendor/../app.js",
            "%2e%2e/Cargo.toml",
            "",
            "web/app.js",
        ] {
            assert!(super::get(evil).is_none(), "{evil}");
        }
    }
}
