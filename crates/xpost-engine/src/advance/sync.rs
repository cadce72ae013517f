//! Edit and deletion sync, the acting half: the steps of a record's
//! [`SyncWork`](xpost_core::SyncWork), each written before its side effect.
//!
//! - Each post to delete gets its intent recorded, then the delete request,
//!   then its end. A crash in between only asks again, and X answers a
//!   delete of a post already gone as done.
//! - A correction part is sent like any part of a post: its intent first;
//!   after a crash it is looked for among the target's own recent posts
//!   before it is ever sent again.
//! - A repost deletes the old version, then hands the post back to the state
//!   machine as newly discovered, so the new version is decided, rendered
//!   and sent by the very path (and guarantees) of every new post.

use xpost_core::{
    EventKind, FailureClass, OutgoingPost, PartProgress, PostRecord, PostState, RemoteError,
    RetryKind, Side, SkipReason, SyncAction, TargetId,
};

use super::{Flow, PostWork, Step};
use crate::engine::LeaseGuard;
use crate::error::EngineError;

impl PostWork {
    /// Takes the record's sync work one step further.
    pub(super) async fn sync_step(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        record: PostRecord,
    ) -> Result<Step, EngineError> {
        let Some(work) = record.sync.as_ref() else {
            return Ok(Step::Stop(record, Flow::Continue));
        };
        let action = work.action;
        if let Some(index) = work.next_retraction() {
            return self.retract(guard, record, index).await;
        }
        match action {
            SyncAction::Retract => self.finish_retract(guard, record).await,
            SyncAction::Repost => self.start_repost(guard, record).await,
            SyncAction::Correct => self.correct(guard, record).await,
            // An action added later is left for a newer engine.
            _ => Ok(Step::Stop(record, Flow::Continue)),
        }
    }

    /// Deletes the `index`th post of the work from the target.
    async fn retract(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        index: usize,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let Some(retraction) = record.sync.as_mut().and_then(|w| w.retract.get_mut(index)) else {
            return Ok(Step::Stop(record, Flow::Continue));
        };
        let id = retraction.id.clone();
        if retraction.intent_at.is_none() {
            retraction.intent_at = Some(now);
            record = self.write(guard, &record).await?;
        }
        match self.target.delete(&id).await {
            Ok(()) => {
                let total = record.sync.as_ref().map_or(0, |w| w.retract.len());
                if let Some(r) = record.sync.as_mut().and_then(|w| w.retract.get_mut(index)) {
                    r.deleted_at = Some(self.inner.clock.now());
                }
                if !record.retired.contains(&id) {
                    record.retired.push(id.clone());
                }
                self.note(
                    &record,
                    EventKind::Deleted,
                    format!("post {id} deleted on X ({} of {total})", index + 1),
                );
                let record = self.write(guard, &record).await?;
                Ok(Step::Next(record))
            }
            Err(error) => self.sync_failure(guard, record, error).await,
        }
    }

    /// Every post of a deleted source post is gone from the target: the post
    /// is skipped for good, and says why.
    async fn finish_retract(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let deleted = record.sync.as_ref().map_or(0, |w| w.retract.len());
        let reason = if deleted == 0 {
            "deleted on Instagram before it went out".to_owned()
        } else {
            format!("deleted on Instagram; its {deleted} post(s) on X were deleted")
        };
        record.state = PostState::Skipped;
        record.skip = Some(SkipReason {
            rule: "sync.deletions".into(),
            reason: reason.clone(),
        });
        // The ids live on in `retired`; none of them is on the target any more.
        record.parts.clear();
        record.corrections.clear();
        record.due_at = None;
        record.error = None;
        if let Some(work) = record.sync.as_mut() {
            work.done_at = Some(now);
        }
        self.note(
            &record,
            EventKind::Skipped,
            format!("{reason}; it is never posted again (sync.deletions)"),
        );
        let record = self.write(guard, &record).await?;
        Ok(Step::Stop(record, Flow::Continue))
    }

    /// The old version is gone from the target: the post starts again as
    /// newly discovered, with its new caption.
    async fn start_repost(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        record.state = PostState::Discovered;
        record.plan = None;
        record.parts.clear();
        record.corrections.clear();
        record.skip = None;
        record.due_at = None;
        record.error = None;
        record.attempts = 0;
        // An approval was given to the old caption, not to this one.
        record.approved = false;
        if let Some(work) = record.sync.as_mut() {
            work.done_at = Some(now);
        }
        self.note(
            &record,
            EventKind::SourceEdited,
            "the old version is deleted from X; the new version goes out (sync.edits = delete_and_repost)",
        );
        // Written with the new version's first intent, or its decision: until
        // then a crash only finds the work done and decides again.
        let record = self.write(guard, &record).await?;
        Ok(Step::Next(record))
    }

    /// What correction part `k` is as it goes out: text only, answering the
    /// post's last post on the target, or the correction part before.
    fn correction_outgoing(&self, record: &PostRecord, k: usize) -> Option<OutgoingPost> {
        let work = record.sync.as_ref()?;
        let reply_to = if k == 0 {
            record.last_target_id()
        } else {
            work.correction_parts.get(k - 1)?.target_id.clone()
        }?;
        Some(OutgoingPost {
            text: work.correction.get(k)?.text.clone(),
            media: Vec::new(),
            reply_to: Some(reply_to),
            reply_settings: record
                .plan
                .as_ref()
                .map(|p| p.reply_settings)
                .unwrap_or_default(),
        })
    }

    /// Sends the next correction part, or ends the work when all are out.
    async fn correct(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        let Some(work) = record.sync.as_mut() else {
            return Ok(Step::Stop(record, Flow::Continue));
        };
        let Some(k) = work.next_correction() else {
            return self.finish_correction(guard, record).await;
        };
        if work.correction_parts.len() <= k {
            work.correction_parts.resize(k + 1, PartProgress::default());
        }
        let intent = work.correction_parts[k].intent_at;
        let Some(outgoing) = self.correction_outgoing(&record, k) else {
            return self
                .give_up(
                    guard,
                    record,
                    FailureClass::Config,
                    "the correction has nothing on X to answer".into(),
                )
                .await;
        };

        // An earlier attempt may have reached the target: look before sending again.
        if let Some(intent_at) = intent {
            match self.find_sent(&outgoing, intent_at).await {
                Ok(Some(id)) => return self.found_correction(guard, record, k, id).await,
                Ok(None) => {}
                Err(error) => return self.sync_failure(guard, record, error).await,
            }
        }

        if let Some(work) = record.sync.as_mut() {
            work.correction_parts[k].intent_at = Some(self.inner.clock.now());
        }
        let mut record = self.write(guard, &record).await?;
        match self.target.publish(&outgoing).await {
            Ok(published) => {
                set_correction_id(&mut record, k, published.id.clone());
                self.note(
                    &record,
                    EventKind::Corrected,
                    format!(
                        "correction part {} posted as {}, answering {}",
                        k + 1,
                        published.id,
                        outgoing
                            .reply_to
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                );
                if record
                    .sync
                    .as_ref()
                    .and_then(|w| w.next_correction())
                    .is_none()
                {
                    return self.finish_correction(guard, record).await;
                }
                let record = self.write(guard, &record).await?;
                Ok(Step::Next(record))
            }
            Err(RemoteError::Duplicate { message }) => {
                match self.find_sent(&outgoing, self.inner.clock.now()).await {
                    Ok(Some(id)) => self.found_correction(guard, record, k, id).await,
                    Ok(None) => {
                        self.give_up(
                            guard,
                            record,
                            FailureClass::Rejected,
                            format!("X refused the correction as a duplicate: {message}"),
                        )
                        .await
                    }
                    Err(error) => self.sync_failure(guard, record, error).await,
                }
            }
            Err(error) => self.sync_failure(guard, record, error).await,
        }
    }

    /// Correction part `k` was found on the target already: recorded, not sent.
    async fn found_correction(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        k: usize,
        id: TargetId,
    ) -> Result<Step, EngineError> {
        set_correction_id(&mut record, k, id.clone());
        self.note(
            &record,
            EventKind::Reconciled,
            format!("correction part {} was already on X as {id}", k + 1),
        );
        let record = self.write(guard, &record).await?;
        Ok(Step::Next(record))
    }

    /// Every correction part is out: recorded as the post's latest corrections.
    async fn finish_correction(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let ids = record
            .sync
            .as_ref()
            .map(xpost_core::SyncWork::correction_ids)
            .unwrap_or_default();
        record.corrections.extend(ids.iter().cloned());
        record.due_at = None;
        record.error = None;
        if let Some(work) = record.sync.as_mut() {
            work.done_at = Some(now);
        }
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        self.note(
            &record,
            EventKind::Corrected,
            format!(
                "the corrected caption is on X as {} (sync.edits = reply_with_correction)",
                ids.join(", ")
            ),
        );
        let record = self.write(guard, &record).await?;
        Ok(Step::Stop(record, Flow::Continue))
    }

    /// A step of sync work failed: retried later when that can help, given
    /// up (and told once) when it cannot.
    async fn sync_failure(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        error: RemoteError,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let class = error.class();
        match error.retry_kind(now) {
            // The work stays due; the link waits for a re-link.
            RetryKind::Reauth => Ok(Step::Stop(record, Flow::StopReauth(Side::Target, error))),
            RetryKind::Never => self.give_up(guard, record, class, error.to_string()).await,
            RetryKind::Backoff | RetryKind::After(_) => {
                let Some(flow) = self.schedule_retry(&mut record, &error, "sync attempt") else {
                    let message = format!("gave up after {} attempts: {error}", record.attempts);
                    return self.give_up(guard, record, class, message).await;
                };
                let record = self.write(guard, &record).await?;
                Ok(Step::Stop(record, flow))
            }
            // A retry kind added later: try again in the next pass.
            _ => Ok(Step::Stop(record, Flow::Continue)),
        }
    }

    /// Ends sync work that cannot be done, with its cause, and tells the user
    /// once. A deleted post whose X posts could not all be deleted is failed;
    /// an edit that could not be carried out leaves the post as it was on X.
    async fn give_up(
        &mut self,
        guard: &mut LeaseGuard<'_>,
        mut record: PostRecord,
        class: FailureClass,
        message: String,
    ) -> Result<Step, EngineError> {
        let now = self.inner.clock.now();
        let action = record.sync.as_ref().map(|w| w.action);
        let (message, hint) = match action {
            Some(SyncAction::Retract) => {
                record.state = PostState::Failed;
                (
                    format!(
                        "deleted on Instagram, but its posts on X could not all be deleted: {message}"
                    ),
                    "delete them on X by hand; xpost status lists their ids".to_owned(),
                )
            }
            _ => (
                format!("the edited caption could not be carried to X: {message}"),
                "the post on X keeps its earlier text; edit or delete it on X by hand".to_owned(),
            ),
        };
        if let Some(work) = record.sync.as_mut() {
            work.done_at = Some(now);
        }
        let notice = format!("post {}: {message}", record.source_id);
        self.give_up_with(guard, record, class, message, Some(hint), notice)
            .await
    }
}

/// Records the target id of correction part `k`.
fn set_correction_id(record: &mut PostRecord, k: usize, id: TargetId) {
    if let Some(part) = record
        .sync
        .as_mut()
        .and_then(|w| w.correction_parts.get_mut(k))
    {
        part.target_id = Some(id);
    }
}
