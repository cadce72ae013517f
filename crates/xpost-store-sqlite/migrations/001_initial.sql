-- The first schema: links, sealed credentials, cursors, the per-post state
-- machine's records, the event log and per-link leases.
-- Times are integer microseconds since the Unix epoch; records are JSON in `body`
-- with the columns that queries filter or order on kept beside it.

CREATE TABLE links (
    id    TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    body  TEXT NOT NULL
) STRICT;

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO sequences (name, value) VALUES ('credentials', 0);

CREATE TABLE credentials (
    link_id TEXT NOT NULL,
    side    TEXT NOT NULL,
    version INTEGER NOT NULL,
    sealed  BLOB NOT NULL,
    PRIMARY KEY (link_id, side)
) STRICT;

CREATE TABLE cursors (
    link_id TEXT PRIMARY KEY NOT NULL,
    body    TEXT NOT NULL
) STRICT;

CREATE TABLE posts (
    link_id      TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    state        TEXT NOT NULL,
    final        INTEGER NOT NULL,
    due_at       INTEGER,
    published_at INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (link_id, source_id)
) STRICT;
CREATE INDEX posts_due ON posts (link_id, final, due_at);
CREATE INDEX posts_order ON posts (published_at, source_id);

CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id   TEXT NOT NULL,
    source_id TEXT,
    kind      TEXT NOT NULL,
    failure   INTEGER NOT NULL,
    body      TEXT NOT NULL
) STRICT;
CREATE INDEX events_link ON events (link_id, seq);
CREATE INDEX events_post ON events (link_id, source_id, seq);

CREATE TABLE leases (
    link_id    TEXT PRIMARY KEY NOT NULL,
    holder     TEXT NOT NULL,
    generation INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

-- A value sealed with the store's key at creation: opening it at start tells a
-- wrong key apart from corrupted credentials, before anything else is read.
CREATE TABLE key_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL
) STRICT;
