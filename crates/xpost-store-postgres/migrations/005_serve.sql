-- Data-deletion requests received from a platform (Meta's data-deletion
-- callback), found by the confirmation code the platform was given so their
-- status can be shown. The request is JSON in `body`; times are BIGINT
-- microseconds since the Unix epoch.

CREATE TABLE deletion_requests (
    code         TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    state        TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    body         TEXT NOT NULL
);
