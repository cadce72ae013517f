//! Typed ids: one newtype per kind of id, validated when made.
//!
//! Instagram and X ids are decimal strings (X ids are snowflakes of up to 19
//! digits, Instagram ids are longer still), so they are kept as strings and
//! never as integers, which would lose digits in JSON consumers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CoreError;

/// What characters an id kind accepts.
#[derive(Clone, Copy)]
enum Shape {
    /// ASCII digits only, at least one.
    Numeric,
    /// ASCII letters, digits, `-` and `_`, 1 to 64 of them.
    Name,
    /// Any visible ASCII (no space or control), 1 to 128 bytes: another
    /// platform's id whose shape xpost does not assume.
    Opaque,
}

impl Shape {
    fn check(self, kind: &'static str, value: &str) -> Result<(), CoreError> {
        let (ok, expected) = match self {
            Shape::Numeric => (
                !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()),
                "a non-empty string of decimal digits",
            ),
            Shape::Name => (
                (1..=64).contains(&value.len())
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "1 to 64 ASCII letters, digits, '-' or '_'",
            ),
            Shape::Opaque => (
                (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic()),
                "1 to 128 visible ASCII characters",
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(CoreError::InvalidId {
                kind,
                value: value.to_owned(),
                expected,
            })
        }
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $shape:expr, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates `value` and wraps it.
            ///
            /// # Errors
            /// [`CoreError::InvalidId`] when `value` does not have this id's shape.
            pub fn new(value: impl Into<String>) -> Result<Self, CoreError> {
                let value = value.into();
                $shape.check($label, &value)?;
                Ok(Self(value))
            }

            /// The id as the platform spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::new(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// The name of a link (one Instagram account cross-posting to one X account), e.g. `default`.
    LinkId,
    Shape::Name,
    "link name"
);
id_type!(
    /// An Instagram media id (a post, or one child of a carousel).
    IgMediaId,
    Shape::Numeric,
    "Instagram media id"
);
id_type!(
    /// An Instagram professional account id (the `user_id` that `/me` reports).
    IgUserId,
    Shape::Numeric,
    "Instagram user id"
);
id_type!(
    /// An X user id.
    XUserId,
    Shape::Numeric,
    "X user id"
);
id_type!(
    /// An X post (tweet) id.
    XPostId,
    Shape::Numeric,
    "X post id"
);
id_type!(
    /// An X media id, as returned by media upload.
    XMediaId,
    Shape::Numeric,
    "X media id"
);

id_type!(
    /// An account's id on its platform, whichever platform that is.
    AccountId,
    Shape::Opaque,
    "account id"
);
id_type!(
    /// A source post's id on its platform (an Instagram media id, say). The engine's
    /// state machine keys posts by it without knowing which platform it is.
    SourceId,
    Shape::Opaque,
    "post id"
);
id_type!(
    /// A post's id on the target platform (an X post id, say).
    TargetId,
    Shape::Opaque,
    "target post id"
);
id_type!(
    /// An uploaded media's id on the target platform (an X media id, say).
    TargetMediaId,
    Shape::Opaque,
    "target media id"
);

impl From<&IgMediaId> for SourceId {
    fn from(id: &IgMediaId) -> Self {
        // A numeric id is always a valid opaque id.
        Self(id.as_str().to_owned())
    }
}

impl From<&XPostId> for TargetId {
    fn from(id: &XPostId) -> Self {
        Self(id.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_accept_digits_only() {
        assert!(XPostId::new("1445880548472328192").is_ok());
        assert!(XPostId::new("").is_err());
        assert!(XPostId::new("12a").is_err());
        assert!(IgMediaId::new(" 1").is_err());
    }

    #[test]
    fn link_ids_are_short_names() {
        assert!(LinkId::new("default").is_ok());
        assert!(LinkId::new("my-link_2").is_ok());
        assert!(LinkId::new("has space").is_err());
        assert!(LinkId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn ids_round_trip_as_json_strings() {
        let id = XUserId::new("2244994945").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"2244994945\"");
        assert_eq!(serde_json::from_str::<XUserId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<XUserId>("\"abc\"").is_err());
        assert!(serde_json::from_str::<XUserId>("2244994945").is_err());
    }

    #[test]
    fn errors_name_the_kind_in_words_not_a_type_name() {
        let err = IgUserId::new("x").unwrap_err().to_string();
        assert!(err.contains("Instagram user id"), "{err}");
        assert!(!err.contains("IgUserId"), "{err}");
        let err = LinkId::new("bad name").unwrap_err().to_string();
        assert!(err.starts_with("invalid link name \"bad name\""), "{err}");
    }
}
