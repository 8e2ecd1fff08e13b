//! `aimaq explain RULE`: prints the rule's full text (aimaq_rules::explain) in the
//! language asked for.

use aimaq_rules::{Catalog, Lang};
use anyhow::Result;
use std::io::Write;

/// Prints the rule `id` of `catalog` in `lang`.
pub fn print(catalog: &Catalog, id: &str, lang: Lang, out: &mut impl Write) -> Result<()> {
    out.write_all(aimaq_rules::explain(catalog, id, lang)?.as_bytes())?;
    Ok(())
}
