//! PLACEHOLDER for `procsnap_core`'s `Report` until it lands on main.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    pub hostname: Option<String>,
}
