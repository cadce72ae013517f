//! Typed identifiers, so a post id can never be passed where a user id belongs.
//!
//! X sends every id as a decimal string (v1.1 also sends a JSON number above 2^53 that
//! loses precision in floating point), so the ids wrap the string form unchanged.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as X sends it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as X sends it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// The id of an X account (`data.id` of `GET /2/users/me`).
    XUserId
);
id_type!(
    /// The id of a post (a "tweet" in the API's own words).
    XPostId
);
id_type!(
    /// The id of an uploaded media item, used in `media.media_ids` when posting.
    MediaId
);
id_type!(
    /// A media key such as `3_1912103767639719936`, which names media in `includes`.
    MediaKey
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_plain_strings() {
        let id: XPostId = serde_json::from_str("\"1456012973835788293\"").unwrap();
        assert_eq!(id.as_str(), "1456012973835788293");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"1456012973835788293\""
        );
        assert_eq!(format!("{id:?}"), "XPostId(1456012973835788293)");
        assert_eq!(id.to_string(), "1456012973835788293");
    }
}
