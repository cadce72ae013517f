-- Profile sync and analytics: a link's sealed OAuth 1.0a token, what its profile
-- sync last applied, when its periodic tasks last ran, engagement samples of
-- cross-posted posts, and the metered (paid) reads spent per period.

CREATE TABLE oauth1_tokens (
    link_id TEXT PRIMARY KEY NOT NULL,
    sealed  BLOB NOT NULL
) STRICT;

CREATE TABLE profile_snapshots (
    link_id TEXT PRIMARY KEY NOT NULL,
    body    TEXT NOT NULL
) STRICT;

CREATE TABLE task_runs (
    link_id TEXT NOT NULL,
    task    TEXT NOT NULL,
    ran_at  INTEGER NOT NULL,
    PRIMARY KEY (link_id, task)
) STRICT;

CREATE TABLE metric_samples (
    link_id     TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    platform    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    likes       INTEGER,
    comments    INTEGER,
    reposts     INTEGER,
    impressions INTEGER
) STRICT;
CREATE INDEX metric_samples_post ON metric_samples (link_id, source_id, at);
CREATE INDEX metric_samples_at ON metric_samples (at, source_id, platform);

CREATE TABLE metered_reads (
    link_id TEXT NOT NULL,
    period  TEXT NOT NULL,
    spent   INTEGER NOT NULL,
    PRIMARY KEY (link_id, period)
) STRICT;
