-- Issuers per institution (issue 15): at most one issuer bound to a platform, so "which issuer signs
-- for this course" has one answer (src/credentials/institution.ts).
create unique index credential_issuers_one_per_platform on credential_issuers (platform_id) where platform_id is not null;
