//! Typed identifiers.
//!
//! Instagram ids are digit strings (`"17841407673135339"`) that overflow
//! JavaScript numbers, so they are kept as strings. A few endpoints (the code
//! exchange in its "flat" shape) send them as JSON numbers; deserialization
//! accepts both and always stores the decimal string.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id received from Instagram or read back from storage.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as Instagram spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the id, returning the string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                string_or_number(deserializer).map(Self)
            }
        }
    };
}

id_type!(
    /// An Instagram user id: the professional account id (`user_id` from `/me`,
    /// usually `1784…`) or the app-scoped `id`.
    IgUserId
);
id_type!(
    /// An Instagram media id (a post, a carousel child or a story).
    IgMediaId
);
id_type!(
    /// A publishing container id, returned by `POST /{ig-user-id}/media`.
    IgContainerId
);

/// Reads a JSON string or an integer as a decimal string.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Text(text) => text,
        Raw::Unsigned(n) => n.to_string(),
        Raw::Signed(n) => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_strings_and_numbers() {
        let from_text: IgUserId = serde_json::from_str("\"17841406338772941\"").unwrap();
        let from_number: IgUserId = serde_json::from_str("17841406338772941").unwrap();
        assert_eq!(from_text, from_number);
        assert_eq!(
            serde_json::to_string(&from_number).unwrap(),
            "\"17841406338772941\""
        );
    }
}
