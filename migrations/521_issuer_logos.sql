-- Issuer logos uploaded from the admin console (PNG, or SVG sanitised like badge images), served at
-- /issuers/<id>/logo; the issuer's image_url points there, so new credentials carry the logo.
create table issuer_logos (
  issuer_id text primary key references credential_issuers (id) on delete cascade,
  mime text not null check (mime in ('image/png', 'image/svg+xml')),
  bytes bytea not null,
  updated_at timestamptz not null default now()
);
