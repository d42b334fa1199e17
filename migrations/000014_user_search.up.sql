-- The people list pages through a portal's users by name.
CREATE INDEX users_name_idx ON users (tenant_id, lower(name), id);
