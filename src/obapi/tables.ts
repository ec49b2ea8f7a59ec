import type { Generated, Kysely } from 'kysely';
import { asTables, type AnyDb } from '../db';

/** The tables src/obapi owns (migrations/671_obapi.sql). */
export interface ObApiTables {
  obapi_clients: {
    id: string;
    secret_hash: string;
    name: string;
    client_uri: string;
    logo_uri: string | null;
    tos_uri: string | null;
    policy_uri: string | null;
    software_id: string | null;
    software_version: string | null;
    redirect_uris: string[];
    scope: string;
    created_at: Generated<Date>;
  };
  obapi_authorization_requests: {
    id: Generated<string>;
    client_id: string;
    learner_id: string | null;
    redirect_uri: string;
    scope: string;
    state: string | null;
    code_challenge: string;
    expires_at: Date;
    decided_at: Date | null;
    created_at: Generated<Date>;
  };
  obapi_grants: {
    id: Generated<string>;
    client_id: string;
    learner_id: string;
    scope: string;
    created_at: Generated<Date>;
    revoked_at: Date | null;
  };
  obapi_codes: {
    code_hash: string;
    grant_id: string;
    client_id: string;
    redirect_uri: string;
    scope: string;
    code_challenge: string;
    expires_at: Date;
    used_at: Date | null;
  };
  obapi_tokens: {
    token_hash: string;
    grant_id: string;
    kind: 'access' | 'refresh';
    scope: string;
    expires_at: Date;
    used_at: Date | null;
    revoked_at: Date | null;
    created_at: Generated<Date>;
  };
  obapi_sign_in_links: {
    token_hash: string;
    learner_id: string;
    expires_at: Date;
    used_at: Date | null;
  };
}

export type ObApiDb = Kysely<ObApiTables>;

export function obapiDb(db: AnyDb): ObApiDb {
  return asTables<ObApiTables>(db);
}
