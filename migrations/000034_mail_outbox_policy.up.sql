-- Stored mail holds invitation, reset and confirmation links. A portal's
-- transaction sees its own portal's mail only; the platform's own mail
-- (console invitations, tenant_id NULL) is seen only outside any portal.
-- The mail worker reads each message as its portal (the job names it).
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY portal_or_platform ON mail_outbox
    USING (tenant_id IS NOT DISTINCT FROM current_tenant_id())
    WITH CHECK (tenant_id IS NOT DISTINCT FROM current_tenant_id());

-- Delivery jobs queued before this migration name only the message: give
-- them its portal, so that an acknowledged mail is still delivered.
UPDATE river_job j SET args = j.args || jsonb_build_object('tenant_id', o.tenant_id)
FROM mail_outbox o
WHERE j.kind = 'mail.deliver' AND j.finalized_at IS NULL
  AND (j.args ->> 'outbox_id')::bigint = o.id AND o.tenant_id IS NOT NULL;
