-- Moodle shared secrets are sealed at rest (AES-256-GCM under KEY_ENCRYPTION_KEY, like signing keys).
-- SQL cannot seal (the key never reaches the database), so existing rows are marked plaintext here
-- and sealed by `laurel bootstrap` and by the web process at start-up; new rows are inserted sealed.
alter table event_sources add column secret_sealed boolean not null default false;
-- When the secret was last set (created or rotated): admins see how old a secret is.
alter table event_sources add column secret_set_at timestamptz;
update event_sources set secret_set_at = created_at where secret is not null;
