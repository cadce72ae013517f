//! A user's timeline as a stream, following `meta.next_token` page by page.
//!
//! The cursor of each page is on [`Page::next_token`], so a caller that wants to
//! resume later persists it from the page stream and starts again with it in
//! [`TimelineQuery::pagination_token`].

use crate::client::XClient;
use crate::error::Error;
use crate::ids::XUserId;
use crate::model::Post;
use crate::posts::{Page, TimelineQuery};
use futures::{Stream, TryStreamExt, stream};

impl XClient {
    /// Every page of `user`'s timeline from `query.pagination_token` on. Ends after a
    /// page without `next_token` (or one that repeats the token it was fetched with,
    /// which would otherwise loop); an error is the stream's last item.
    pub fn user_posts_pages(
        &self,
        user: XUserId,
        query: TimelineQuery,
    ) -> impl Stream<Item = Result<Page<Post>, Error>> + '_ {
        // The state is the token to fetch next, `None` once the last page was seen.
        let start = Some(query.pagination_token.clone());
        stream::try_unfold(start, move |state| {
            let user = user.clone();
            let mut query = query.clone();
            async move {
                let Some(token) = state else {
                    return Ok(None);
                };
                query.pagination_token = token;
                let page = self.user_posts(&user, &query).await?;
                let next = match page.next_token() {
                    Some(next) if Some(next) != query.pagination_token.as_deref() => {
                        Some(Some(next.to_owned()))
                    }
                    _ => None,
                };
                Ok(Some((page, next)))
            }
        })
    }

    /// Every post of `user`'s timeline from `query.pagination_token` on, newest first
    /// (see [`XClient::user_posts_pages`]).
    pub fn user_posts_stream(
        &self,
        user: XUserId,
        query: TimelineQuery,
    ) -> impl Stream<Item = Result<Post, Error>> + '_ {
        self.user_posts_pages(user, query)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }
}
