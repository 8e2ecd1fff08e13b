//! The dataset contract: which layers a constraint dataset holds, their geometry and
//! attributes.

use crate::attributes::{AttributeSpec, AttributeType, Attributes};
use crate::lang::Labels;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Attributes any feature of any layer may carry besides its layer's own: where it came
/// from, as `aimaq dataset build` records it (the source file's name, the object in it —
/// `way/123`, `relation/5`, `<layer>:<fid>` — and its licence). Never an "unknown
/// attribute".
pub const PROVENANCE_ATTRIBUTES: &[&str] = &["source", "source_ref", "licence"];

/// Which geometries a layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerGeometry {
    /// (Multi)LineString.
    Line,
    /// (Multi)Polygon.
    Polygon,
    /// Either; polygons are areas (zones include them), lines are axes.
    LineOrPolygon,
}

impl LayerGeometry {
    /// Human words for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            LayerGeometry::Line => "LineString or MultiLineString",
            LayerGeometry::Polygon => "Polygon or MultiPolygon",
            LayerGeometry::LineOrPolygon => "LineString, MultiLineString, Polygon or MultiPolygon",
        }
    }
}

/// One layer of the constraint dataset contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// File stem and layer name, e.g. `railways`.
    pub name: String,
    /// Allowed geometry.
    pub geometry: LayerGeometry,
    /// What one feature is called in messages, e.g. `railway`.
    pub title: String,
    /// That name in the three languages.
    pub labels: Labels,
    /// Known attributes; others are reported.
    pub attributes: Vec<AttributeSpec>,
}

impl LayerSpec {
    /// Checks a feature's attributes against the contract: required present, types right,
    /// nothing unknown. Returns every problem, in the contract's order, unknown ones last.
    ///
    /// ```
    /// use aimaq_rules::{AttributeProblem, Catalog};
    /// let catalog = Catalog::embedded();
    /// let lines = catalog.layer("power_lines").unwrap();
    /// let attrs = serde_json::json!({"id": "pl-1", "voltage_kv": "500", "colour": "red"});
    /// let problems = lines.attribute_problems(attrs.as_object().unwrap());
    /// assert!(matches!(&problems[0], AttributeProblem::WrongType { attribute, .. } if attribute == "voltage_kv"));
    /// assert_eq!(problems[0].to_string(), "attribute `voltage_kv` must be a number, found \"500\"");
    /// assert!(problems[1].to_string().starts_with("unknown attribute `colour` (layer `power_lines` knows: id, "));
    /// ```
    pub fn attribute_problems(&self, attributes: &Attributes) -> Vec<AttributeProblem> {
        let mut problems = Vec::new();
        for spec in &self.attributes {
            match attributes.get(&spec.name) {
                None | Some(serde_json::Value::Null) if spec.required => {
                    problems.push(AttributeProblem::Missing {
                        attribute: spec.name.clone(),
                    })
                }
                None | Some(serde_json::Value::Null) => {}
                Some(value) => {
                    if !spec.kind.accepts(value) {
                        problems.push(AttributeProblem::WrongType {
                            attribute: spec.name.clone(),
                            expected: spec.kind,
                            found: value.clone(),
                        });
                    } else if let Some(values) = &spec.values {
                        let text = match value {
                            serde_json::Value::String(s) => s.trim().to_string(),
                            other => other.to_string(),
                        };
                        if !values.iter().any(|v| v.eq_ignore_ascii_case(&text)) {
                            problems.push(AttributeProblem::NotAllowed {
                                attribute: spec.name.clone(),
                                found: value.clone(),
                                allowed: values.clone(),
                            });
                        }
                    }
                }
            }
        }
        for key in attributes.keys() {
            if !self.attributes.iter().any(|a| &a.name == key)
                && !PROVENANCE_ATTRIBUTES.contains(&key.as_str())
            {
                problems.push(AttributeProblem::Unknown {
                    attribute: key.clone(),
                    layer: self.name.clone(),
                    known: self.attributes.iter().map(|a| a.name.clone()).collect(),
                });
            }
        }
        problems
    }

    /// Type of a known attribute.
    pub fn attribute_type(&self, name: &str) -> Option<AttributeType> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.kind)
    }
}

/// A feature's attributes against its layer's contract.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AttributeProblem {
    /// A required attribute is absent or null.
    #[error("missing required attribute `{attribute}`")]
    Missing {
        /// The attribute.
        attribute: String,
    },
    /// An attribute has the wrong JSON type.
    #[error("attribute `{attribute}` must be a {}, found {found}", .expected.describe())]
    WrongType {
        /// The attribute.
        attribute: String,
        /// The declared type.
        expected: AttributeType,
        /// Its value.
        found: serde_json::Value,
    },
    /// An attribute's value is not one the contract allows.
    #[error("attribute `{attribute}` = {found} is not one of: {}", .allowed.join(", "))]
    NotAllowed {
        /// The attribute.
        attribute: String,
        /// Its value.
        found: serde_json::Value,
        /// The values allowed.
        allowed: Vec<String>,
    },
    /// The layer does not declare the attribute.
    #[error("unknown attribute `{attribute}` (layer `{layer}` knows: {})", .known.join(", "))]
    Unknown {
        /// The attribute.
        attribute: String,
        /// The layer.
        layer: String,
        /// The attributes the layer declares.
        known: Vec<String>,
    },
}
