-- A path's self-assessment: statements a learner rates from 1 (not yet)
-- to 5 (consistently) before the first step and once the path is
-- complete, to see the change. The statements live with the path; the
-- ratings, one row per learner and phase, with the learner.
ALTER TABLE paths ADD COLUMN self_assessment jsonb;

CREATE TABLE path_self_ratings (
    tenant_id bigint NOT NULL,
    path_id   bigint NOT NULL,
    user_id   bigint NOT NULL,
    phase     text NOT NULL CHECK (phase IN ('start', 'end')),
    ratings   smallint[] NOT NULL CHECK (1 <= ALL (ratings) AND 5 >= ALL (ratings)),
    rated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, path_id, user_id, phase),
    FOREIGN KEY (tenant_id, path_id) REFERENCES paths (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- A person's ratings across paths (their privacy export, erasure).
CREATE INDEX path_self_ratings_user_idx ON path_self_ratings (tenant_id, user_id);

ALTER TABLE path_self_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE path_self_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON path_self_ratings USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
