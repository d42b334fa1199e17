CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at DESC);
DROP INDEX audit_events_at_id_idx;
