//! [`MemoryStore`]: the store that keeps everything in the process, for tests
//! and for apps that persist nothing. It is the reference the conformance suite
//! was written against.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::credentials::{Credentials, OAuth1Token, Versioned};
use crate::deletion::{DeletionRequest, ForgetReport};
use crate::event::Event;
use crate::ids::{LinkId, SourceId};
use crate::link::{Link, LinkState, Side};
use crate::metrics::{MetricQuery, MetricSample};
use crate::profile_state::ProfileSnapshot;
use crate::record::PostRecord;
use crate::store::{EventQuery, Lease, PostQuery, SourceCursor, Store, StoreError};

#[derive(Default)]
struct Inner {
    links: BTreeMap<LinkId, Link>,
    credentials: BTreeMap<(LinkId, Side), Versioned<Credentials>>,
    cursors: BTreeMap<LinkId, SourceCursor>,
    posts: BTreeMap<(LinkId, SourceId), PostRecord>,
    events: Vec<Event>,
    leases: BTreeMap<LinkId, Lease>,
    credential_versions: u64,
    deletions: BTreeMap<String, DeletionRequest>,
    oauth1: BTreeMap<LinkId, OAuth1Token>,
    profiles: BTreeMap<LinkId, ProfileSnapshot>,
    runs: BTreeMap<(LinkId, String), Timestamp>,
    metrics: Vec<MetricSample>,
    reads: BTreeMap<(LinkId, String), u64>,
}

impl Inner {
    fn check_lease(&self, lease: &Lease, now: Timestamp) -> Result<(), StoreError> {
        match self.leases.get(&lease.link) {
            Some(held)
                if held.generation == lease.generation
                    && held.holder == lease.holder
                    && held.expires_at > now =>
            {
                Ok(())
            }
            _ => Err(StoreError::LeaseLost {
                link: lease.link.clone(),
                generation: lease.generation,
            }),
        }
    }

    fn replace_post(&mut self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        let key = (record.link.clone(), record.source_id.clone());
        let stored = self
            .posts
            .get_mut(&key)
            .ok_or_else(|| StoreError::NotFound {
                what: format!("post {} of link {}", record.source_id, record.link),
            })?;
        if stored.version != record.version {
            return Err(StoreError::Conflict {
                what: format!("post {} of link {}", record.source_id, record.link),
            });
        }
        let mut next = record.clone();
        next.version = record.version + 1;
        *stored = next.clone();
        Ok(next)
    }
}

/// Everything in memory, behind one lock; gone when dropped.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves whole values behind:
        // every write below replaces entries in one step.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn oldest_first(posts: &mut [PostRecord]) {
    posts.sort_by(|a, b| {
        (a.post.timestamp, a.listing_order, a.source_id.as_str()).cmp(&(
            b.post.timestamp,
            b.listing_order,
            b.source_id.as_str(),
        ))
    });
}

#[async_trait]
impl Store for MemoryStore {
    async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        self.lock().links.insert(link.id.clone(), link.clone());
        Ok(())
    }

    async fn link(&self, id: &LinkId) -> Result<Option<Link>, StoreError> {
        Ok(self.lock().links.get(id).cloned())
    }

    async fn links(&self) -> Result<Vec<Link>, StoreError> {
        Ok(self.lock().links.values().cloned().collect())
    }

    async fn set_link_state(
        &self,
        id: &LinkId,
        state: LinkState,
        reauth_side: Option<Side>,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let link = inner
            .links
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound {
                what: format!("link {id}"),
            })?;
        link.state = state;
        link.reauth_side = reauth_side;
        Ok(())
    }

    async fn set_link_paused(
        &self,
        id: &LinkId,
        paused_since: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut inner = self.lock();
        let link = inner
            .links
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound {
                what: format!("link {id}"),
            })?;
        Ok(std::mem::replace(&mut link.paused_since, paused_since))
    }

    async fn credentials(
        &self,
        link: &LinkId,
        side: Side,
    ) -> Result<Option<Versioned<Credentials>>, StoreError> {
        Ok(self.lock().credentials.get(&(link.clone(), side)).cloned())
    }

    async fn put_credentials(
        &self,
        link: &LinkId,
        side: Side,
        credentials: &Credentials,
    ) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        inner.credential_versions += 1;
        let version = inner.credential_versions;
        inner.credentials.insert(
            (link.clone(), side),
            Versioned {
                value: credentials.clone(),
                version,
            },
        );
        Ok(version)
    }

    async fn swap_credentials(
        &self,
        link: &LinkId,
        side: Side,
        expected: u64,
        next: &Credentials,
    ) -> Result<Option<u64>, StoreError> {
        let mut inner = self.lock();
        let current = inner
            .credentials
            .get(&(link.clone(), side))
            .map(|stored| stored.version);
        if current != Some(expected) {
            return Ok(None);
        }
        inner.credential_versions += 1;
        let version = inner.credential_versions;
        inner.credentials.insert(
            (link.clone(), side),
            Versioned {
                value: next.clone(),
                version,
            },
        );
        Ok(Some(version))
    }

    async fn delete_credentials(&self, link: &LinkId, side: Side) -> Result<(), StoreError> {
        self.lock().credentials.remove(&(link.clone(), side));
        Ok(())
    }

    async fn cursor(&self, link: &LinkId) -> Result<Option<SourceCursor>, StoreError> {
        Ok(self.lock().cursors.get(link).cloned())
    }

    async fn set_cursor(
        &self,
        lease: &Lease,
        cursor: &SourceCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        inner.cursors.insert(lease.link.clone(), cursor.clone());
        Ok(())
    }

    async fn insert_posts(
        &self,
        lease: &Lease,
        posts: &[PostRecord],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        let mut inserted = 0;
        for post in posts {
            let key = (lease.link.clone(), post.source_id.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = inner.posts.entry(key) {
                let mut record = post.clone();
                record.link = lease.link.clone();
                record.version = 1;
                slot.insert(record);
                inserted += 1;
            }
        }
        Ok(inserted)
    }

    async fn post(
        &self,
        link: &LinkId,
        source_id: &SourceId,
    ) -> Result<Option<PostRecord>, StoreError> {
        Ok(self
            .lock()
            .posts
            .get(&(link.clone(), source_id.clone()))
            .cloned())
    }

    async fn update_post(
        &self,
        lease: &Lease,
        record: &PostRecord,
        now: Timestamp,
    ) -> Result<PostRecord, StoreError> {
        let mut inner = self.lock();
        if lease.link != record.link {
            return Err(StoreError::LeaseLost {
                link: record.link.clone(),
                generation: lease.generation,
            });
        }
        inner.check_lease(lease, now)?;
        inner.replace_post(record)
    }

    async fn update_post_unleased(&self, record: &PostRecord) -> Result<PostRecord, StoreError> {
        self.lock().replace_post(record)
    }

    async fn due_posts(
        &self,
        link: &LinkId,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let inner = self.lock();
        let mut due: Vec<PostRecord> = inner
            .posts
            .values()
            .filter(|r| &r.link == link)
            .filter(|r| !r.is_settled() && r.due_at.is_none_or(|at| at <= now))
            .cloned()
            .collect();
        oldest_first(&mut due);
        if limit > 0 {
            due.truncate(limit);
        }
        Ok(due)
    }

    async fn posts(&self, query: &PostQuery) -> Result<Vec<PostRecord>, StoreError> {
        let inner = self.lock();
        let mut found: Vec<PostRecord> = inner
            .posts
            .values()
            .filter(|r| query.link.as_ref().is_none_or(|l| &r.link == l))
            .filter(|r| query.states.is_empty() || query.states.contains(&r.state))
            .cloned()
            .collect();
        oldest_first(&mut found);
        if query.limit > 0 {
            found.truncate(query.limit);
        }
        Ok(found)
    }

    async fn posts_published_since(
        &self,
        link: &LinkId,
        since: Timestamp,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let inner = self.lock();
        let mut found: Vec<PostRecord> = inner
            .posts
            .values()
            .filter(|r| &r.link == link && r.post.timestamp >= since)
            .cloned()
            .collect();
        oldest_first(&mut found);
        Ok(found)
    }

    async fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        for event in events {
            let mut event = event.clone();
            event.seq = inner.events.len() as u64 + 1;
            inner.events.push(event);
        }
        Ok(())
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        let inner = self.lock();
        let matching = inner
            .events
            .iter()
            .rev()
            .filter(|e| query.link.as_ref().is_none_or(|l| &e.link == l))
            .filter(|e| {
                query
                    .source_id
                    .as_ref()
                    .is_none_or(|s| e.source_id.as_ref() == Some(s))
            })
            .filter(|e| query.kinds.is_empty() || query.kinds.contains(&e.kind))
            .filter(|e| !query.failures_only || e.class.is_some())
            .cloned();
        Ok(if query.limit > 0 {
            matching.take(query.limit).collect()
        } else {
            matching.collect()
        })
    }

    async fn try_lease(
        &self,
        link: &LinkId,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Option<Lease>, StoreError> {
        let mut inner = self.lock();
        let expires_at = now.saturating_add(ttl).unwrap_or(now);
        let generation = match inner.leases.get(link) {
            Some(held) if held.holder == holder && held.expires_at > now => held.generation,
            Some(held) if held.expires_at > now => return Ok(None),
            Some(held) => held.generation + 1,
            None => 1,
        };
        let lease = Lease {
            link: link.clone(),
            holder: holder.to_owned(),
            generation,
            expires_at,
        };
        inner.leases.insert(link.clone(), lease.clone());
        Ok(Some(lease))
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<Lease, StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        let mut renewed = lease.clone();
        renewed.expires_at = now.saturating_add(ttl).unwrap_or(now);
        inner.leases.insert(lease.link.clone(), renewed.clone());
        Ok(renewed)
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(held) = inner.leases.get_mut(&lease.link)
            && held.generation == lease.generation
            && held.holder == lease.holder
        {
            held.expires_at = Timestamp::MIN;
        }
        Ok(())
    }

    async fn put_deletion_request(&self, request: &DeletionRequest) -> Result<(), StoreError> {
        self.lock()
            .deletions
            .insert(request.code.clone(), request.clone());
        Ok(())
    }

    async fn deletion_request(&self, code: &str) -> Result<Option<DeletionRequest>, StoreError> {
        Ok(self.lock().deletions.get(code).cloned())
    }

    async fn forget_link(&self, link: &LinkId) -> Result<ForgetReport, StoreError> {
        fn count(n: usize) -> u64 {
            u64::try_from(n).unwrap_or(u64::MAX)
        }
        fn drain<K: Ord + Clone, V>(map: &mut BTreeMap<K, V>, of: impl Fn(&K) -> bool) -> u64 {
            let before = map.len();
            map.retain(|k, _| !of(k));
            count(before - map.len())
        }
        // One lock held throughout: another caller sees all of it or none.
        let mut inner = self.lock();
        let links = count(usize::from(inner.links.remove(link).is_some()));
        let credentials = drain(&mut inner.credentials, |(l, _)| l == link);
        let oauth1_tokens = count(usize::from(inner.oauth1.remove(link).is_some()));
        let cursors = count(usize::from(inner.cursors.remove(link).is_some()));
        let posts = drain(&mut inner.posts, |(l, _)| l == link);
        let before = inner.events.len();
        inner.events.retain(|e| &e.link != link);
        let events = count(before - inner.events.len());
        let before = inner.metrics.len();
        inner.metrics.retain(|s| &s.link != link);
        let metric_samples = count(before - inner.metrics.len());
        let report = ForgetReport {
            links,
            credentials,
            oauth1_tokens,
            cursors,
            posts,
            events,
            metric_samples,
            profile_snapshots: count(usize::from(inner.profiles.remove(link).is_some())),
            task_runs: drain(&mut inner.runs, |(l, _)| l == link),
            read_counters: drain(&mut inner.reads, |(l, _)| l == link),
            leases: count(usize::from(inner.leases.remove(link).is_some())),
        };
        Ok(report)
    }
    async fn oauth1_token(&self, link: &LinkId) -> Result<Option<OAuth1Token>, StoreError> {
        Ok(self.lock().oauth1.get(link).cloned())
    }

    async fn put_oauth1_token(&self, link: &LinkId, token: &OAuth1Token) -> Result<(), StoreError> {
        self.lock().oauth1.insert(link.clone(), token.clone());
        Ok(())
    }

    async fn delete_oauth1_token(&self, link: &LinkId) -> Result<(), StoreError> {
        self.lock().oauth1.remove(link);
        Ok(())
    }

    async fn profile_snapshot(&self, link: &LinkId) -> Result<Option<ProfileSnapshot>, StoreError> {
        Ok(self.lock().profiles.get(link).cloned())
    }

    async fn put_profile_snapshot(
        &self,
        lease: &Lease,
        snapshot: &ProfileSnapshot,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        inner.profiles.insert(lease.link.clone(), snapshot.clone());
        Ok(())
    }

    async fn last_run(&self, link: &LinkId, task: &str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .lock()
            .runs
            .get(&(link.clone(), task.to_owned()))
            .copied())
    }

    async fn set_last_run(
        &self,
        lease: &Lease,
        task: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        inner.runs.insert((lease.link.clone(), task.to_owned()), at);
        Ok(())
    }

    async fn append_metrics(
        &self,
        lease: &Lease,
        samples: &[MetricSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        for sample in samples {
            let mut sample = sample.clone();
            sample.link = lease.link.clone();
            inner.metrics.push(sample);
        }
        Ok(())
    }

    async fn metrics(&self, query: &MetricQuery) -> Result<Vec<MetricSample>, StoreError> {
        let mut found: Vec<MetricSample> = self
            .lock()
            .metrics
            .iter()
            .filter(|s| query.matches(s))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (a.at, a.source_id.as_str(), a.platform.as_str()).cmp(&(
                b.at,
                b.source_id.as_str(),
                b.platform.as_str(),
            ))
        });
        Ok(found)
    }

    async fn reads_spent(&self, link: &LinkId, period: &str) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .reads
            .get(&(link.clone(), period.to_owned()))
            .copied()
            .unwrap_or(0))
    }

    async fn spend_reads(
        &self,
        lease: &Lease,
        periods: &[String],
        count: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.check_lease(lease, now)?;
        for period in periods {
            let spent = inner
                .reads
                .entry((lease.link.clone(), period.clone()))
                .or_insert(0);
            *spent = spent.saturating_add(count);
        }
        Ok(())
    }
}

#[cfg(test)]
mod conformance {
    use super::MemoryStore;

    crate::store_conformance_tests!(async { Some(MemoryStore::new()) });
}
