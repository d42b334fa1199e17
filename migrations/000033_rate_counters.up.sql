-- Request counts of the rate limits (sign-in throttling, the API's per-key
-- limit), shared by every server: one row per key and fixed window.
-- Unlogged: the counts need no crash safety (a restart forgives the
-- current minute) and so cost no WAL. A platform table: its keys name a
-- client address, an account or an API key, never a portal's data.
CREATE UNLOGGED TABLE rate_counters (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_start);
