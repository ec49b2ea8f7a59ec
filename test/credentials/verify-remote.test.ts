import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {
  buildOpenBadgeCredential, createDocumentLoader, createSigner, createVerifier, ensureDefaultIssuer, issuerProfile, allocateStatusEntry,
  type CredentialSigner, type VerificationResult,
} from '../../src/credentials';
import type { IssuerProfile } from '../../src/credentials/builder';
import { createRemoteDocuments, didWebUrl, type RemoteDocuments } from '../../src/credentials/verify/remote';
import { ed25519RawPublicKey } from '../../src/credentials/ed25519';
import { ed25519PublicKeyMultibase } from '../../src/credentials/multibase';
import { encodeStatusList } from '../../src/credentials/status-list';
import { createOutboundFetch, outboundOptionsOf } from '../../src/outbound';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { sampleFacts } from './support/facts';

/**
 * Issue 12: another issuer's did:web credential is verified by fetching, through the outbound client
 * only, its DID document, its BitstringStatusListCredential (whose own proof is verified) and its 1EdTech
 * revocation list, served here by a local http server on 127.0.0.1 (http is allowed outside production).
 */

type Json = Record<string, unknown>;
const config = testConfig({ BASE_URL: 'http://localhost:3000' });
const documentLoader = createDocumentLoader();
const REMOTE_SECRET = 'REMOTE-BODY-MUST-NOT-BE-ECHOED';

/** A tiny static server: path → JSON (or a status code), counting requests per path. */
function staticServer(): { server: Server; routes: Map<string, unknown>; hits: Map<string, number>; listen(): Promise<number> } {
  const routes = new Map<string, unknown>();
  const hits = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = routes.get(path);
    if (typeof body === 'number') {
      res.writeHead(body, { 'content-type': 'text/plain' }).end(REMOTE_SECRET);
      return;
    }
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(REMOTE_SECRET);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return {
    server, routes, hits,
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
  };
}

interface ThirdParty { did: string; vm: string; privateKey: KeyObject; publicKey: KeyObject; multibase: string }

function thirdParty(did: string): ThirdParty {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const multibase = ed25519PublicKeyMultibase(ed25519RawPublicKey(publicKey));
  return { did, vm: `${did}#key-1`, privateKey, publicKey, multibase };
}

function didDocumentOf(issuer: ThirdParty, keyMultibase = issuer.multibase): Json {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: issuer.did,
    verificationMethod: [{ id: issuer.vm, type: 'Multikey', controller: issuer.did, publicKeyMultibase: keyMultibase }],
    assertionMethod: [issuer.vm],
  };
}

/** eddsa-rdfc-2022 by the stock @digitalbazaar packages (not our signer). */
async function stockSign(credential: Json, issuer: ThirdParty): Promise<Json> {
  const jwk = { ...issuer.privateKey.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
  const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: issuer.vm, controller: issuer.did });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date: '2026-11-20T10:00:00Z' });
  return (await vc.issue({ credential: structuredClone(credential), suite, documentLoader })) as Json;
}

function bitstring(setIndexes: number[]): Buffer {
  const bits = Buffer.alloc(16 * 1024); // 131,072 entries, the spec's minimum
  for (const i of setIndexes) bits[i >> 3] |= 0x80 >> (i & 7);
  return bits;
}

function statusListCredential(url: string, issuer: ThirdParty, revokedIndexes: number[]): Json {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom: '2026-11-01T00:00:00Z',
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(bitstring(revokedIndexes)) },
  };
}

const profileOf = (id: string, name: string): IssuerProfile => ({ id, type: ['Profile'], name });
const byName = (result: VerificationResult, name: string) => result.checks.filter((c) => c.check === name);

describe('verifying a third-party did:web credential by fetching its DID document and status lists (outbound client)', () => {
  let tdb: TestDatabase;
  let signer: CredentialSigner;
  const issuerHost = staticServer();
  const statusHost = staticServer();
  let issuer: ThirdParty;
  let origin: string;
  let statusOrigin: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await ensureDefaultIssuer(tdb.db, config);
    signer = await createSigner(tdb.db, config);
    const port = await issuerHost.listen();
    statusOrigin = `http://127.0.0.1:${await statusHost.listen()}`;
    origin = `http://127.0.0.1:${port}`;
    issuer = thirdParty(`did:web:127.0.0.1%3A${port}`);
    issuerHost.routes.set('/.well-known/did.json', didDocumentOf(issuer));
    issuerHost.routes.set('/lists/1', await stockSign(statusListCredential(`${origin}/lists/1`, issuer, [9]), issuer));
    const tampered = await stockSign(statusListCredential(`${origin}/lists/tampered`, issuer, []), issuer);
    (tampered.credentialSubject as Json).encodedList = encodeStatusList(bitstring([7]));
    issuerHost.routes.set('/lists/tampered', tampered);
    issuerHost.routes.set('/lists/broken', 500);
    statusHost.routes.set('/lists/elsewhere', await stockSign(statusListCredential(`${statusOrigin}/lists/elsewhere`, issuer, []), issuer));
  });
  afterAll(async () => {
    await new Promise((r) => issuerHost.server.close(r));
    if (statusHost.server.listening) await new Promise((r) => statusHost.server.close(r));
    await tdb.close();
  });

  const verifier = (remote?: RemoteDocuments) => createVerifier({ db: tdb.db, config, signer, remote, now: () => new Date('2026-12-01T00:00:00Z') });
  const profile = () => profileOf(issuer.did, 'Third-Party College');
  async function credentialWithList(list: string, index: number): Promise<Json> {
    return stockSign(buildOpenBadgeCredential(sampleFacts(profile(), { status: { listId: 'x', statusListIndex: index, statusListCredential: list } })) as Json, issuer);
  }

  test('verified, the key vouched for by the fetched DID document (issuer-key); fetched documents are cached', async () => {
    const verify = verifier();
    const signed = await credentialWithList(`${origin}/lists/1`, 7);
    const result = await verify(signed);
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'key.provenance')).toEqual([expect.objectContaining({ status: 'ok', trust: 'issuer-key' })]);
    expect(byName(result, 'proof.data-integrity')[0]).toMatchObject({ status: 'ok', trust: 'issuer-key' });
    expect(byName(result, 'status')).toEqual([expect.objectContaining({ status: 'ok', message: expect.stringMatching(/^Not revoked \(issuer-signed status list http:\/\/127\.0\.0\.1/) })]);
    const before = { did: issuerHost.hits.get('/.well-known/did.json'), list: issuerHost.hits.get('/lists/1') };
    expect(before).toEqual({ did: 1, list: 1 }); // really fetched, once each
    expect((await verify(signed)).verdict).toBe('verified');
    expect({ did: issuerHost.hits.get('/.well-known/did.json'), list: issuerHost.hits.get('/lists/1') }).toEqual(before);
  });

  test('status bit set in the fetched, issuer-signed list: revoked', async () => {
    const result = await verifier()(await credentialWithList(`${origin}/lists/1`, 9));
    expect(result).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(result, 'status')).toEqual([expect.objectContaining({ status: 'failed', message: 'Revoked' })]);
  });

  test('status list server down or answering an error: status unknown, never valid, remote body never echoed', async () => {
    const down = await credentialWithList(`${statusOrigin}/lists/elsewhere`, 7);
    const broken = await credentialWithList(`${origin}/lists/broken`, 7);
    await new Promise((r) => statusHost.server.close(r));
    for (const signed of [down, broken]) {
      const result = await verifier()(signed);
      expect(result).toMatchObject({ verified: false, verdict: 'status-unknown' });
      expect(byName(result, 'status')).toEqual([expect.objectContaining({ status: 'not-checked', message: expect.stringMatching(/^Not checked: status list http:\/\/127\.0\.0\.1:\d+\/lists\/\w+ cannot be fetched/) })]);
      expect(byName(result, 'key.provenance')[0]).toMatchObject({ status: 'ok', trust: 'issuer-key' });
      expect(JSON.stringify(result)).not.toContain(REMOTE_SECRET);
    }
  });

  test('a tampered status list (its proof no longer matches): status unknown, not verified', async () => {
    const result = await verifier()(await credentialWithList(`${origin}/lists/tampered`, 3));
    expect(result).toMatchObject({ verified: false, verdict: 'status-unknown' });
    expect(byName(result, 'status')).toEqual([expect.objectContaining({ status: 'not-checked', message: expect.stringMatching(/is not signed by the issuer/) })]);
  });

  test('a 1EdTech revocation list naming the credential: revoked; not naming it: verified', async () => {
    const build = async (listPath: string) => {
      const unsigned = buildOpenBadgeCredential(sampleFacts(profile())) as Json;
      unsigned.credentialStatus = { id: `${origin}${listPath}`, type: '1EdTechRevocationList' };
      return { id: String(unsigned.id), signed: await stockSign(unsigned, issuer) };
    };
    const listed = await build('/revocations/a');
    issuerHost.routes.set('/revocations/a', { id: `${origin}/revocations/a`, issuer: issuer.did, revokedCredentials: [{ id: listed.id, revocationReason: 'Awarded in error' }] });
    const revoked = await verifier()(listed.signed);
    expect(revoked).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(revoked, 'status')).toEqual([expect.objectContaining({ status: 'failed', message: `Revoked (1EdTech revocation list ${origin}/revocations/a): Awarded in error` })]);

    const other = await build('/revocations/b');
    issuerHost.routes.set('/revocations/b', { id: `${origin}/revocations/b`, issuer: issuer.did, revokedCredentials: [{ id: 'urn:uuid:someone-else' }] });
    expect(await verifier()(other.signed)).toMatchObject({ verified: true, verdict: 'verified' });

    const missing = await build('/revocations/missing');
    expect(await verifier()(missing.signed)).toMatchObject({ verified: false, verdict: 'status-unknown' });
  });

  test('a DID document that does not list the signing key: not verified', async () => {
    // The document lists only another key (#key-2): the signing key #key-1 is not the issuer's.
    const impostor = thirdParty(`${issuer.did}:impostor`);
    const other = thirdParty(impostor.did);
    issuerHost.routes.set('/impostor/did.json', { ...didDocumentOf(other), verificationMethod: [{ id: `${impostor.did}#key-2`, type: 'Multikey', controller: impostor.did, publicKeyMultibase: other.multibase }], assertionMethod: [`${impostor.did}#key-2`] });
    const signed = await stockSign(buildOpenBadgeCredential(sampleFacts(profileOf(impostor.did, 'Impostor'))) as Json, impostor);
    const result = await verifier()(signed);
    expect(result).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(result, 'proof.data-integrity')[0]).toMatchObject({ status: 'failed', message: `The issuer's DID document has no key ${impostor.vm}` });

    // The same key id bound to a different key: the signature does not match.
    const swapped = thirdParty(`${issuer.did}:swapped`);
    issuerHost.routes.set('/swapped/did.json', didDocumentOf(swapped, thirdParty('did:example:x').multibase));
    const bad = await verifier()(await stockSign(buildOpenBadgeCredential(sampleFacts(profileOf(swapped.did, 'Swapped'))) as Json, swapped));
    expect(bad).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(bad, 'proof.data-integrity')[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/signature does not match/) });

    // One whose document names another DID as its id is not that DID's document at all.
    const liar = thirdParty(`${issuer.did}:liar`);
    issuerHost.routes.set('/liar/did.json', { ...didDocumentOf(liar), id: issuer.did });
    const lied = await verifier()(await stockSign(buildOpenBadgeCredential(sampleFacts(profileOf(liar.did, 'Liar'))) as Json, liar));
    expect(lied).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(lied, 'proof.data-integrity')[0]).toMatchObject({ status: 'not-checked', message: expect.stringMatching(/could not be fetched or read/) });
  });

  test('a did:web or status list naming a private or link-local address is refused without any connection', async () => {
    const transport = jest.fn<ReturnType<typeof fetch>, Parameters<typeof fetch>>(async () => new Response('{}'));
    const remote = createRemoteDocuments({ fetch: createOutboundFetch({ ...outboundOptionsOf(config), fetch: transport as unknown as typeof fetch }) });
    for (const host of ['10.0.0.1', '169.254.169.254', '192.168.1.10']) {
      const internal = thirdParty(`did:web:${host}`);
      const unsigned = buildOpenBadgeCredential(sampleFacts(profileOf(internal.did, 'Internal'), { status: { listId: 'x', statusListIndex: 1, statusListCredential: `http://${host}/lists/1` } })) as Json;
      const signed = await stockSign(unsigned, internal);
      const result = await verifier(remote)(signed);
      expect(result).toMatchObject({ verified: false, verdict: 'not-verified' });
      expect(byName(result, 'proof.data-integrity')[0]).toMatchObject({ status: 'not-checked' });
      expect(byName(result, 'status')[0]).toMatchObject({ status: 'not-checked' });
    }
    expect(transport).not.toHaveBeenCalled();
    // The deployment's own verifier (default client) refuses too, at once (no connection attempt, no timeout).
    // Timed around the verification alone (signing with the stock suite is slow on a loaded machine), and
    // bounded well below the outbound client's 15 s timeout, which is what a connection attempt would wait.
    const internal = thirdParty('did:web:10.0.0.1');
    const signed = await stockSign(buildOpenBadgeCredential(sampleFacts(profileOf(internal.did, 'Internal'))) as Json, internal);
    const started = Date.now();
    const result = await verifier()(signed);
    expect(result.verdict).toBe('not-verified');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a credential naming many status lists or proofs is not a fetch amplifier', async () => {
    const calls: string[] = [];
    const spy: RemoteDocuments = { didDocument: async (did) => { calls.push(did); return undefined; }, json: async (url) => { calls.push(url); return undefined; } };
    const unsigned = buildOpenBadgeCredential(sampleFacts(profile())) as Json;
    unsigned.credentialStatus = Array.from({ length: 50 }, (_, i) => ({ id: `https://victim.example/${i}`, type: '1EdTechRevocationList' }));
    const proofs = Array.from({ length: 20 }, (_, i) => ({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: `did:web:victim${i}.example#k`, proofValue: 'z1' }));
    const result = await verifier(spy)({ ...unsigned, proof: proofs });
    expect(result.verdict).toBe('not-verified');
    expect(byName(result, 'status')).toEqual([expect.objectContaining({ status: 'not-checked', message: expect.stringMatching(/50 status entries; at most 8/) })]);
    expect(byName(result, 'proof')).toEqual([expect.objectContaining({ status: 'failed', message: expect.stringMatching(/20 proofs; at most 4/) })]);
    expect(calls).toEqual([]);
  });

  test('our own issuers and status lists are read from the database, never fetched', async () => {
    const calls: string[] = [];
    const spy: RemoteDocuments = {
      didDocument: async (did) => { calls.push(did); return undefined; },
      json: async (url) => { calls.push(url); return undefined; },
    };
    const own = await ensureDefaultIssuer(tdb.db, config);
    const status = await allocateStatusEntry(tdb.db, own.id, config);
    const { credential } = await signer.sign(own.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(own, config), { status })));
    const result = await verifier(spy)(credential);
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    // A DID on our own host that is not one of our issuers is not asked of the network either.
    const ghost = thirdParty('did:web:localhost%3A3000:issuers:ghost');
    await verifier(spy)(await stockSign(buildOpenBadgeCredential(sampleFacts(profileOf(ghost.did, 'Ghost'))) as Json, ghost));
    expect(calls).toEqual([]);
  });

  test('the remote reader: cached for its TTL, bounded, failures logged with our reason and never the remote body', async () => {
    let clock = 0;
    const logged: unknown[] = [];
    const remote = createRemoteDocuments({ fetch: createOutboundFetch(outboundOptionsOf(config)), ttlMs: 1000, maxEntries: 2, now: () => clock, log: { info: ((o: unknown) => logged.push(o)) as never } });
    issuerHost.routes.set('/cache/a', { n: 'a' });
    issuerHost.routes.set('/cache/b', { n: 'b' });
    issuerHost.routes.set('/cache/c', { n: 'c' });
    const hits = (p: string) => issuerHost.hits.get(p) ?? 0;
    expect(await remote.json(`${origin}/cache/a`)).toEqual({ n: 'a' });
    expect(await remote.json(`${origin}/cache/a#fragment`)).toEqual({ n: 'a' });
    expect(hits('/cache/a')).toBe(1);
    clock = 1001; // expired
    await remote.json(`${origin}/cache/a`);
    expect(hits('/cache/a')).toBe(2);
    await remote.json(`${origin}/cache/b`);
    await remote.json(`${origin}/cache/c`); // evicts a (oldest)
    await remote.json(`${origin}/cache/a`);
    expect(hits('/cache/a')).toBe(3);
    expect(await remote.json(`${origin}/lists/broken`)).toBeUndefined();
    expect(await remote.json('file:///etc/passwd')).toBeUndefined();
    expect(logged).toEqual([expect.objectContaining({ url: `${origin}/lists/broken`, reason: 'HTTP 500' })]);
    expect(JSON.stringify(logged)).not.toContain(REMOTE_SECRET);
  });

  test('did:web URLs follow the method spec and refuse hosts that would point elsewhere', () => {
    expect(didWebUrl('did:web:issuer.example')).toBe('https://issuer.example/.well-known/did.json');
    expect(didWebUrl('did:web:issuer.example%3A8443:users:alice')).toBe('https://issuer.example:8443/users/alice/did.json');
    expect(didWebUrl('did:web:127.0.0.1%3A4000')).toBe('http://127.0.0.1:4000/.well-known/did.json');
    expect(didWebUrl('did:web:evil.example%2F@10.0.0.1')).toBeUndefined();
    expect(didWebUrl('did:web:a%40b.example')).toBeUndefined();
  });
});
