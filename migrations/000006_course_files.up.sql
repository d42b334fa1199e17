-- The stored files (by content-hash name) each portal may serve: those its
-- courses refer to and its authors uploaded. Files are stored once however
-- many portals use them; this table keeps a portal from reading another's.
CREATE TABLE course_files (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    name       text NOT NULL CHECK (name ~ '^f-[0-9a-f]{32}\.[a-z0-9]{1,8}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);
ALTER TABLE course_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON course_files
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
