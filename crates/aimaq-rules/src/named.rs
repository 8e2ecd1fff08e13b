//! Objects whose widths an act fixes by name, and how features are matched to them.

use crate::attributes::Attributes;
use crate::condition::{describe_when, Condition};
use crate::error::Inconsistency;
use crate::lang::Lang;
use crate::width::SourcedWidth;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// An object whose widths an act fixes by name (Kapshagay, the rivers of decree 246/2011,
/// the reserved corridors).
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let turgen = catalog.named("water_bodies", "Turgen").unwrap();
/// assert_eq!(turgen.widths["zone_m"].value.to_string(), "550–1700 m");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct NamedObject {
    /// Layer (table) it belongs to.
    pub table: String,
    /// Stable key.
    pub key: String,
    /// Names a feature may carry to be recognised, in any of kk/ru/en.
    pub names: Vec<String>,
    /// The act that fixes the widths.
    pub act: String,
    /// Reference line or scope remarks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// What a feature of that name must also be to be this object (`kind = "river"`,
    /// `district = "Talgar"`): a name alone never brings an act's widths to another
    /// feature that happens to share it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<(String, Condition)>,
    /// Widths by attribute name (`belt_m`, `zone_m`, `corridor_m`).
    pub widths: BTreeMap<String, SourcedWidth>,
}

impl NamedObject {
    /// Whether a feature with `attrs` (and this object's name) is this object: it meets
    /// every condition of `when`. A missing attribute does not meet it.
    pub fn holds(&self, attrs: &Attributes) -> bool {
        self.when.iter().all(|(a, c)| c.holds(attrs.get(a)))
    }

    /// The `when` conditions in words, empty when there are none.
    pub fn describe_when(&self) -> String {
        describe_when(&self.when)
    }

    /// The object's name in `lang`: the first of its names written in that language
    /// (Kazakh: Cyrillic with a Kazakh letter; Russian: Cyrillic without one), else its
    /// key. English: its first name.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, Lang};
    /// let catalog = Catalog::embedded();
    /// let river = catalog.named("water_bodies", "Turgen").unwrap();
    /// assert_eq!(river.name_in(Lang::Kk), "Түрген");
    /// assert_eq!(river.name_in(Lang::Ru), "Тургень");
    /// assert_eq!(river.name_in(Lang::En), "Turgen");
    /// ```
    pub fn name_in(&self, lang: Lang) -> &str {
        const KAZAKH: &[char] = &[
            'ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і', 'Ә', 'Ғ', 'Қ', 'Ң', 'Ө', 'Ұ', 'Ү', 'Һ',
            'І',
        ];
        let cyrillic = |n: &&String| n.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        let kazakh = |n: &&String| n.contains(KAZAKH);
        let found = match lang {
            Lang::En => self.names.first(),
            Lang::Kk => self
                .names
                .iter()
                .find(|n| kazakh(n))
                .or_else(|| self.names.iter().find(cyrillic)),
            Lang::Ru => self.names.iter().find(|n| cyrillic(n) && !kazakh(n)),
        };
        found.map_or(&self.key, |n| n.as_str())
    }
}

/// What a feature's name and attributes make of the named objects of one table.
#[derive(Debug, Clone, Copy)]
pub enum NamedMatch<'a> {
    /// No object with the width carries the feature's name (or the feature has none).
    None,
    /// The feature is this object: its width.
    Found(&'a NamedObject, &'a SourcedWidth),
    /// An object with the width carries the name, but the feature does not meet (or does
    /// not state) the object's conditions: it may be another feature of that name.
    NotThisObject(&'a NamedObject),
}

/// The catalog's named objects in catalog order, found by table and normalised name.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub(crate) struct NamedObjects {
    objects: Vec<NamedObject>,
    #[serde(skip)]
    by_name: HashMap<(String, String), usize>,
}

impl NamedObjects {
    /// Adds `object`. A name that another object of its table (or the object itself)
    /// already carries is refused, and nothing is added.
    pub(crate) fn push(&mut self, object: NamedObject) -> Result<(), Inconsistency> {
        let mut keys: Vec<(String, String)> = Vec::with_capacity(object.names.len());
        for name in &object.names {
            let key = (object.table.clone(), normalize_name(name));
            if self.by_name.contains_key(&key) || keys.contains(&key) {
                return Err(Inconsistency::DuplicateName { name: name.clone() });
            }
            keys.push(key);
        }
        let index = self.objects.len();
        self.by_name.extend(keys.into_iter().map(|k| (k, index)));
        self.objects.push(object);
        Ok(())
    }

    /// The object of `table` called `name` (case, spacing and dashes ignored).
    pub(crate) fn get(&self, table: &str, name: &str) -> Option<&NamedObject> {
        self.by_name
            .get(&(table.to_string(), normalize_name(name)))
            .map(|&i| &self.objects[i])
    }

    /// Every object, in catalog order.
    pub(crate) fn all(&self) -> &[NamedObject] {
        &self.objects
    }
}

/// The widths an act fixes by name under one attribute (`belt_m`, `zone_m`,
/// `corridor_m`) for the objects of one layer: what a
/// [`WidthRule::Attribute`](crate::WidthRule::Attribute) checks a feature's own width
/// against. Built only by the catalog, which makes sure at least one object has the width.
///
/// ```
/// use aimaq_rules::{Catalog, WidthRule};
/// let catalog = Catalog::embedded();
/// let WidthRule::Attribute { named: Some(named), .. } = catalog.rule("water.belt").unwrap().width()
/// else { panic!("water.belt reads the named objects' belts") };
/// assert_eq!((named.table(), named.attribute()), ("water_bodies", "belt_m"));
/// let (kapshagay, belt) = named.get("Kapshagay reservoir").unwrap();
/// assert_eq!(kapshagay.key, "kapshagay");
/// assert_eq!(belt.value.to_string(), "100 m");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct NamedWidths {
    table: String,
    attribute: String,
    #[serde(skip)]
    objects: Arc<NamedObjects>,
}

impl NamedWidths {
    pub(crate) fn new(table: String, attribute: String, objects: Arc<NamedObjects>) -> Self {
        NamedWidths {
            table,
            attribute,
            objects,
        }
    }

    /// The layer whose objects are named.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The width attribute read from the objects, e.g. `belt_m`.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The object called `name` and its width, when the act gives it one. By name alone:
    /// [`lookup`](Self::lookup) also checks the object's conditions.
    pub fn get(&self, name: &str) -> Option<(&NamedObject, &SourcedWidth)> {
        let object = self.objects.get(&self.table, name)?;
        Some((object, object.widths.get(&self.attribute)?))
    }

    /// The object a feature is, by its `name` and the object's conditions.
    ///
    /// ```
    /// use aimaq_rules::{Catalog, NamedMatch, WidthRule};
    /// let catalog = Catalog::embedded();
    /// let WidthRule::Attribute { named: Some(named), .. } = catalog.rule("water.zone").unwrap().width()
    /// else { panic!("water.zone reads the named objects' zones") };
    /// let river = serde_json::json!({"name": "Үлкен Алматы", "kind": "river"});
    /// assert!(matches!(named.lookup(river.as_object().unwrap()), NamedMatch::Found(o, _) if o.key == "ulken_almaty"));
    /// // the lake of that name (L418) is not the river of decree 246/2011
    /// let lake = serde_json::json!({"name": "Үлкен Алматы", "kind": "lake"});
    /// assert!(matches!(named.lookup(lake.as_object().unwrap()), NamedMatch::NotThisObject(_)));
    /// ```
    pub fn lookup(&self, attrs: &Attributes) -> NamedMatch<'_> {
        let Some(name) = attrs.get("name").and_then(|v| v.as_str()) else {
            return NamedMatch::None;
        };
        match self.get(name) {
            None => NamedMatch::None,
            Some((object, _)) if !object.holds(attrs) => NamedMatch::NotThisObject(object),
            Some((object, width)) => NamedMatch::Found(object, width),
        }
    }

    /// Every object of the table with this width, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = (&NamedObject, &SourcedWidth)> {
        self.objects
            .all()
            .iter()
            .filter(|o| o.table == self.table)
            .filter_map(|o| Some((o, o.widths.get(&self.attribute)?)))
    }
}

/// Normalises a feature name for matching: case, spacing and dash style ignored.
pub(crate) fn normalize_name(name: &str) -> String {
    let dashes = ['–', '—', '‒', '−', '-'];
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for ch in word.chars() {
            if dashes.contains(&ch) {
                out.push('-');
            } else {
                out.extend(ch.to_lowercase());
            }
        }
    }
    out
}
