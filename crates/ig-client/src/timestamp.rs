//! Instagram's timestamp format, `2019-09-26T22:36:43+0000`.
//!
//! The offset has no colon, so RFC 3339 parsers reject it; this module reads
//! it (and, leniently, RFC 3339) and writes it back exactly as Instagram does.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
);

/// Parses an Instagram timestamp.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, FORMAT)
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339))
        .ok()
}

/// Formats a timestamp the way Instagram does.
pub fn format(at: OffsetDateTime) -> String {
    at.format(FORMAT)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

pub(crate) fn deserialize_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid Instagram timestamp {text:?}"))
        }),
    }
}

pub(crate) fn serialize_opt<S: Serializer>(
    at: &Option<OffsetDateTime>,
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
        assert_eq!(at.unix_timestamp(), 1_569_537_403);
        assert_eq!(format(at), "2019-09-26T22:36:43+0000");
        assert_eq!(parse("2019-09-26T22:36:43Z"), Some(at));
        assert_eq!(parse("yesterday"), None);
    }
}
