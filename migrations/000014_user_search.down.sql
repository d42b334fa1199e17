DROP INDEX IF EXISTS users_name_idx;
