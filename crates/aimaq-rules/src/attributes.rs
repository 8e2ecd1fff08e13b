//! Feature attributes and their declared types.

use serde::{Deserialize, Serialize};

/// A feature's attributes, as GeoJSON `properties` carry them.
pub type Attributes = serde_json::Map<String, serde_json::Value>;

/// Declared type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    /// JSON string.
    String,
    /// JSON number, finite.
    Number,
}

impl AttributeType {
    pub(crate) fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            AttributeType::String => value.is_string(),
            AttributeType::Number => value.as_f64().is_some_and(f64::is_finite),
        }
    }
    pub(crate) fn describe(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Number => "number",
        }
    }
}

/// One attribute of a layer's contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSpec {
    /// Property name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// Whether every feature must carry it.
    #[serde(default)]
    pub required: bool,
    /// The only values it may take, when the contract fixes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// What it means, when the name does not say it all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}
