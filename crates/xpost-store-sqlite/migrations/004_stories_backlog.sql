-- Instagram's own order for posts published in the same second: the listing
-- decides, not the post id. Pauses (in the link body) and the time of the last
-- successful poll (in the cursor body) need no column of their own.

ALTER TABLE posts ADD COLUMN listing_order INTEGER NOT NULL DEFAULT 0;
DROP INDEX posts_order;
CREATE INDEX posts_order ON posts (published_at, listing_order, source_id);
