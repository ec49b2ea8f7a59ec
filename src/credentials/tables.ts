import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export type KeyAlgorithm = 'Ed25519' | 'RS256';

export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  n?: string;
  e?: string;
}

export interface CredentialTables {
  credential_issuers: {
    id: string;
    did: string;
    name: string;
    url: string | null;
    email: string | null;
    description: string | null;
    image_url: string | null;
    platform_id: string | null;
    /** When the issuer first signed (migration 600); from then on its DID never changes. */
    first_issued_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  signing_keys: {
    id: string;
    issuer_id: string;
    algorithm: KeyAlgorithm;
    public_jwk: Json<PublicJwk>;
    private_key_enc: string;
    status: Generated<'active' | 'retired'>;
    created_at: Generated<Date>;
    retired_at: Date | null;
  };
  /** An issuer's uploaded logo (migration 521), served from /issuers/<id>/logo. */
  issuer_logos: {
    issuer_id: string;
    mime: string;
    bytes: Buffer;
    updated_at: Date;
  };
  status_lists: {
    id: Generated<string>;
    issuer_id: string;
    purpose: Generated<'revocation' | 'suspension'>;
    size: Generated<number>;
    next_index: Generated<number>;
    bits: Buffer;
    version: Generated<string>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
}
