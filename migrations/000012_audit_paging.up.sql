-- The audit log viewer pages newest first by (at, id): many events share a
-- time (all of one transaction do), so the ID breaks ties. An index in that
-- exact order lets each page be a short index scan from its cursor.
CREATE INDEX audit_events_at_id_idx ON audit_events (tenant_id, at DESC, id DESC);
DROP INDEX audit_events_at_idx;
