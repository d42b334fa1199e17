-- Who suspended what. A portal's suspension records who made it: the
-- platform's operator, or the reseller whose client's portal it is. A
-- reseller lifts only its own; the operator's stays until the operator
-- lifts it. Accounts can be suspended by the operator as resellers can:
-- their console and API keys then stop at once.
ALTER TABLE tenants
    ADD COLUMN suspended_by text CHECK (suspended_by IN ('operator', 'reseller'));
UPDATE tenants SET suspended_by = 'operator' WHERE status = 'suspended';
ALTER TABLE tenants
    ADD CONSTRAINT tenants_suspended_by_check_status CHECK ((status = 'suspended') = (suspended_by IS NOT NULL));

ALTER TABLE accounts
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));
