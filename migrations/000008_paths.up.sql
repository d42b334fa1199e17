-- Learning paths: ordered steps (courses now; live sessions later) taken
-- as one programme. A step is free, or unlocked by the step before it.
CREATE TABLE paths (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    id           bigint GENERATED ALWAYS AS IDENTITY,
    slug         text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$'),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary      text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    library_slug text, -- set when the path came from the library
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX paths_slug_key ON paths (tenant_id, slug);
CREATE INDEX paths_status_idx ON paths (tenant_id, status, lower(title));

CREATE TABLE path_steps (
    tenant_id bigint NOT NULL,
    path_id   bigint NOT NULL,
    position  integer NOT NULL CHECK (position >= 0),
    course_id bigint NOT NULL,
    unlock    text NOT NULL CHECK (unlock IN ('free', 'after_previous')),
    PRIMARY KEY (tenant_id, path_id, position),
    UNIQUE (tenant_id, path_id, course_id),
    FOREIGN KEY (tenant_id, path_id) REFERENCES paths (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    -- The first step has nothing before it to wait for.
    CHECK (position > 0 OR unlock = 'free')
);
-- The paths a course is a step of.
CREATE INDEX path_steps_course_idx ON path_steps (tenant_id, course_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['paths', 'path_steps'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
