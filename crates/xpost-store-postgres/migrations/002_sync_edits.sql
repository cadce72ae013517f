-- Deletion and edit sync: each poll of a link that syncs compares its listing
-- of the recent window with the posts published in it, so those are found by
-- link and publication time.
-- The sync work itself lives in the record's JSON `body`; from this version
-- on `final` means settled: a final state and no sync work under way, so a
-- posted record whose X posts are being deleted or corrected stays due.
CREATE INDEX posts_published ON posts (link_id, published_at, source_id);
