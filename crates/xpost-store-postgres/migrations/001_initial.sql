-- The first schema: links, sealed credentials, cursors, the per-post state
-- machine's records, the event log and per-link leases.
-- Times are BIGINT microseconds since the Unix epoch; records are JSON in `body`
-- with the columns that queries filter or order on kept beside it.

CREATE TABLE links (
    id    TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    body  TEXT NOT NULL
);

-- Credentials versions come from one sequence, so a row deleted and created
-- again never carries a version an old reader still holds.
CREATE SEQUENCE credentials_version;

CREATE TABLE credentials (
    link_id TEXT NOT NULL,
    side    TEXT NOT NULL,
    version BIGINT NOT NULL,
    sealed  BYTEA NOT NULL,
    PRIMARY KEY (link_id, side)
);

CREATE TABLE cursors (
    link_id TEXT PRIMARY KEY,
    body    TEXT NOT NULL
);

CREATE TABLE posts (
    link_id      TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    state        TEXT NOT NULL,
    final        BOOLEAN NOT NULL,
    due_at       BIGINT,
    published_at BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (link_id, source_id)
);
CREATE INDEX posts_due ON posts (link_id, final, due_at);
CREATE INDEX posts_order ON posts (published_at, source_id);

CREATE TABLE events (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id   TEXT NOT NULL,
    source_id TEXT,
    kind      TEXT NOT NULL,
    failure   BOOLEAN NOT NULL,
    body      TEXT NOT NULL
);
CREATE INDEX events_link ON events (link_id, seq);
CREATE INDEX events_post ON events (link_id, source_id, seq);

CREATE TABLE leases (
    link_id    TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    generation BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- A value sealed with the store's key at creation: opening it at start tells a
-- wrong key apart from corrupted credentials, before anything else is read.
CREATE TABLE key_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BYTEA NOT NULL
);
