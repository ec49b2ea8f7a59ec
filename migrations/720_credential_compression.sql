-- Issue 18: signed credentials are compressed with lz4 instead of the default pglz. Each row holds a
-- ~3 kB document and a ~4 kB VC-JWT, so PostgreSQL compresses both on every insert: pglz took about a
-- seventh of the database's CPU time while issuing (perf, issue bench); lz4 is several times cheaper
-- to compress and to read back. Rows already stored keep pglz (both are read transparently).
-- A server built without lz4 keeps pglz rather than failing the migration.
do $$
begin
  alter table credentials alter column document set compression lz4, alter column jws set compression lz4;
exception when feature_not_supported then
  raise notice 'this PostgreSQL has no lz4: credentials stay compressed with pglz';
end
$$;
