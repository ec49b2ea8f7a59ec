-- Issuer identity is a deployment fact (DESIGN 9): an issuer's did:web follows BASE_URL until it first
-- issues, and is fixed from then on so the credentials it signed stay verifiable. `first_issued_at`
-- records that moment; null means the issuer has signed nothing and may still follow BASE_URL.
alter table credential_issuers add column first_issued_at timestamptz;

-- Issuers that already signed something keep their DID: a stored credential or a status list (lists
-- are opened only when a credential is issued) is proof enough.
update credential_issuers i
   set first_issued_at = coalesce(
     (select min(c.issued_at) from credentials c where c.issuer_id = i.id),
     (select min(s.created_at) from status_lists s where s.issuer_id = i.id))
 where exists (select 1 from credentials c where c.issuer_id = i.id)
    or exists (select 1 from status_lists s where s.issuer_id = i.id);

-- A Moodle source's shared secret is never empty: an empty HMAC key lets anyone sign grade events.
-- NOT VALID: checked on every new or changed row; an old empty row (inserted by hand) is refused at
-- intake instead (src/events/ingest.ts) until an admin rotates its secret. Admins see why here:
update event_sources
   set last_error = 'ERR_EVENT_SIGNATURE: this Moodle source has an empty shared secret: rotate it and paste the new one into the plugin',
       last_error_at = now()
 where kind = 'moodle' and secret = '';
alter table event_sources
  add constraint event_sources_moodle_secret_not_empty check (kind <> 'moodle' or secret <> '') not valid;
