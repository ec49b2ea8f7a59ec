-- Issue 18: the issue store (src/badges/issue.ts, storeCredentials) as a PL/pgSQL function, so each
-- database session parses and plans its statement once and reuses the plan (PL/pgSQL caches the plans
-- of its statements per session). Sent as a plain statement, PostgreSQL parsed, analysed and planned
-- this four-part statement for every batch: about a third of the database's CPU time while issuing,
-- with batches of a few credentials under load (perf, issue bench). Kysely sends unnamed statements
-- only, so a named prepared statement was not an option.
--
-- What it does is unchanged (badges owns both tables): lock each award that is still unsigned and not
-- revoked (in id order, so concurrent batches cannot deadlock), insert its credential, link it, and
-- return the awards stored with the row's created_at. An award signed or revoked meanwhile gets no row.
create or replace function badges_store_credentials(items jsonb, award_ids uuid[])
returns table (award_id uuid, created_at timestamptz)
language plpgsql
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  return query
    with input as (
      select * from jsonb_to_recordset(items) as x(
        id uuid, award_id uuid, issuer_id text, document jsonb, jws text, status_list_id text, status_index integer, key_ids text[], issued_at timestamptz, valid_until timestamptz)
    ), locked as (
      select awards.id from awards where awards.id = any(award_ids) and awards.credential_id is null and awards.status <> 'revoked' order by awards.id for update
    ), stored as (
      insert into credentials (id, award_id, issuer_id, document, jws, status_list_id, status_index, key_ids, issued_at, valid_until)
      select input.id, input.award_id, input.issuer_id, input.document, input.jws, input.status_list_id, input.status_index, input.key_ids, input.issued_at, input.valid_until
      from input join locked on locked.id = input.award_id
      returning credentials.id, credentials.award_id, credentials.issued_at, credentials.created_at
    ), linked as (
      update awards set credential_id = stored.id, updated_at = stored.issued_at from stored where awards.id = stored.award_id
    )
    select stored.award_id, stored.created_at from stored;
end
$$;
