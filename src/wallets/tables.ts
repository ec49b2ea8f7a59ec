import type { ColumnType, Generated, Kysely } from 'kysely';
import { asTables, type AnyDb } from '../db';

type Json<T> = ColumnType<T, string | undefined, string>;

/** The tables src/wallets owns (migrations/670_wallets.sql). */
export interface WalletTables {
  wallet_offers: {
    id: string;
    award_id: string;
    learner_id: string;
    code_hash: string;
    tx_code_hash: string | null;
    tx_code_failures: Generated<number>;
    expires_at: Date;
    redeemed_at: Date | null;
    created_at: Generated<Date>;
  };
  wallet_access_tokens: {
    token_hash: string;
    offer_id: string;
    award_id: string;
    issued_configurations: Generated<string[]>;
    expires_at: Date;
    created_at: Generated<Date>;
  };
  wallet_nonces: {
    nonce_hash: string;
    expires_at: Date;
    created_at: Generated<Date>;
  };
  holder_credentials: {
    id: string;
    award_id: string;
    offer_id: string | null;
    holder_id: string;
    format: 'ldp_vc' | 'jwt_vc_json';
    document: Json<Record<string, unknown>> | null;
    jws: string | null;
    status_list_id: string;
    status_index: number;
    issued_at: Generated<Date>;
  };
}

export type WalletsDb = Kysely<WalletTables>;

/** Widens any handle (pool or transaction) to the wallet tables. */
export function walletsDb(db: AnyDb): WalletsDb {
  return asTables<WalletTables>(db);
}
