//! [`Store`] for [`SqliteStore`].

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use xpost_core::{
    Credentials, DeletionRequest, Event, EventQuery, ForgetReport, Lease, Link, LinkId, LinkState,
    MetricQuery, MetricSample, Metrics, OAuth1Token, PostQuery, PostRecord, ProfileSnapshot, Side,
    SourceCursor, SourceId, Store, StoreError, Versioned,
};

use crate::{SqliteStore, unavailable};
use xpost_core::rows::{
    corrupt, count, from_json, from_micros, from_name, micros, name, open_credentials, open_oauth1,
    seal_credentials, seal_oauth1, to_json, uncount,
};

/// Starts a write transaction that takes SQLite's write lock at once, so that
/// the lease check and the write that follows see one state.
fn write_tx(conn: &mut rusqlite::Connection) -> Result<Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable("start a write"))
}

fn check_lease(tx: &Transaction<'_>, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
    let held: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM leases WHERE link_id = ?1 AND holder = ?2 AND generation = ?3 AND expires_at > ?4",
            params![
                lease.link.as_str(),
                lease.holder,
                generation(lease.generation)?,
                micros(now)
            ],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable("check the lease"))?;
    match held {
        Some(_) => Ok(()),
        None => Err(StoreError::LeaseLost {
            link: lease.link.clone(),
            generation: lease.generation,
        }),
    }
}

fn generation(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: "lease generation".into(),
        message: format!("{value} is out of range"),
    })
}

fn version(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn post_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64)> {
    Ok((row.get(0)?, row.get(1)?))
}

fn to_record((body, stored_version): (String, i64)) -> Result<PostRecord, StoreError> {
    let mut record: PostRecord = from_json("post record", &body)?;
    record.version = version(stored_version);
    Ok(record)
}

fn replace_post(tx: &Transaction<'_>, record: &PostRecord) -> Result<PostRecord, StoreError> {
    let mut next = record.clone();
    next.version = record.version + 1;
    let body = to_json("post record", &next)?;
    let changed = tx
        .execute(
            "UPDATE posts SET state = ?1, final = ?2, due_at = ?3, published_at = ?4, version = ?5, body = ?6,
                 listing_order = ?10
             WHERE link_id = ?7 AND source_id = ?8 AND version = ?9",
            params![
                name("post state", &next.state)?,
                next.is_settled(),
                next.due_at.map(micros),
                micros(next.post.timestamp),
                generation(next.version)?,
                body,
                next.link.as_str(),
                next.source_id.as_str(),
                generation(record.version)?,
                next.listing_order,
            ],
        )
        .map_err(unavailable("update a post"))?;
    if changed == 1 {
        return Ok(next);
    }
    let exists: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM posts WHERE link_id = ?1 AND source_id = ?2",
            params![record.link.as_str(), record.source_id.as_str()],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable("look a post up"))?;
    let what = format!("post {} of link {}", record.source_id, record.link);
    Err(match exists {
        Some(_) => StoreError::Conflict { what },
        None => StoreError::NotFound { what },
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            conn.execute(
                "INSERT INTO links (id, state, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body",
                params![
                    link.id.as_str(),
                    link.state.as_str(),
                    to_json("link", &link)?
                ],
            )
            .map(drop)
            .map_err(unavailable("store a link"))
        })
        .await
    }

    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        let id = id.clone();
        self.call(move |conn, _| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM links WHERE id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a link"))?;
            body.map(|b| from_json("link", &b)).transpose()
        })
        .await
    }

    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        self.call(|conn, _| {
            let mut stmt = conn
                .prepare_cached("SELECT body FROM links ORDER BY id")
                .map_err(unavailable("list links"))?;
            let bodies = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list links"))?;
            bodies.iter().map(|b| from_json("link", b)).collect()
        })
        .await
    }

    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        reauth_side: Option<Side>,
    ) -> Result<(), StoreError> {
        let id = id.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            let body: Option<String> = tx
                .query_row(
                    "SELECT body FROM links WHERE id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a link"))?;
            let mut link: Link = match body {
                Some(b) => from_json("link", &b)?,
                None => {
                    return Err(StoreError::NotFound {
                        what: format!("link {id}"),
                    });
                }
            };
            link.state = state;
            link.reauth_side = reauth_side;
            tx.execute(
                "UPDATE links SET state = ?1, body = ?2 WHERE id = ?3",
                params![state.as_str(), to_json("link", &link)?, id.as_str()],
            )
            .map_err(unavailable("update a link"))?;
            tx.commit().map_err(unavailable("commit a link update"))
        })
        .await
    }

    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        let id = id.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            let body: Option<String> = tx
                .query_row(
                    "SELECT body FROM links WHERE id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a link"))?;
            let mut link: Link = match body {
                Some(b) => from_json("link", &b)?,
                None => {
                    return Err(StoreError::NotFound {
                        what: format!("link {id}"),
                    });
                }
            };
            let before = std::mem::replace(&mut link.paused_since, paused_since);
            tx.execute(
                "UPDATE links SET body = ?1 WHERE id = ?2",
                params![to_json("link", &link)?, id.as_str()],
            )
            .map_err(unavailable("update a link"))?;
            tx.commit().map_err(unavailable("commit a link update"))?;
            Ok(before)
        })
        .await
    }

    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        let link = link.clone();
        self.call(move |conn, key| {
            let row: Option<(i64, Vec<u8>)> = conn
                .query_row(
                    "SELECT version, sealed FROM credentials WHERE link_id = ?1 AND side = ?2",
                    params![link.as_str(), side.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(unavailable("read credentials"))?;
            row.map(|(v, sealed)| {
                Ok(Versioned {
                    value: open_credentials(key, &link, side, &sealed)?,
                    version: version(v),
                })
            })
            .transpose()
        })
        .await
    }

    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        credentials: &Credentials,
    ) -> Result<u64, StoreError> {
        let link = link.clone();
        let credentials = credentials.clone();
        self.call(move |conn, key| {
            let sealed = seal_credentials(key, &link, side, &credentials)?;
            let tx = write_tx(conn)?;
            let next = next_credentials_version(&tx)?;
            tx.execute(
                "INSERT INTO credentials (link_id, side, version, sealed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (link_id, side) DO UPDATE SET version = excluded.version, sealed = excluded.sealed",
                params![link.as_str(), side.as_str(), next, sealed],
            )
            .map_err(unavailable("store credentials"))?;
            tx.commit().map_err(unavailable("commit credentials"))?;
            Ok(version(next))
        })
        .await
    }

    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        let link = link.clone();
        let next = next.clone();
        self.call(move |conn, key| {
            let sealed = seal_credentials(key, &link, side, &next)?;
            let tx = write_tx(conn)?;
            let new_version = next_credentials_version(&tx)?;
            let changed = tx
                .execute(
                    "UPDATE credentials SET version = ?1, sealed = ?2
                     WHERE link_id = ?3 AND side = ?4 AND version = ?5",
                    params![
                        new_version,
                        sealed,
                        link.as_str(),
                        side.as_str(),
                        generation(expected)?
                    ],
                )
                .map_err(unavailable("rotate credentials"))?;
            if changed == 0 {
                // Nothing swapped: leave the sequence as it was.
                return Ok(None);
            }
            tx.commit().map_err(unavailable("commit a rotation"))?;
            Ok(Some(version(new_version)))
        })
        .await
    }

    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            conn.execute(
                "DELETE FROM credentials WHERE link_id = ?1 AND side = ?2",
                params![link.as_str(), side.as_str()],
            )
            .map(drop)
            .map_err(unavailable("delete credentials"))
        })
        .await
    }

    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM cursors WHERE link_id = ?1",
                    [link.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a cursor"))?;
            body.map(|b| from_json("cursor", &b)).transpose()
        })
        .await
    }

    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        let body = to_json("cursor", cursor)?;
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            tx.execute(
                "INSERT INTO cursors (link_id, body) VALUES (?1, ?2)
                 ON CONFLICT (link_id) DO UPDATE SET body = excluded.body",
                params![lease.link.as_str(), body],
            )
            .map_err(unavailable("move a cursor"))?;
            tx.commit().map_err(unavailable("commit a cursor"))
        })
        .await
    }

    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let lease = lease.clone();
        let posts = posts.to_vec();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            let mut inserted = 0;
            {
                let mut stmt = tx
                    .prepare_cached(
                        "INSERT INTO posts (link_id, source_id, state, final, due_at, published_at, version, body, listing_order)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)
                         ON CONFLICT (link_id, source_id) DO NOTHING",
                    )
                    .map_err(unavailable("record posts"))?;
                for post in posts {
                    let mut record = post;
                    record.link = lease.link.clone();
                    record.version = 1;
                    inserted += stmt
                        .execute(params![
                            record.link.as_str(),
                            record.source_id.as_str(),
                            name("post state", &record.state)?,
                            record.is_settled(),
                            record.due_at.map(micros),
                            micros(record.post.timestamp),
                            to_json("post record", &record)?,
                            record.listing_order,
                        ])
                        .map_err(unavailable("record a post"))?;
                }
            }
            tx.commit().map_err(unavailable("commit new posts"))?;
            Ok(inserted)
        })
        .await
    }

    async fn post(
        &self,
        link: &LinkId,
        source_id: &SourceId,
    ) -> Result<Option<PostRecord>, StoreError> {
        let link = link.clone();
        let source_id = source_id.clone();
        self.call(move |conn, _| {
            conn.query_row(
                "SELECT body, version FROM posts WHERE link_id = ?1 AND source_id = ?2",
                params![link.as_str(), source_id.as_str()],
                post_row,
            )
            .optional()
            .map_err(unavailable("read a post"))?
            .map(to_record)
            .transpose()
        })
        .await
    }

    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        if lease.link != record.link {
            return Err(StoreError::LeaseLost {
                link: record.link.clone(),
                generation: lease.generation,
            });
        }
        let lease = lease.clone();
        let record = record.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            let next = replace_post(&tx, &record)?;
            tx.commit().map_err(unavailable("commit a post update"))?;
            Ok(next)
        })
        .await
    }

    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        let record = record.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            let next = replace_post(&tx, &record)?;
            tx.commit().map_err(unavailable("commit a post update"))?;
            Ok(next)
        })
        .await
    }

    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let link = link.clone();
        let limit = if limit == 0 {
            -1
        } else {
            i64::try_from(limit).unwrap_or(i64::MAX)
        };
        self.call(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT body, version FROM posts
                     WHERE link_id = ?1 AND final = 0 AND (due_at IS NULL OR due_at <= ?2)
                     ORDER BY published_at, listing_order, source_id LIMIT ?3",
                )
                .map_err(unavailable("list due posts"))?;
            let rows = stmt
                .query_map(params![link.as_str(), micros(now), limit], post_row)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list due posts"))?;
            rows.into_iter().map(to_record).collect()
        })
        .await
    }

    async fn posts(&self, query: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        let link = query.link.clone();
        let states = query
            .states
            .iter()
            .map(|s| name("post state", s))
            .collect::<Result<Vec<_>, _>>()?;
        let states = to_json("post states", &states)?;
        let all_states = query.states.is_empty();
        let limit = if query.limit == 0 {
            -1
        } else {
            i64::try_from(query.limit).unwrap_or(i64::MAX)
        };
        // One statement per shape: with `?1 IS NULL OR link_id = ?1` SQLite
        // cannot use the link's index and reads every post of every link, which
        // made each pass's look at its waiting posts grow with the whole history.
        let sql = if link.is_some() {
            "SELECT body, version FROM posts
             WHERE link_id = ?1
               AND (?2 OR state IN (SELECT value FROM json_each(?3)))
             ORDER BY published_at, listing_order, source_id LIMIT ?4"
        } else {
            "SELECT body, version FROM posts
             WHERE ?1 IS NULL
               AND (?2 OR state IN (SELECT value FROM json_each(?3)))
             ORDER BY published_at, listing_order, source_id LIMIT ?4"
        };
        self.call(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(sql)
                .map_err(unavailable("list posts"))?;
            let rows = stmt
                .query_map(
                    params![link.as_ref().map(LinkId::as_str), all_states, states, limit],
                    post_row,
                )
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list posts"))?;
            rows.into_iter().map(to_record).collect()
        })
        .await
    }

    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT body, version FROM posts
                     WHERE link_id = ?1 AND published_at >= ?2
                     ORDER BY published_at, source_id",
                )
                .map_err(unavailable("list recent posts"))?;
            let rows = stmt
                .query_map(params![link.as_str(), micros(since)], post_row)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list recent posts"))?;
            rows.into_iter().map(to_record).collect()
        })
        .await
    }

    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        let events = events.to_vec();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            insert_events(&tx, &events)?;
            tx.commit().map_err(unavailable("commit events"))
        })
        .await
    }

    async fn update_post_logged(
        &self,
        lease: &Lease,
        record: &PostRecord,
        events: &[Event],
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        if lease.link != record.link {
            return Err(StoreError::LeaseLost {
                link: record.link.clone(),
                generation: lease.generation,
            });
        }
        let lease = lease.clone();
        let record = record.clone();
        let events = events.to_vec();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            let next = replace_post(&tx, &record)?;
            insert_events(&tx, &events)?;
            tx.commit().map_err(unavailable("commit a post update"))?;
            Ok(next)
        })
        .await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        let query = query.clone();
        let kinds = query
            .kinds
            .iter()
            .map(|k| name("event kind", k))
            .collect::<Result<Vec<_>, _>>()?;
        let kinds = to_json("event kinds", &kinds)?;
        self.call(move |conn, _| {
            let limit = if query.limit == 0 {
                -1
            } else {
                i64::try_from(query.limit).unwrap_or(i64::MAX)
            };
            let mut stmt = conn
                .prepare_cached(
                    "SELECT seq, body FROM events
                     WHERE (?1 IS NULL OR link_id = ?1)
                       AND (?2 IS NULL OR source_id = ?2)
                       AND (?3 OR kind IN (SELECT value FROM json_each(?4)))
                       AND (NOT ?5 OR failure)
                     ORDER BY seq DESC LIMIT ?6",
                )
                .map_err(unavailable("list events"))?;
            let rows = stmt
                .query_map(
                    params![
                        query.link.as_ref().map(LinkId::as_str),
                        query.source_id.as_ref().map(SourceId::as_str),
                        query.kinds.is_empty(),
                        kinds,
                        query.failures_only,
                        limit
                    ],
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
                )
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list events"))?;
            rows.into_iter()
                .map(|(seq, body)| {
                    let mut event: Event = from_json("event", &body)?;
                    event.seq = version(seq);
                    Ok(event)
                })
                .collect()
        })
        .await
    }

    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        let link = link.clone();
        let holder = holder.to_owned();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            let held: Option<(String, i64, i64)> = tx
                .query_row(
                    "SELECT holder, generation, expires_at FROM leases WHERE link_id = ?1",
                    [link.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(unavailable("read a lease"))?;
            let live = |expires: i64| expires > micros(now);
            let generation_now = match held {
                Some((h, g, e)) if h == holder && live(e) => g,
                Some((_, _, e)) if live(e) => return Ok(None),
                Some((_, g, _)) => g + 1,
                None => 1,
            };
            let expires_at = now.saturating_add(ttl).unwrap_or(now);
            tx.execute(
                "INSERT INTO leases (link_id, holder, generation, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (link_id) DO UPDATE SET holder = excluded.holder,
                     generation = excluded.generation, expires_at = excluded.expires_at",
                params![link.as_str(), holder, generation_now, micros(expires_at)],
            )
            .map_err(unavailable("take a lease"))?;
            tx.commit().map_err(unavailable("commit a lease"))?;
            Ok(Some(Lease {
                link,
                holder,
                generation: version(generation_now),
                expires_at,
            }))
        })
        .await
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        let lease = lease.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            let expires_at = now.saturating_add(ttl).unwrap_or(now);
            tx.execute(
                "UPDATE leases SET expires_at = ?1 WHERE link_id = ?2",
                params![micros(expires_at), lease.link.as_str()],
            )
            .map_err(unavailable("renew a lease"))?;
            tx.commit().map_err(unavailable("commit a lease renewal"))?;
            Ok(Lease {
                expires_at,
                ..lease
            })
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.call(move |conn, _| {
            conn.execute(
                "UPDATE leases SET expires_at = ?1 WHERE link_id = ?2 AND holder = ?3 AND generation = ?4",
                params![
                    i64::MIN,
                    lease.link.as_str(),
                    lease.holder,
                    generation(lease.generation)?
                ],
            )
            .map(drop)
            .map_err(unavailable("release a lease"))
        })
        .await
    }

    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError> {
        let request = request.clone();
        self.call(move |conn, _| {
            conn.execute(
                "INSERT INTO deletion_requests (code, user_id, state, requested_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (code) DO UPDATE SET user_id = excluded.user_id,
                   state = excluded.state, requested_at = excluded.requested_at, body = excluded.body",
                // The column predates requests that keep nothing about the
                // user; it is left empty.
                params![
                    request.code,
                    "",
                    request.state.as_str(),
                    micros(request.requested_at),
                    to_json("deletion request", &request)?
                ],
            )
            .map(drop)
            .map_err(unavailable("write a deletion request"))
        })
        .await
    }

    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError> {
        let code = code.to_owned();
        self.call(move |conn, _| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM deletion_requests WHERE code = ?1",
                    [code.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a deletion request"))?;
            body.map(|b| from_json("deletion request", &b)).transpose()
        })
        .await
    }

    async fn forget_link(&self, link: &LinkId) -> Result<ForgetReport, StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            let delete = |sql: &str| -> Result<u64, StoreError> {
                tx.execute(sql, [link.as_str()])
                    .map(|n| u64::try_from(n).unwrap_or(u64::MAX))
                    .map_err(unavailable("forget a link"))
            };
            let mut report = ForgetReport::default();
            report.credentials = delete("DELETE FROM credentials WHERE link_id = ?1")?;
            report.oauth1_tokens = delete("DELETE FROM oauth1_tokens WHERE link_id = ?1")?;
            report.cursors = delete("DELETE FROM cursors WHERE link_id = ?1")?;
            report.posts = delete("DELETE FROM posts WHERE link_id = ?1")?;
            report.events = delete("DELETE FROM events WHERE link_id = ?1")?;
            report.metric_samples = delete("DELETE FROM metric_samples WHERE link_id = ?1")?;
            report.profile_snapshots = delete("DELETE FROM profile_snapshots WHERE link_id = ?1")?;
            report.task_runs = delete("DELETE FROM task_runs WHERE link_id = ?1")?;
            report.read_counters = delete("DELETE FROM metered_reads WHERE link_id = ?1")?;
            report.leases = delete("DELETE FROM leases WHERE link_id = ?1")?;
            report.links = delete("DELETE FROM links WHERE id = ?1")?;
            tx.commit()
                .map_err(unavailable("commit forgetting a link"))?;
            Ok(report)
        })
        .await
    }

    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        let link = link.clone();
        self.call(move |conn, key| {
            let sealed: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT sealed FROM oauth1_tokens WHERE link_id = ?1",
                    [link.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read an OAuth 1.0a token"))?;
            sealed.map(|s| open_oauth1(key, &link, &s)).transpose()
        })
        .await
    }

    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        let link = link.clone();
        let token = token.clone();
        self.call(move |conn, key| {
            let sealed = seal_oauth1(key, &link, &token)?;
            conn.execute(
                "INSERT INTO oauth1_tokens (link_id, sealed) VALUES (?1, ?2)
                 ON CONFLICT (link_id) DO UPDATE SET sealed = excluded.sealed",
                params![link.as_str(), sealed],
            )
            .map_err(unavailable("store an OAuth 1.0a token"))?;
            Ok(())
        })
        .await
    }

    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            conn.execute(
                "DELETE FROM oauth1_tokens WHERE link_id = ?1",
                [link.as_str()],
            )
            .map_err(unavailable("delete an OAuth 1.0a token"))?;
            Ok(())
        })
        .await
    }

    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        let link = link.clone();
        self.call(move |conn, _| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM profile_snapshots WHERE link_id = ?1",
                    [link.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a profile snapshot"))?;
            body.map(|b| from_json("profile snapshot", &b)).transpose()
        })
        .await
    }

    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        let body = to_json("profile snapshot", snapshot)?;
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            tx.execute(
                "INSERT INTO profile_snapshots (link_id, body) VALUES (?1, ?2)
                 ON CONFLICT (link_id) DO UPDATE SET body = excluded.body",
                params![lease.link.as_str(), body],
            )
            .map_err(unavailable("record a profile snapshot"))?;
            tx.commit()
                .map_err(unavailable("commit a profile snapshot"))
        })
        .await
    }

    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        let link = link.clone();
        let task = task.to_owned();
        self.call(move |conn, _| {
            let at: Option<i64> = conn
                .query_row(
                    "SELECT ran_at FROM task_runs WHERE link_id = ?1 AND task = ?2",
                    params![link.as_str(), task],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read a task time"))?;
            at.map(|at| from_micros("task time", at)).transpose()
        })
        .await
    }

    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        let task = task.to_owned();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            tx.execute(
                "INSERT INTO task_runs (link_id, task, ran_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (link_id, task) DO UPDATE SET ran_at = excluded.ran_at",
                params![lease.link.as_str(), task, micros(at)],
            )
            .map_err(unavailable("record a task time"))?;
            tx.commit().map_err(unavailable("commit a task time"))
        })
        .await
    }

    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        let rows = samples
            .iter()
            .map(|s| {
                Ok((
                    s.source_id.clone(),
                    name("platform", &s.platform)?,
                    s.at,
                    s.metrics,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            {
                let mut stmt = tx
                    .prepare_cached(
                        "INSERT INTO metric_samples
                         (link_id, source_id, platform, at, likes, comments, reposts, impressions)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .map_err(unavailable("record metrics"))?;
                for (source_id, platform, at, m) in &rows {
                    stmt.execute(params![
                        lease.link.as_str(),
                        source_id.as_str(),
                        platform,
                        micros(*at),
                        m.likes.map(count),
                        m.comments.map(count),
                        m.reposts.map(count),
                        m.impressions.map(count),
                    ])
                    .map_err(unavailable("record metrics"))?;
                }
            }
            tx.commit().map_err(unavailable("commit metrics"))
        })
        .await
    }

    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        let query = query.clone();
        let platform = query.platform.map(|p| name("platform", &p)).transpose()?;
        self.call(move |conn, _| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT link_id, source_id, platform, at, likes, comments, reposts, impressions
                     FROM metric_samples
                     WHERE (?1 IS NULL OR link_id = ?1)
                       AND (?2 IS NULL OR source_id = ?2)
                       AND (?3 IS NULL OR platform = ?3)
                       AND (?4 IS NULL OR at >= ?4)
                     ORDER BY at, source_id, platform",
                )
                .map_err(unavailable("list metrics"))?;
            type Row = (String, String, String, i64, [Option<i64>; 4]);
            let rows: Vec<Row> = stmt
                .query_map(
                    params![
                        query.link.as_ref().map(LinkId::as_str),
                        query.source_id.as_ref().map(SourceId::as_str),
                        platform,
                        query.since.map(micros),
                    ],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            [row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?],
                        ))
                    },
                )
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(unavailable("list metrics"))?;
            rows.into_iter()
                .map(
                    |(link, source_id, platform, at, [likes, comments, reposts, impressions])| {
                        Ok(MetricSample {
                            link: LinkId::new(link).map_err(corrupt("metric sample"))?,
                            source_id: SourceId::new(source_id)
                                .map_err(corrupt("metric sample"))?,
                            platform: from_name("platform", &platform)?,
                            at: from_micros("metric sample", at)?,
                            metrics: Metrics {
                                likes: likes.map(uncount),
                                comments: comments.map(uncount),
                                reposts: reposts.map(uncount),
                                impressions: impressions.map(uncount),
                            },
                        })
                    },
                )
                .collect()
        })
        .await
    }

    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        let link = link.clone();
        let period = period.to_owned();
        self.call(move |conn, _| {
            let spent: Option<i64> = conn
                .query_row(
                    "SELECT spent FROM metered_reads WHERE link_id = ?1 AND period = ?2",
                    params![link.as_str(), period],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable("read spent reads"))?;
            Ok(spent.map_or(0, uncount))
        })
        .await
    }

    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        spent: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        let periods = periods.to_vec();
        self.call(move |conn, _| {
            let tx = write_tx(conn)?;
            check_lease(&tx, &lease, now)?;
            for period in &periods {
                tx.execute(
                    "INSERT INTO metered_reads (link_id, period, spent) VALUES (?1, ?2, ?3)
                     ON CONFLICT (link_id, period) DO UPDATE SET spent = spent + excluded.spent",
                    params![lease.link.as_str(), period, count(spent)],
                )
                .map_err(unavailable("record spent reads"))?;
            }
            tx.commit().map_err(unavailable("commit spent reads"))
        })
        .await
    }
}

fn insert_events(tx: &Transaction<'_>, events: &[Event]) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO events (link_id, source_id, kind, failure, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(unavailable("append events"))?;
    for event in events {
        stmt.execute(params![
            event.link.as_str(),
            event.source_id.as_ref().map(SourceId::as_str),
            name("event kind", &event.kind)?,
            event.class.is_some(),
            to_json("event", event)?,
        ])
        .map_err(unavailable("append an event"))?;
    }
    Ok(())
}

fn next_credentials_version(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    tx.query_row(
        "UPDATE sequences SET value = value + 1 WHERE name = 'credentials' RETURNING value",
        [],
        |row| row.get(0),
    )
    .map_err(unavailable("number credentials"))
}
