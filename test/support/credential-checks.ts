// Independent checks of a credential handed to a wallet or a host: the official JSON Schema (ajv),
// the Data Integrity proof with stock @digitalbazaar/vc and only the DID document Laurel publishes,
// the VC-JWT with jose against the published JWKS, and the revocation bit in the published status list.
import { gunzipSync } from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import request from 'supertest';
import { createDocumentLoader } from '../../src/credentials/contexts';
import { hasSpec, readSpecJson } from '../credentials/support/spec';
import type { HttpResponse, WalletHttp } from '../wallets/test-wallet';

type Json = Record<string, any>;

/** Absolute URLs of `baseUrl` routed into the app in process (what a real client would reach over the network). */
export function httpInto(app: Express, baseUrl: string): WalletHttp {
  const path = (url: string) => {
    if (!url.startsWith(baseUrl)) throw new Error(`the client was sent outside Laurel: ${url}`);
    return url.slice(baseUrl.length) || '/';
  };
  const wrap = (res: request.Response): HttpResponse => {
    const parsed = res.body && typeof res.body === 'object' && Object.keys(res.body).length > 0;
    const text = res.text ?? '';
    return { status: res.status, body: parsed ? res.body : /^\s*[{[]/.test(text) ? JSON.parse(text) : text, headers: res.headers };
  };
  return {
    get: async (url, headers = {}) => wrap(await request(app).get(path(url)).set({ Accept: 'application/json', ...headers })),
    postForm: async (url, form) => wrap(await request(app).post(path(url)).type('form').send(form)),
    postJson: async (url, body, headers = {}) => wrap(await request(app).post(path(url)).set(headers).send(body as object)),
  };
}

/** Errors of the official OB 3.0 AchievementCredential schema (both builds); [] when it validates or when ../shared/spec is absent (see `hasSpec`). */
export function schemaErrors(credential: Json): string[] {
  if (!hasSpec) return [];
  const errors: string[] = [];
  for (const file of ['ob-v3p0/schema/ob_v3p0_achievementcredential_schema.json', 'ob-v3p0/schema-ghpages-2024/achievementcredential.json']) {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(readSpecJson(file));
    if (!validate(credential)) errors.push(`${file}: ${ajv.errorsText(validate.errors)}`);
  }
  return errors;
}

/** Errors of an official OB 3.0 schema (file under ob-v3p0/schema) for an API body; [] without ../shared/spec. */
export function apiSchemaErrors(file: string, body: unknown): string[] {
  if (!hasSpec) return [];
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(readSpecJson(`ob-v3p0/schema/${file}`));
  return validate(body) ? [] : [`${file}: ${ajv.errorsText(validate.errors)}`];
}

/** Stock verification of the Data Integrity proof; the only DID document available is the one Laurel serves. */
export async function stockVerify(http: WalletHttp, baseUrl: string, credential: Json): Promise<{ verified: boolean; error?: unknown }> {
  const didDoc = (await http.get(`${baseUrl}/.well-known/did.json`)).body as Json;
  const contexts = createDocumentLoader();
  const documentLoader = async (url: string) => {
    if (url.split('#')[0] === didDoc.id) {
      const fragment = url.includes('#') ? (didDoc.verificationMethod as Json[]).find((m) => m.id === url) : undefined;
      return { contextUrl: null, documentUrl: url, document: fragment ? { '@context': didDoc['@context'], ...fragment } : didDoc };
    }
    return contexts(url);
  };
  const suite = new DataIntegrityProof({ cryptosuite });
  const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus: async () => ({ verified: true }) });
  return { verified: result.verified, error: result.error };
}

/** Verifies a VC-JWT with jose against the published JWKS; returns its payload. */
export async function jwsPayload(http: WalletHttp, baseUrl: string, jws: string): Promise<JWTPayload & Json> {
  const keys = (await http.get(`${baseUrl}/.well-known/jwks.json`)).body as { keys: Json[] };
  const { payload } = await jwtVerify(jws, createLocalJWKSet(keys as never), { algorithms: ['RS256'] });
  return payload as JWTPayload & Json;
}

/** The revocation bit of a credential, read from the status list Laurel publishes. */
export async function isRevoked(http: WalletHttp, credentialStatus: Json): Promise<boolean> {
  const list = (await http.get(credentialStatus.statusListCredential as string)).body as Json;
  const encoded = list.credentialSubject.encodedList as string;
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(credentialStatus.statusListIndex);
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}
