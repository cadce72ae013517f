//! Instagram's timestamp format, `2019-09-26T22:36:43+0000`.
//!
//! The offset has no colon, so RFC 3339 parsers reject it; this module reads
//! it (and, leniently, RFC 3339) and writes it back exactly as Instagram does.
//! Instagram always answers in UTC, so formatting writes the fixed `+0000`.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

const PARSE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%z";
const UTC_FORMAT: &str = "%Y-%m-%dT%H:%M:%S+0000";

/// Parses an Instagram timestamp.
pub fn parse(text: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse(PARSE_FORMAT, text)
        .and_then(|parsed| parsed.to_timestamp())
        .or_else(|_| text.parse::<Timestamp>())
        .ok()
}

/// Formats a timestamp the way Instagram does.
pub fn format(at: Timestamp) -> String {
    at.strftime(UTC_FORMAT).to_string()
}

pub(crate) fn deserialize_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid Instagram timestamp {text:?}"))
        }),
    }
}

pub(crate) fn serialize_opt<S: Serializer>(
    at: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&format(*at)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_instagram_format() {
        let at = parse("2019-09-26T22:36:43+0000").unwrap();
        assert_eq!(at.as_second(), 1_569_537_403);
        assert_eq!(format(at), "2019-09-26T22:36:43+0000");
        assert_eq!(parse("2019-09-26T22:36:43Z"), Some(at));
        assert_eq!(parse("2019-09-27T00:36:43+0200"), Some(at));
        assert_eq!(parse("yesterday"), None);
    }
}
