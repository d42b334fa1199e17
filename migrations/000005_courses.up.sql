-- Courses. A course's editable content (its outline and blocks, as the
-- course package's JSON) is the draft; publishing copies it into an
-- immutable numbered version, which learners keep until they restart.
-- Modules, lessons and blocks carry stable keys inside the documents, so
-- progress recorded against a lesson or a quiz question survives edits.
CREATE TABLE courses (
    tenant_id         bigint NOT NULL REFERENCES tenants (id),
    id                bigint GENERATED ALWAYS AS IDENTITY,
    slug              text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$'),
    status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    draft             jsonb NOT NULL,
    -- Moves on with every saved edit: an editor saving from an older
    -- revision is told the course changed under it.
    draft_revision    integer NOT NULL DEFAULT 1,
    published_version integer,
    -- The catalog's copy of the metadata (of the published version, or of
    -- the draft before the first publication).
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary           text NOT NULL DEFAULT '',
    level             text NOT NULL DEFAULT 'beginner',
    language          text NOT NULL DEFAULT 'en',
    estimated_minutes integer NOT NULL DEFAULT 0,
    tags              text[] NOT NULL DEFAULT '{}',
    library_slug      text, -- set when the course came from the library
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX courses_slug_key ON courses (tenant_id, slug);
CREATE INDEX courses_status_idx ON courses (tenant_id, status, lower(title));

CREATE TABLE course_versions (
    tenant_id    bigint NOT NULL,
    course_id    bigint NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    content      jsonb NOT NULL,
    note         text NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by bigint,
    PRIMARY KEY (tenant_id, course_id, version),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

-- A published version never changes: learners who started it keep exactly it.
CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER course_versions_immutable BEFORE UPDATE ON course_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_update();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['courses', 'course_versions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
