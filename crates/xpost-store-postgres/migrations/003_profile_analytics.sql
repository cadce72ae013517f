-- Profile sync and analytics: a link's sealed OAuth 1.0a token, what its profile
-- sync last applied, when its periodic tasks last ran, engagement samples of
-- cross-posted posts, and the metered (paid) reads spent per period.

CREATE TABLE oauth1_tokens (
    link_id TEXT PRIMARY KEY,
    sealed  BYTEA NOT NULL
);

CREATE TABLE profile_snapshots (
    link_id TEXT PRIMARY KEY,
    body    TEXT NOT NULL
);

CREATE TABLE task_runs (
    link_id TEXT NOT NULL,
    task    TEXT NOT NULL,
    ran_at  BIGINT NOT NULL,
    PRIMARY KEY (link_id, task)
);

CREATE TABLE metric_samples (
    link_id     TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    platform    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    likes       BIGINT,
    comments    BIGINT,
    reposts     BIGINT,
    impressions BIGINT
);
CREATE INDEX metric_samples_post ON metric_samples (link_id, source_id, at);
CREATE INDEX metric_samples_at ON metric_samples (at, source_id, platform);

CREATE TABLE metered_reads (
    link_id TEXT NOT NULL,
    period  TEXT NOT NULL,
    spent   BIGINT NOT NULL,
    PRIMARY KEY (link_id, period)
);
