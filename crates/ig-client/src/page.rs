//! Pagination: [`Page`], an opaque [`Cursor`], and a stream helper.
//!
//! Graph edges answer `{"data":[…],"paging":{"cursors":{"before","after"},
//! "next","previous"}}`. Some edges page by time instead: their `next` link
//! carries `since`/`until` (and sometimes `__paging_token`) and there are no
//! cursors at all. The link itself embeds the access token, so it is never
//! kept: a [`Cursor`] holds only the position parameters of the link
//! (`after`, `before`, `since`, `until`, `__paging_token`, `offset`), which
//! are safe to log and persist, and the next request is rebuilt from them
//! against the configured host. A page without `next` is the last one, even
//! if it carries cursors; a `next` link with no position we can follow is a
//! parse error rather than a quiet end of the listing.

use std::future::Future;

use futures::{Stream, TryStreamExt, stream};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// The query parameters that say where a page starts. Everything else in a
/// paging link (the fields, the limit, the access token) comes from the
/// caller's own query instead.
pub(crate) const POSITION_PARAMS: &[&str] = &[
    "after",
    "before",
    "since",
    "until",
    "__paging_token",
    "offset",
];

/// An opaque position in a listing: a cursor, a time bound, or both. Persist
/// it (it serializes as a plain string, see [`Cursor::as_str`]) to resume later.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Cursor(String);

impl Cursor {
    /// Restores a cursor from its stored form ([`Cursor::as_str`]). A bare
    /// Graph cursor, as stored before time-based positions existed, is read
    /// as an `after` cursor.
    pub fn new(stored: impl Into<String>) -> Self {
        let stored = stored.into();
        if !stored.is_empty() && Self::pairs(&stored).all(|(key, _)| position_param(&key).is_some())
        {
            Self(stored)
        } else {
            Self::after(stored)
        }
    }

    /// The position after a Graph cursor (`paging.cursors.after`).
    pub fn after(cursor: impl AsRef<str>) -> Self {
        Self::encode([("after", cursor.as_ref())])
    }

    /// The position "published at or after `since`": where a listing
    /// restarts when a stored cursor is no longer accepted.
    pub fn since(since: Timestamp) -> Self {
        Self::encode([("since", since.as_second().to_string().as_str())])
    }

    /// The stored form: the position parameters, form-encoded.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The position parameters to send, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        Self::pairs(&self.0).filter_map(|(key, value)| position_param(&key).map(|key| (key, value)))
    }

    /// Merges this position into a request's query: a parameter the position
    /// names replaces the caller's, because the link said where to go next.
    pub(crate) fn apply(cursor: Option<&Self>, query: &mut Vec<(&'static str, String)>) {
        for (key, value) in cursor.into_iter().flat_map(Self::params) {
            query.retain(|(name, _)| *name != key);
            query.push((key, value));
        }
    }

    fn pairs(encoded: &str) -> impl Iterator<Item = (String, String)> + '_ {
        url::form_urlencoded::parse(encoded.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
    }

    fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
        )
    }

    /// The position a paging link points at, if it names one.
    fn from_link(link: &str) -> Option<Self> {
        let url = Url::parse(link).ok()?;
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| position_param(key).is_some())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs.is_empty() {
            None
        } else {
            Some(Self::encode(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ))
        }
    }
}

fn position_param(key: &str) -> Option<&'static str> {
    POSITION_PARAMS.iter().copied().find(|name| *name == key)
}

impl From<String> for Cursor {
    fn from(stored: String) -> Self {
        Self::new(stored)
    }
}

impl From<Cursor> for String {
    fn from(cursor: Cursor) -> Self {
        cursor.0
    }
}

/// One page of a listing. Deserializes from the Graph wire shape.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawPage<T>", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page, in the order Instagram returned them.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
    /// Where the previous page ends; `None` on the first page.
    pub previous: Option<Cursor>,
}

#[derive(Deserialize)]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize, Default)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    previous: Option<String>,
}

#[derive(Deserialize, Default)]
struct Cursors {
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

impl<T> TryFrom<RawPage<T>> for Page<T> {
    type Error = &'static str;

    fn try_from(raw: RawPage<T>) -> Result<Self, Self::Error> {
        let paging = raw.paging.unwrap_or_default();
        let cursors = paging.cursors.unwrap_or_default();
        // The link is what Graph says to fetch, so its parameters win over
        // the bare cursors; the cursors cover links without them.
        let next = match paging.next {
            None => None,
            Some(link) => Some(
                Cursor::from_link(&link)
                    .or_else(|| cursors.after.map(Cursor::after))
                    .ok_or("paging.next names no position (after, since, until…) to follow")?,
            ),
        };
        let previous = paging.previous.and_then(|link| {
            Cursor::from_link(&link).or_else(|| {
                cursors
                    .before
                    .map(|before| Cursor::encode([("before", before.as_str())]))
            })
        });
        Ok(Page {
            items: raw.data,
            next,
            previous,
        })
    }
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

/// Streams pages, starting at `start`, by calling `fetch` with each cursor.
/// Stops after a page without `next`, at the first error, or if a page
/// repeats its own cursor (which would otherwise loop forever).
pub fn pages<T, F, Fut>(
    start: Option<Cursor>,
    mut fetch: F,
) -> impl Stream<Item = Result<Page<T>, Error>>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    enum State {
        Fetch(Option<Cursor>),
        Done,
    }
    stream::try_unfold(State::Fetch(start), move |state| {
        let pending = match state {
            State::Fetch(cursor) => Some((fetch(cursor.clone()), cursor)),
            State::Done => None,
        };
        async move {
            let Some((fetching, current)) = pending else {
                return Ok(None);
            };
            let page = fetching.await?;
            let state = match &page.next {
                Some(next) if Some(next) != current.as_ref() => State::Fetch(Some(next.clone())),
                _ => State::Done,
            };
            Ok(Some((page, state)))
        }
    })
}

/// Streams the items of every page (see [`pages`]).
pub fn items<T, F, Fut>(start: Option<Cursor>, fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    pages(start, fetch)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Result<Page<u32>, serde_json::Error> {
        serde_json::from_str(body)
    }

    #[test]
    fn next_cursor_only_when_next_link_present() {
        let body = r#"{"data":[1,2],"paging":{"cursors":{"before":"b","after":"a"},"next":"https://graph.instagram.com/v1/x?access_token=SECRET&after=a"}}"#;
        let first = page(body).unwrap();
        assert_eq!(first.items, vec![1, 2]);
        assert_eq!(first.next, Some(Cursor::after("a")));
        assert_eq!(first.previous, None);
        assert!(!format!("{first:?}").contains("SECRET"));

        let last = r#"{"data":[3],"paging":{"cursors":{"before":"b","after":"a"},"previous":"https://x/?before=b"}}"#;
        let last = page(last).unwrap();
        assert_eq!(last.next, None);
        assert_eq!(last.previous.as_ref().map(Cursor::as_str), Some("before=b"));

        assert_eq!(page(r#"{"data":[]}"#).unwrap().next, None);

        let link_only =
            page(r#"{"data":[],"paging":{"next":"https://x/?until=5&after=zz"}}"#).unwrap();
        let params: Vec<_> = link_only.next.as_ref().unwrap().params().collect();
        assert_eq!(
            params,
            [("until", "5".to_owned()), ("after", "zz".to_owned())]
        );
    }

    #[test]
    fn time_based_links_become_positions_without_the_token() {
        let body = r#"{"data":[1],"paging":{"previous":"https://graph.facebook.com/v18.0/1/insights?access_token=SECRET&metric=reach&since=1699257550&until=1699430350","next":"https://graph.facebook.com/v18.0/1/insights?access_token=SECRET&metric=reach&since=1699603152&until=1699775952&__paging_token=enc%2Bx"}}"#;
        let time_paged = page(body).unwrap();
        let next = time_paged.next.unwrap();
        assert_eq!(
            next.params().collect::<Vec<_>>(),
            [
                ("since", "1699603152".to_owned()),
                ("until", "1699775952".to_owned()),
                ("__paging_token", "enc+x".to_owned())
            ]
        );
        assert!(!next.as_str().contains("SECRET") && !next.as_str().contains("metric"));
        assert_eq!(Cursor::new(next.as_str()), next, "the stored form restores");
        assert!(
            time_paged
                .previous
                .unwrap()
                .as_str()
                .contains("until=1699430350")
        );

        let unfollowable =
            r#"{"data":[1],"paging":{"next":"https://x/?access_token=SECRET&limit=2"}}"#;
        let error = page(unfollowable).unwrap_err().to_string();
        assert!(error.contains("no position"), "{error}");
        assert!(!error.contains("SECRET"));
    }

    #[test]
    fn stored_cursors_restore_and_serialize_as_strings() {
        assert_eq!(Cursor::new("QVFIUmx"), Cursor::after("QVFIUmx"));
        assert_eq!(Cursor::new("QVFI=="), Cursor::after("QVFI=="));
        assert_eq!(Cursor::new("after=QVFI").as_str(), "after=QVFI");
        let since = Cursor::since(Timestamp::from_second(1_700_000_000).unwrap());
        assert_eq!(since.as_str(), "since=1700000000");
        let json = serde_json::to_string(&since).unwrap();
        assert_eq!(json, r#""since=1700000000""#);
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), since);

        let mut query = vec![("fields", "id".to_owned()), ("since", "1".to_owned())];
        Cursor::apply(Some(&Cursor::new("since=2&after=c")), &mut query);
        assert_eq!(
            query,
            [
                ("fields", "id".to_owned()),
                ("since", "2".to_owned()),
                ("after", "c".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn items_follow_cursors_and_stop_on_a_repeated_cursor() {
        let all: Vec<u32> = items(None, |cursor| async move {
            Ok(match cursor.as_ref().map(Cursor::as_str) {
                None => Page {
                    items: vec![1, 2],
                    next: Some(Cursor::after("p2")),
                    previous: None,
                },
                Some("after=p2") => Page {
                    items: vec![3],
                    next: Some(Cursor::after("p2")),
                    previous: None,
                },
                Some(other) => return Err(Error::BadInput(other.to_owned())),
            })
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(all, vec![1, 2, 3]);
    }
}
