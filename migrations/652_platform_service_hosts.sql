-- Hosts a platform's verified launches named in their service claims (issue 15): AGS and NRPS calls
-- and their `Link` pages may go to the platform's registered hosts (issuer, auth, token, JWKS) and to
-- these, nowhere else. Canvas serves AGS from the institution's own host, which only launches name.
create table platform_service_hosts (
  platform_id uuid not null references platforms (id) on delete cascade,
  -- URL host as WHATWG URL gives it: lower case, port only when not the scheme's default.
  host text not null,
  first_seen_at timestamptz not null default now(),
  primary key (platform_id, host)
);

-- Service URLs stored before this migration came from verified launches too.
insert into platform_service_hosts (platform_id, host)
select distinct platform_id,
  regexp_replace(lower(substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?([^/?#]+)')), case when url ilike 'https:%' then ':443$' else ':80$' end, '')
from (
  select platform_id, ags_lineitems_url as url from courses where platform_id is not null and ags_lineitems_url is not null
  union all
  select platform_id, nrps_url from courses where platform_id is not null and nrps_url is not null
  union all
  select c.platform_id, l.lineitem_url from lti_resource_links l join courses c on c.id = l.course_id where c.platform_id is not null and l.lineitem_url is not null
) stored
where substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?([^/?#]+)') is not null
on conflict do nothing;
