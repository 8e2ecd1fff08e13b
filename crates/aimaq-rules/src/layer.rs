//! The dataset contract: which layers a constraint dataset holds, their geometry and
//! attributes.

use crate::attributes::{AttributeSpec, AttributeType, Attributes};
use crate::lang::Labels;
use serde::{Deserialize, Serialize};

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
    /// nothing unknown. Returns one message per problem.
    pub fn attribute_problems(&self, attributes: &Attributes) -> Vec<String> {
        let mut problems = Vec::new();
        for spec in &self.attributes {
            match attributes.get(&spec.name) {
                None | Some(serde_json::Value::Null) if spec.required => {
                    problems.push(format!("missing required attribute `{}`", spec.name))
                }
                None | Some(serde_json::Value::Null) => {}
                Some(value) => {
                    if !spec.kind.accepts(value) {
                        problems.push(format!(
                            "attribute `{}` must be a {}, found {}",
                            spec.name,
                            spec.kind.describe(),
                            value
                        ));
                    } else if let Some(values) = &spec.values {
                        let text = match value {
                            serde_json::Value::String(s) => s.trim().to_string(),
                            other => other.to_string(),
                        };
                        if !values.iter().any(|v| v.eq_ignore_ascii_case(&text)) {
                            problems.push(format!(
                                "attribute `{}` = {value} is not one of: {}",
                                spec.name,
                                values.join(", ")
                            ));
                        }
                    }
                }
            }
        }
        for key in attributes.keys() {
            if !self.attributes.iter().any(|a| &a.name == key) {
                let known: Vec<&str> = self.attributes.iter().map(|a| a.name.as_str()).collect();
                problems.push(format!(
                    "unknown attribute `{key}` (layer `{}` knows: {})",
                    self.name,
                    known.join(", ")
                ));
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
