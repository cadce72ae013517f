//! [`Store`] for [`PostgresStore`].

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use jiff::{SignedDuration, Timestamp};
use tokio_postgres::Row;
use xpost_core::{
    Credentials, DeletionRequest, Event, EventQuery, ForgetReport, Lease, Link, LinkId, LinkState,
    MetricQuery, MetricSample, Metrics, OAuth1Token, PostQuery, PostRecord, ProfileSnapshot, Side,
    SourceCursor, SourceId, Store, StoreError, Versioned,
};

use crate::{PostgresStore, unavailable};
use xpost_core::rows::{
    corrupt, count, from_json, from_micros, from_name, micros, name, open_credentials, open_oauth1,
    seal_credentials, seal_oauth1, to_json, uncount,
};

/// Checks the lease and holds its row (`FOR SHARE`) until the transaction ends,
/// so no other worker can take the lease between the check and the write.
async fn check_lease(
    tx: &Transaction<'_>,
    lease: &Lease,
    now: Timestamp,
) -> Result<(), StoreError> {
    let held = tx
        .query_opt(
            "SELECT 1 FROM leases
             WHERE link_id = $1 AND holder = $2 AND generation = $3 AND expires_at > $4
             FOR SHARE",
            &[
                &lease.link.as_str(),
                &lease.holder,
                &signed(lease.generation)?,
                &micros(now),
            ],
        )
        .await
        .map_err(unavailable("check the lease"))?;
    match held {
        Some(_) => Ok(()),
        None => Err(StoreError::LeaseLost {
            link: lease.link.clone(),
            generation: lease.generation,
        }),
    }
}

fn signed(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: "version or generation".into(),
        message: format!("{value} is out of range"),
    })
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn limit(value: usize) -> Option<i64> {
    (value != 0).then(|| i64::try_from(value).unwrap_or(i64::MAX))
}

fn to_record(row: &Row) -> Result<PostRecord, StoreError> {
    let body: String = row.try_get(0).map_err(unavailable("read a post"))?;
    let version: i64 = row.try_get(1).map_err(unavailable("read a post"))?;
    let mut record: PostRecord = from_json("post record", &body)?;
    record.version = unsigned(version);
    Ok(record)
}

async fn begin(client: &mut deadpool_postgres::Object) -> Result<Transaction<'_>, StoreError> {
    client
        .transaction()
        .await
        .map_err(unavailable("start a write"))
}

/// Ends `tx`: commits after `Ok`, rolls back at once after `Err` (so no
/// connection sits idle in a transaction holding row locks).
async fn finish<T>(
    tx: Transaction<'_>,
    result: Result<T, StoreError>,
    doing: &'static str,
) -> Result<T, StoreError> {
    match result {
        Ok(value) => {
            tx.commit().await.map_err(unavailable(doing))?;
            Ok(value)
        }
        Err(e) => {
            // The error that ended the transaction is the one worth reporting.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn replace_post<C: GenericClient>(
    client: &C,
    record: &PostRecord,
) -> Result<PostRecord, StoreError> {
    let mut next = record.clone();
    next.version = record.version + 1;
    let body = to_json("post record", &next)?;
    let changed = client
        .execute(
            "UPDATE posts SET state = $1, final = $2, due_at = $3, published_at = $4, version = $5, body = $6,
                 listing_order = $10
             WHERE link_id = $7 AND source_id = $8 AND version = $9",
            &[
                &name("post state", &next.state)?,
                &next.is_settled(),
                &next.due_at.map(micros),
                &micros(next.post.timestamp),
                &signed(next.version)?,
                &body,
                &next.link.as_str(),
                &next.source_id.as_str(),
                &signed(record.version)?,
                &next.listing_order,
            ],
        )
        .await
        .map_err(unavailable("update a post"))?;
    if changed == 1 {
        return Ok(next);
    }
    let exists = client
        .query_opt(
            "SELECT 1 FROM posts WHERE link_id = $1 AND source_id = $2",
            &[&record.link.as_str(), &record.source_id.as_str()],
        )
        .await
        .map_err(unavailable("look a post up"))?;
    let what = format!("post {} of link {}", record.source_id, record.link);
    Err(match exists {
        Some(_) => StoreError::Conflict { what },
        None => StoreError::NotFound { what },
    })
}

#[async_trait]
impl Store for PostgresStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO links (id, state, body) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body",
                &[
                    &link.id.as_str(),
                    &link.state.as_str(),
                    &to_json("link", link)?,
                ],
            )
            .await
            .map(drop)
            .map_err(unavailable("store a link"))
    }

    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT body FROM links WHERE id = $1", &[&id.as_str()])
            .await
            .map_err(unavailable("read a link"))?;
        row.map(|r| {
            let body: String = r.try_get(0).map_err(unavailable("read a link"))?;
            from_json("link", &body)
        })
        .transpose()
    }

    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT body FROM links ORDER BY id", &[])
            .await
            .map_err(unavailable("list links"))?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get(0).map_err(unavailable("list links"))?;
                from_json("link", &body)
            })
            .collect()
    }

    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        reauth_side: Option<Side>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            let row = tx
                .query_opt(
                    "SELECT body FROM links WHERE id = $1 FOR UPDATE",
                    &[&id.as_str()],
                )
                .await
                .map_err(unavailable("read a link"))?;
            let mut link: Link = match row {
                Some(r) => {
                    let body: String = r.try_get(0).map_err(unavailable("read a link"))?;
                    from_json("link", &body)?
                }
                None => {
                    return Err(StoreError::NotFound {
                        what: format!("link {id}"),
                    });
                }
            };
            link.state = state;
            link.reauth_side = reauth_side;
            tx.execute(
                "UPDATE links SET state = $1, body = $2 WHERE id = $3",
                &[&state.as_str(), &to_json("link", &link)?, &id.as_str()],
            )
            .await
            .map_err(unavailable("update a link"))?;
            Ok(())
        }
        .await;
        finish(tx, result, "commit a link update").await
    }

    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            let row = tx
                .query_opt(
                    "SELECT body FROM links WHERE id = $1 FOR UPDATE",
                    &[&id.as_str()],
                )
                .await
                .map_err(unavailable("read a link"))?;
            let mut link: Link = match row {
                Some(r) => {
                    let body: String = r.try_get(0).map_err(unavailable("read a link"))?;
                    from_json("link", &body)?
                }
                None => {
                    return Err(StoreError::NotFound {
                        what: format!("link {id}"),
                    });
                }
            };
            let before = std::mem::replace(&mut link.paused_since, paused_since);
            tx.execute(
                "UPDATE links SET body = $1 WHERE id = $2",
                &[&to_json("link", &link)?, &id.as_str()],
            )
            .await
            .map_err(unavailable("update a link"))?;
            Ok(before)
        }
        .await;
        finish(tx, result, "commit a link update").await
    }

    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT version, sealed FROM credentials WHERE link_id = $1 AND side = $2",
                &[&link.as_str(), &side.as_str()],
            )
            .await
            .map_err(unavailable("read credentials"))?;
        row.map(|r| {
            let version: i64 = r.try_get(0).map_err(unavailable("read credentials"))?;
            let sealed: Vec<u8> = r.try_get(1).map_err(unavailable("read credentials"))?;
            Ok(Versioned {
                value: open_credentials(&self.key, link, side, &sealed)?,
                version: unsigned(version),
            })
        })
        .transpose()
    }

    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        credentials: &Credentials,
    ) -> Result<u64, StoreError> {
        let sealed = seal_credentials(&self.key, link, side, credentials)?;
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO credentials (link_id, side, version, sealed)
                 VALUES ($1, $2, nextval('credentials_version'), $3)
                 ON CONFLICT (link_id, side) DO UPDATE
                     SET version = nextval('credentials_version'), sealed = excluded.sealed
                 RETURNING version",
                &[&link.as_str(), &side.as_str(), &sealed],
            )
            .await
            .map_err(unavailable("store credentials"))?;
        let version: i64 = row.try_get(0).map_err(unavailable("store credentials"))?;
        Ok(unsigned(version))
    }

    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        let sealed = seal_credentials(&self.key, link, side, next)?;
        let client = self.client().await?;
        let row = client
            .query_opt(
                "UPDATE credentials SET version = nextval('credentials_version'), sealed = $1
                 WHERE link_id = $2 AND side = $3 AND version = $4
                 RETURNING version",
                &[&sealed, &link.as_str(), &side.as_str(), &signed(expected)?],
            )
            .await
            .map_err(unavailable("rotate credentials"))?;
        row.map(|r| {
            r.try_get::<_, i64>(0)
                .map(unsigned)
                .map_err(unavailable("rotate credentials"))
        })
        .transpose()
    }

    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM credentials WHERE link_id = $1 AND side = $2",
                &[&link.as_str(), &side.as_str()],
            )
            .await
            .map(drop)
            .map_err(unavailable("delete credentials"))
    }

    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT body FROM cursors WHERE link_id = $1",
                &[&link.as_str()],
            )
            .await
            .map_err(unavailable("read a cursor"))?;
        row.map(|r| {
            let body: String = r.try_get(0).map_err(unavailable("read a cursor"))?;
            from_json("cursor", &body)
        })
        .transpose()
    }

    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let body = to_json("cursor", cursor)?;
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            tx.execute(
                "INSERT INTO cursors (link_id, body) VALUES ($1, $2)
                 ON CONFLICT (link_id) DO UPDATE SET body = excluded.body",
                &[&lease.link.as_str(), &body],
            )
            .await
            .map_err(unavailable("move a cursor"))?;
            Ok(())
        }
        .await;
        finish(tx, result, "commit a cursor").await
    }

    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            let stmt = tx
                .prepare(
                    "INSERT INTO posts (link_id, source_id, state, final, due_at, published_at, version, body, listing_order)
                     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)
                     ON CONFLICT (link_id, source_id) DO NOTHING",
                )
                .await
                .map_err(unavailable("record posts"))?;
            let mut inserted = 0;
            for post in posts {
                let mut record = post.clone();
                record.link = lease.link.clone();
                record.version = 1;
                let changed = tx
                    .execute(
                        &stmt,
                        &[
                            &record.link.as_str(),
                            &record.source_id.as_str(),
                            &name("post state", &record.state)?,
                            &record.is_settled(),
                            &record.due_at.map(micros),
                            &micros(record.post.timestamp),
                            &to_json("post record", &record)?,
                            &record.listing_order,
                        ],
                    )
                    .await
                    .map_err(unavailable("record a post"))?;
                inserted += usize::try_from(changed).unwrap_or(0);
            }
            Ok(inserted)
        }
        .await;
        finish(tx, result, "commit new posts").await
    }

    async fn post(
        &self,
        link: &LinkId,
        source_id: &SourceId,
    ) -> Result<Option<PostRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT body, version FROM posts WHERE link_id = $1 AND source_id = $2",
                &[&link.as_str(), &source_id.as_str()],
            )
            .await
            .map_err(unavailable("read a post"))?;
        row.as_ref().map(to_record).transpose()
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
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            let next = replace_post(&tx, record).await?;
            Ok(next)
        }
        .await;
        finish(tx, result, "commit a post update").await
    }

    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        let client = self.client().await?;
        replace_post(&client, record).await
    }

    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit_to: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body, version FROM posts
                 WHERE link_id = $1 AND NOT final AND (due_at IS NULL OR due_at <= $2)
                 ORDER BY published_at, listing_order, source_id LIMIT $3",
                &[&link.as_str(), &micros(now), &limit(limit_to)],
            )
            .await
            .map_err(unavailable("list due posts"))?;
        rows.iter().map(to_record).collect()
    }

    async fn posts(&self, query: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        let states = query
            .states
            .iter()
            .map(|s| name("post state", s))
            .collect::<Result<Vec<_>, _>>()?;
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body, version FROM posts
                 WHERE ($1::TEXT IS NULL OR link_id = $1)
                   AND ($2 OR state = ANY($3))
                 ORDER BY published_at, listing_order, source_id LIMIT $4",
                &[
                    &query.link.as_ref().map(LinkId::as_str),
                    &states.is_empty(),
                    &states,
                    &limit(query.limit),
                ],
            )
            .await
            .map_err(unavailable("list posts"))?;
        rows.iter().map(to_record).collect()
    }

    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body, version FROM posts
                 WHERE link_id = $1 AND published_at >= $2
                 ORDER BY published_at, source_id",
                &[&link.as_str(), &micros(since)],
            )
            .await
            .map_err(unavailable("list recent posts"))?;
        rows.iter().map(to_record).collect()
    }

    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            let stmt = tx
                .prepare(
                    "INSERT INTO events (link_id, source_id, kind, failure, body) VALUES ($1, $2, $3, $4, $5)",
                )
                .await
                .map_err(unavailable("append events"))?;
            for event in events {
                tx.execute(
                    &stmt,
                    &[
                        &event.link.as_str(),
                        &event.source_id.as_ref().map(SourceId::as_str),
                        &name("event kind", &event.kind)?,
                        &event.class.is_some(),
                        &to_json("event", event)?,
                    ],
                )
                .await
                .map_err(unavailable("append an event"))?;
            }
            Ok(())
        }
        .await;
        finish(tx, result, "commit events").await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        let kinds = query
            .kinds
            .iter()
            .map(|k| name("event kind", k))
            .collect::<Result<Vec<_>, _>>()?;
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT seq, body FROM events
                 WHERE ($1::TEXT IS NULL OR link_id = $1)
                   AND ($2::TEXT IS NULL OR source_id = $2)
                   AND ($3 OR kind = ANY($4))
                   AND (NOT $5 OR failure)
                 ORDER BY seq DESC LIMIT $6",
                &[
                    &query.link.as_ref().map(LinkId::as_str),
                    &query.source_id.as_ref().map(SourceId::as_str),
                    &kinds.is_empty(),
                    &kinds,
                    &query.failures_only,
                    &limit(query.limit),
                ],
            )
            .await
            .map_err(unavailable("list events"))?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get(0).map_err(unavailable("list events"))?;
                let body: String = r.try_get(1).map_err(unavailable("list events"))?;
                let mut event: Event = from_json("event", &body)?;
                event.seq = unsigned(seq);
                Ok(event)
            })
            .collect()
    }

    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        let expires_at = now.saturating_add(ttl).unwrap_or(now);
        let client = self.client().await?;
        // One atomic upsert: taken when free, expired or already this holder's;
        // the generation grows whenever the lease changes hands (or lapsed).
        let row = client
            .query_opt(
                "INSERT INTO leases (link_id, holder, generation, expires_at) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (link_id) DO UPDATE SET
                     generation = CASE
                         WHEN leases.holder = excluded.holder AND leases.expires_at > $4
                         THEN leases.generation
                         ELSE leases.generation + 1
                     END,
                     holder = excluded.holder,
                     expires_at = excluded.expires_at
                 WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder
                 RETURNING generation",
                &[&link.as_str(), &holder, &micros(expires_at), &micros(now)],
            )
            .await
            .map_err(unavailable("take a lease"))?;
        row.map(|r| {
            let generation: i64 = r.try_get(0).map_err(unavailable("take a lease"))?;
            Ok(Lease {
                link: link.clone(),
                holder: holder.to_owned(),
                generation: unsigned(generation),
                expires_at,
            })
        })
        .transpose()
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        let expires_at = now.saturating_add(ttl).unwrap_or(now);
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE leases SET expires_at = $1
                 WHERE link_id = $2 AND holder = $3 AND generation = $4 AND expires_at > $5",
                &[
                    &micros(expires_at),
                    &lease.link.as_str(),
                    &lease.holder,
                    &signed(lease.generation)?,
                    &micros(now),
                ],
            )
            .await
            .map_err(unavailable("renew a lease"))?;
        if changed == 0 {
            return Err(StoreError::LeaseLost {
                link: lease.link.clone(),
                generation: lease.generation,
            });
        }
        Ok(Lease {
            expires_at,
            ..lease.clone()
        })
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE leases SET expires_at = $1 WHERE link_id = $2 AND holder = $3 AND generation = $4",
                &[
                    &i64::MIN,
                    &lease.link.as_str(),
                    &lease.holder,
                    &signed(lease.generation)?,
                ],
            )
            .await
            .map(drop)
            .map_err(unavailable("release a lease"))
    }

    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO deletion_requests (code, user_id, state, requested_at, body)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET user_id = excluded.user_id,
                   state = excluded.state, requested_at = excluded.requested_at, body = excluded.body",
                // The column predates requests that keep nothing about the
                // user; it is left empty.
                &[
                    &request.code,
                    &"",
                    &request.state.as_str(),
                    &micros(request.requested_at),
                    &to_json("deletion request", request)?,
                ],
            )
            .await
            .map(drop)
            .map_err(unavailable("write a deletion request"))
    }

    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT body FROM deletion_requests WHERE code = $1",
                &[&code],
            )
            .await
            .map_err(unavailable("read a deletion request"))?;
        row.map(|r| {
            let body: String = r
                .try_get(0)
                .map_err(unavailable("read a deletion request"))?;
            from_json("deletion request", &body)
        })
        .transpose()
    }
    async fn forget_link(&self, link: &LinkId) -> Result<ForgetReport, StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            let id = link.as_str();
            let delete = |sql: &'static str| {
                let tx = &tx;
                async move {
                    tx.execute(sql, &[&id])
                        .await
                        .map_err(unavailable("forget a link"))
                }
            };
            let mut report = ForgetReport::default();
            // The lease first: deleting its row waits for every fenced write
            // in flight (they hold it FOR SHARE), and any later one finds it gone.
            report.leases = delete("DELETE FROM leases WHERE link_id = $1").await?;
            report.credentials = delete("DELETE FROM credentials WHERE link_id = $1").await?;
            report.oauth1_tokens = delete("DELETE FROM oauth1_tokens WHERE link_id = $1").await?;
            report.cursors = delete("DELETE FROM cursors WHERE link_id = $1").await?;
            report.posts = delete("DELETE FROM posts WHERE link_id = $1").await?;
            report.events = delete("DELETE FROM events WHERE link_id = $1").await?;
            report.metric_samples = delete("DELETE FROM metric_samples WHERE link_id = $1").await?;
            report.profile_snapshots =
                delete("DELETE FROM profile_snapshots WHERE link_id = $1").await?;
            report.task_runs = delete("DELETE FROM task_runs WHERE link_id = $1").await?;
            report.read_counters = delete("DELETE FROM metered_reads WHERE link_id = $1").await?;
            report.links = delete("DELETE FROM links WHERE id = $1").await?;
            Ok(report)
        }
        .await;
        finish(tx, result, "commit forgetting a link").await
    }

    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT sealed FROM oauth1_tokens WHERE link_id = $1",
                &[&link.as_str()],
            )
            .await
            .map_err(unavailable("read an OAuth 1.0a token"))?;
        row.map(|r| {
            let sealed: Vec<u8> = r
                .try_get(0)
                .map_err(unavailable("read an OAuth 1.0a token"))?;
            open_oauth1(&self.key, link, &sealed)
        })
        .transpose()
    }

    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        let sealed = seal_oauth1(&self.key, link, token)?;
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO oauth1_tokens (link_id, sealed) VALUES ($1, $2)
                 ON CONFLICT (link_id) DO UPDATE SET sealed = excluded.sealed",
                &[&link.as_str(), &sealed],
            )
            .await
            .map_err(unavailable("store an OAuth 1.0a token"))?;
        Ok(())
    }

    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM oauth1_tokens WHERE link_id = $1",
                &[&link.as_str()],
            )
            .await
            .map_err(unavailable("delete an OAuth 1.0a token"))?;
        Ok(())
    }

    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT body FROM profile_snapshots WHERE link_id = $1",
                &[&link.as_str()],
            )
            .await
            .map_err(unavailable("read a profile snapshot"))?;
        row.map(|r| {
            let body: String = r
                .try_get(0)
                .map_err(unavailable("read a profile snapshot"))?;
            from_json("profile snapshot", &body)
        })
        .transpose()
    }

    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let body = to_json("profile snapshot", snapshot)?;
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            tx.execute(
                "INSERT INTO profile_snapshots (link_id, body) VALUES ($1, $2)
                 ON CONFLICT (link_id) DO UPDATE SET body = excluded.body",
                &[&lease.link.as_str(), &body],
            )
            .await
            .map_err(unavailable("record a profile snapshot"))?;
            Ok(())
        }
        .await;
        finish(tx, result, "commit a profile snapshot").await
    }

    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT ran_at FROM task_runs WHERE link_id = $1 AND task = $2",
                &[&link.as_str(), &task],
            )
            .await
            .map_err(unavailable("read a task time"))?;
        row.map(|r| {
            let at: i64 = r.try_get(0).map_err(unavailable("read a task time"))?;
            from_micros("task time", at)
        })
        .transpose()
    }

    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            tx.execute(
                "INSERT INTO task_runs (link_id, task, ran_at) VALUES ($1, $2, $3)
                 ON CONFLICT (link_id, task) DO UPDATE SET ran_at = excluded.ran_at",
                &[&lease.link.as_str(), &task, &micros(at)],
            )
            .await
            .map_err(unavailable("record a task time"))?;
            Ok(())
        }
        .await;
        finish(tx, result, "commit a task time").await
    }

    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let platforms = samples
            .iter()
            .map(|s| name("platform", &s.platform))
            .collect::<Result<Vec<_>, _>>()?;
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            let stmt = tx
                .prepare(
                    "INSERT INTO metric_samples
                     (link_id, source_id, platform, at, likes, comments, reposts, impressions)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .await
                .map_err(unavailable("record metrics"))?;
            for (sample, platform) in samples.iter().zip(&platforms) {
                let m = sample.metrics;
                tx.execute(
                    &stmt,
                    &[
                        &lease.link.as_str(),
                        &sample.source_id.as_str(),
                        platform,
                        &micros(sample.at),
                        &m.likes.map(count),
                        &m.comments.map(count),
                        &m.reposts.map(count),
                        &m.impressions.map(count),
                    ],
                )
                .await
                .map_err(unavailable("record metrics"))?;
            }
            Ok(())
        }
        .await;
        finish(tx, result, "commit metrics").await
    }

    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        let platform = query.platform.map(|p| name("platform", &p)).transpose()?;
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT link_id, source_id, platform, at, likes, comments, reposts, impressions
                 FROM metric_samples
                 WHERE ($1::TEXT IS NULL OR link_id = $1)
                   AND ($2::TEXT IS NULL OR source_id = $2)
                   AND ($3::TEXT IS NULL OR platform = $3)
                   AND ($4::BIGINT IS NULL OR at >= $4)
                 ORDER BY at, source_id COLLATE \"C\", platform COLLATE \"C\"",
                &[
                    &query.link.as_ref().map(LinkId::as_str),
                    &query.source_id.as_ref().map(SourceId::as_str),
                    &platform,
                    &query.since.map(micros),
                ],
            )
            .await
            .map_err(unavailable("list metrics"))?;
        rows.iter()
            .map(|r| {
                let get = unavailable("list metrics");
                let link: String = r.try_get(0).map_err(&get)?;
                let source_id: String = r.try_get(1).map_err(&get)?;
                let platform: String = r.try_get(2).map_err(&get)?;
                let at: i64 = r.try_get(3).map_err(&get)?;
                let counter = |i: usize| -> Result<Option<u64>, StoreError> {
                    let value: Option<i64> = r.try_get(i).map_err(unavailable("list metrics"))?;
                    Ok(value.map(uncount))
                };
                Ok(MetricSample {
                    link: LinkId::new(link).map_err(corrupt("metric sample"))?,
                    source_id: SourceId::new(source_id).map_err(corrupt("metric sample"))?,
                    platform: from_name("platform", &platform)?,
                    at: from_micros("metric sample", at)?,
                    metrics: Metrics {
                        likes: counter(4)?,
                        comments: counter(5)?,
                        reposts: counter(6)?,
                        impressions: counter(7)?,
                    },
                })
            })
            .collect()
    }

    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT spent FROM metered_reads WHERE link_id = $1 AND period = $2",
                &[&link.as_str(), &period],
            )
            .await
            .map_err(unavailable("read spent reads"))?;
        match row {
            Some(r) => {
                let spent: i64 = r.try_get(0).map_err(unavailable("read spent reads"))?;
                Ok(uncount(spent))
            }
            None => Ok(0),
        }
    }

    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        spent: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let result = async {
            check_lease(&tx, lease, now).await?;
            for period in periods {
                tx.execute(
                    "INSERT INTO metered_reads (link_id, period, spent) VALUES ($1, $2, $3)
                     ON CONFLICT (link_id, period) DO UPDATE
                         SET spent = metered_reads.spent + excluded.spent",
                    &[&lease.link.as_str(), period, &count(spent)],
                )
                .await
                .map_err(unavailable("record spent reads"))?;
            }
            Ok(())
        }
        .await;
        finish(tx, result, "commit spent reads").await
    }
}
