import { describeApiOperation } from '../../http';
import { z } from 'zod';
import express, { Router, type Request, type Response } from 'express';
import { countStatusListFetch, countVerification } from '../../analytics';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { publicRateLimit } from '../../http';
import { handle, validateBody } from '../../http';
import { OB_V3_CONTEXT, VC_V2_CONTEXT } from '../contexts';
import { DEFAULT_ISSUER_ID, didDocument, getIssuer, issuerProfile } from '../issuers';
import { jwks } from '../keys';
import { issuerLogo } from '../logos';
import { IMAGE_HEADERS } from '../../images';
import { statusListCredential, statusListVersion } from '../status-list';
import { credentialEngineFor } from '../engine';
import { issuerSlug, listId, verifyBody } from './schema';
import { createVerifyPageRouter } from './verify-page';
import { publicRoute } from '../../http';

/** Largest PNG/SVG/JWS upload `POST /api/v1/verify` reads. */
export const MAX_UPLOAD = '5mb';
const UPLOAD_TYPES = ['image/png', 'image/svg+xml', 'application/octet-stream', 'text/plain', 'application/vc+jwt', 'application/jwt'];

/**
 * Public credential endpoints: JWKS, DID documents, issuer Profiles, status lists and verification.
 * Every document here is public by design (it is what lets anyone verify a badge without asking us).
 */
export function createCredentialsRouter(ctx: AppContext): Router {
  const db = ctx.database.db;
  const { config } = ctx;
  const router = Router();
  const limit = publicRateLimit(ctx, { name: 'credentials' });
  // The process's signer and verifier (src/credentials/engine.ts), shared with badges, transcripts and wallets;
  // it holds the standards cache's JSON-LD contexts, so CLRs (CLR 2.0.1 context) verify here too.
  const engine = credentialEngineFor(ctx);
  const signerOf = engine.signer;
  const verifierOf = engine.verifier;
  const lists = new Map<string, { version: string; body: string }>();

  router.get('/.well-known/jwks.json', publicRoute(), limit, handle(async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(await jwks(db));
  }));

  // Public and unauthenticated: it only reads. The default issuer and its keys are created when Laurel
  // first issues (from the BASE_URL in force then), never by a visitor.
  router.get('/.well-known/did.json', publicRoute(), limit, handle(async (_req, res) => {
    const issuer = await getIssuer(db, DEFAULT_ISSUER_ID);
    if (!issuer) throw new LaurelError('ERR_NOT_FOUND', 'This Laurel has not issued yet: its issuer and DID document are created with the first credential.');
    res.set('Cache-Control', 'public, max-age=60').type('application/did+json').send(JSON.stringify(await didDocument(db, issuer)));
  }));

  router.get('/issuers/:id/did.json', publicRoute(), limit, handle(async (req, res) => {
    const issuer = await findIssuer(req);
    // The default issuer's DID is the bare host: its document lives at /.well-known/did.json only.
    if (issuer.id === DEFAULT_ISSUER_ID) throw new LaurelError('ERR_NOT_FOUND');
    res.set('Cache-Control', 'public, max-age=60').type('application/did+json').send(JSON.stringify(await didDocument(db, issuer)));
  }));

  router.get('/issuers/:id', publicRoute(), limit, handle(async (req, res, next) => {
    res.vary('Accept');
    // Browsers get the public issuer page (src/badges/web/public.ts, mounted after this router);
    // every other client, including those sending no Accept or */*, keeps the Profile document
    // verifiers dereference: JSON is listed first so it wins every tie.
    const wantsPage = req.query.format !== 'json' && req.accepts(['application/json', 'application/ld+json', 'text/html']) === 'text/html';
    if (wantsPage) return next();
    const issuer = await findIssuer(req);
    const profile = { '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...issuerProfile(issuer, config) };
    res.set('Cache-Control', 'public, max-age=60');
    sendJsonLd(req, res, profile);
  }));

  // An issuer's uploaded logo (its profile's image URL). Its own rate limit: pages embed it.
  router.get('/issuers/:issuerId/logo', publicRoute(), publicRateLimit(ctx, { name: 'issuer-logo' }), handle(async (req, res) => {
    const id = String(req.params.issuerId);
    const logo = /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) && (await getIssuer(db, id)) ? await issuerLogo(db, id) : undefined;
    if (!logo) throw new LaurelError('ERR_NOT_FOUND', 'This issuer has no logo.');
    // Same headers as badge images: an SVG opened directly is inert (sandboxed, no script).
    res.set(IMAGE_HEADERS).type(logo.mime).send(logo.bytes);
  }));

  router.get('/status-lists/:id', publicRoute(), limit, handle(async (req, res) => {
    const id = listId.safeParse(req.params.id);
    // The version alone (no 16 KiB of bits): it changes only when a bit does (a revocation), so an
    // unchanged list costs one indexed read and, for a revalidating verifier, a 304.
    const version = id.success ? await statusListVersion(db, id.data) : undefined;
    if (!id.success || version === undefined) throw new LaurelError('ERR_NOT_FOUND', 'No such status list');
    countStatusListFetch(ctx, id.data);
    // no-cache = revalidate every time: a revocation must be visible to the very next verifier,
    // while the ETag keeps unchanged lists to a 304.
    res.set({ 'Cache-Control': 'public, no-cache', ETag: `"${id.data}-${version}"` });
    if (req.fresh) return void res.status(304).end();
    let cached = lists.get(id.data);
    if (cached?.version !== version) {
      // Encoded and signed once per change, then served from memory.
      const signed = await statusListCredential(db, id.data, config, await signerOf());
      if (!signed) throw new LaurelError('ERR_NOT_FOUND', 'No such status list');
      cached = { version: signed.version, body: JSON.stringify(signed.credential) };
      lists.set(id.data, cached);
      res.set('ETag', `"${id.data}-${signed.version}"`);
    }
    res.type(req.accepts(['application/ld+json', 'application/json']) === 'application/ld+json' ? 'application/ld+json' : 'application/json').send(cached.body);
  }));

  const verifyLimit = publicRateLimit(ctx, { name: 'verify' });
  describeApiOperation({
    method: 'post', path: '/api/v1/verify', tag: 'Verification', scopes: 'public', summary: 'Verify a credential: JSON {"credential": object or compact JWS}, or a baked PNG/SVG upload',
    body: verifyBody, bodyTypes: ['application/json', 'application/ld+json'], problems: [413, 415],
    responses: { 200: z.looseObject({ verified: z.boolean(), checks: z.array(z.looseObject({ check: z.string(), message: z.string() })) }) },
  });
  router.post(
    '/api/v1/verify',
    publicRoute(),
    verifyLimit,
    express.json({ limit: '1mb', type: ['application/json', 'application/ld+json'] }),
    express.raw({ limit: MAX_UPLOAD, type: UPLOAD_TYPES }),
    (req, _res, next) => {
      if (Buffer.isBuffer(req.body)) return next();
      if (!req.is(['application/json', 'application/ld+json'])) return next(new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', `Send JSON {"credential": ...} or one of ${UPLOAD_TYPES.join(', ')}`));
      validateBody(verifyBody)(req, _res, next);
    },
    handle(async (req, res) => {
      const input: unknown = Buffer.isBuffer(req.body) ? req.body : (req.body as { credential: unknown }).credential;
      const result = await (await verifierOf())(input);
      countVerification(ctx, result);
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.use(createVerifyPageRouter(verifierOf, publicRateLimit(ctx, { name: 'verify-page' })));

  async function findIssuer(req: Request) {
    const slug = issuerSlug.safeParse(req.params.id);
    const issuer = slug.success ? await getIssuer(db, slug.data) : undefined;
    if (!issuer) throw new LaurelError('ERR_NOT_FOUND', 'No such issuer');
    return issuer;
  }

  return router;
}

function sendJsonLd(req: Request, res: Response, body: object): void {
  const ld = req.accepts(['application/json', 'application/ld+json']) === 'application/ld+json';
  res.type(ld ? 'application/ld+json' : 'application/json').send(JSON.stringify(body));
}
