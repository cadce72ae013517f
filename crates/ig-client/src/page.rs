//! Cursor pagination: [`Page`], an opaque [`Cursor`], and a stream helper.
//!
//! Graph edges answer `{"data":[…],"paging":{"cursors":{"before","after"},
//! "next","previous"}}`. The `next` URL embeds the access token, so it is
//! never kept: the cursor is the bare `after` value, safe to log and persist,
//! and the next request is rebuilt from it against the configured host.
//! A page without `next` is the last one, even if it carries cursors.

use std::future::Future;

use futures::{Stream, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// An opaque position in a listing; persist it to resume later.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Restores a cursor read back from storage.
    pub fn new(cursor: impl Into<String>) -> Self {
        Self(cursor.into())
    }

    /// The cursor as sent to Instagram.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing. Deserializes from the Graph wire shape.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawPage<T>", bound(deserialize = "T: Deserialize<'de>"))]
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
pub(crate) struct RawPage<T> {
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

fn query_param(link: &str, name: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl<T> From<RawPage<T>> for Page<T> {
    fn from(raw: RawPage<T>) -> Self {
        let paging = raw.paging.unwrap_or_default();
        let cursors = paging.cursors.unwrap_or_default();
        let next = paging
            .next
            .and_then(|link| cursors.after.or_else(|| query_param(&link, "after")));
        let previous = paging
            .previous
            .and_then(|link| cursors.before.or_else(|| query_param(&link, "before")));
        Page {
            items: raw.data,
            next: next.map(Cursor),
            previous: previous.map(Cursor),
        }
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

    #[test]
    fn next_cursor_only_when_next_link_present() {
        let body = r#"{"data":[1,2],"paging":{"cursors":{"before":"b","after":"a"},"next":"https://graph.instagram.com/v1/x?access_token=SECRET&after=a"}}"#;
        let page: Page<u32> = serde_json::from_str::<RawPage<u32>>(body).unwrap().into();
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(Cursor::new("a")));
        assert_eq!(page.previous, None);
        assert!(!format!("{page:?}").contains("SECRET"));

        let last = r#"{"data":[3],"paging":{"cursors":{"before":"b","after":"a"},"previous":"https://x/?before=b"}}"#;
        let page: Page<u32> = serde_json::from_str::<RawPage<u32>>(last).unwrap().into();
        assert_eq!(page.next, None);
        assert_eq!(page.previous, Some(Cursor::new("b")));

        let no_paging: Page<u32> = serde_json::from_str::<RawPage<u32>>(r#"{"data":[]}"#)
            .unwrap()
            .into();
        assert_eq!(no_paging.next, None);

        let link_only = r#"{"data":[],"paging":{"next":"https://x/?until=5&after=zz"}}"#;
        let page: Page<u32> = serde_json::from_str::<RawPage<u32>>(link_only)
            .unwrap()
            .into();
        assert_eq!(page.next, Some(Cursor::new("zz")));
    }

    #[tokio::test]
    async fn items_follow_cursors_and_stop_on_a_repeated_cursor() {
        let all: Vec<u32> = items(None, |cursor| async move {
            Ok(match cursor.as_ref().map(Cursor::as_str) {
                None => Page {
                    items: vec![1, 2],
                    next: Some(Cursor::new("p2")),
                    previous: None,
                },
                Some("p2") => Page {
                    items: vec![3],
                    next: Some(Cursor::new("p2")),
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
