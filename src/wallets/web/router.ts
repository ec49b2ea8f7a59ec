import { publicRoute } from '../../http';
import express, { Router } from 'express';
import QRCode from 'qrcode';
import type { AppContext } from '../../context';
import { getIssuer, issuerProfile, DEFAULT_ISSUER_ID } from '../../credentials';
import { requireCourseRole, type LtiSession } from '../../lti';
// The course pages' CSRF tokens (exported by src/ui), imported from their file: the ui index pulls in
// the web index, which mounts this router (an import cycle).
import { CsrfTokens } from '../../http';
import { lazyRateLimit } from '../../http';
import { openCors, protocolError, validateProtocolBody } from '../../http';
import { handle, validateBody } from '../../http';
import { renderPage } from '../../http';
import { walletsDepsFor } from '../deps';
import { issueToWallet } from '../issue';
import { authorizationServerMetadata, credentialIssuerMetadata, PRE_AUTHORIZED_GRANT } from '../metadata';
import { issueNonce } from '../nonces';
import { createOffer, offerableAward, offerDocument, redeemPreAuthorizedCode } from '../offers';
import { credentialRequest, offerForm, tokenRequest, type CredentialRequest, type TokenRequest } from '../schema';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * OpenID4VCI 1.0 issuer (pre-authorized code flow) and the learner's "Add to a wallet" page. Public
 * endpoints are rate-limited per address and answer any origin (wallets may be web apps); errors
 * carry the specification's `error` codes (see protocolError).
 */
export function createWalletsRouter(ctx: AppContext): Router {
  const deps = () => walletsDepsFor(ctx);
  const base = ctx.config.BASE_URL;
  const router = Router();
  const metadataLimit = lazyRateLimit(ctx, { name: 'oid4vci-metadata' });
  // Token and credential requests cost a hash lookup, a signature check or a signing: a tighter budget.
  const exchangeLimit = lazyRateLimit(ctx, { name: 'oid4vci-exchange', limit: Math.max(10, Math.floor(ctx.config.RATE_LIMIT_PER_MINUTE / 4)) });
  const cors = openCors('GET, POST, OPTIONS');

  router.get('/.well-known/openid-credential-issuer', publicRoute(), cors, metadataLimit, handle(async (_req, res) => {
    const issuer = await getIssuer(ctx.database.db, DEFAULT_ISSUER_ID);
    const profile = issuer ? issuerProfile(issuer, ctx.config) : undefined;
    res.set('Cache-Control', 'public, max-age=300').json(credentialIssuerMetadata(base, { name: profile?.name ?? 'Laurel', logoUrl: profile?.image?.id }));
  }));
  router.get('/.well-known/oauth-authorization-server/oid4vci', publicRoute(), cors, metadataLimit, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(authorizationServerMetadata(base));
  });
  router.options('/oid4vci/*', publicRoute('credential:exchange'), cors);

  router.get('/oid4vci/offers/:id', publicRoute('credential:exchange'), cors, metadataLimit, handle(async (req, res) => {
    res.set(NO_STORE).json(await offerDocument(deps(), String(req.params.id)));
  }));

  router.post('/oid4vci/token', publicRoute('credential:exchange'), cors, exchangeLimit, express.urlencoded({ extended: false, limit: '4kb' }), validateProtocolBody(tokenRequest, 'invalid_request'), handle(async (req, res) => {
    const body = req.body as TokenRequest;
    if (body.grant_type !== PRE_AUTHORIZED_GRANT) throw protocolError('unsupported_grant_type', 'Only the pre-authorized code grant is offered here.');
    if (!body['pre-authorized_code']) throw protocolError('invalid_request', 'pre-authorized_code is required.');
    const token = await redeemPreAuthorizedCode(deps(), { code: body['pre-authorized_code'], txCode: body.tx_code });
    res.set(NO_STORE).json({ access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn });
  }));

  router.post('/oid4vci/nonce', publicRoute('credential:exchange'), cors, exchangeLimit, handle(async (_req, res) => {
    const { nonce } = await issueNonce(deps());
    res.set(NO_STORE).json({ c_nonce: nonce });
  }));

  router.post('/oid4vci/credential', publicRoute('credential:exchange'), cors, exchangeLimit, express.json({ limit: '64kb' }), validateProtocolBody(credentialRequest, 'invalid_credential_request'), handle(async (req, res) => {
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(req.headers.authorization ?? '');
    if (!match) throw protocolError('invalid_token', 'Send the access token as Authorization: Bearer.', { unauthenticated: true });
    const issued = await issueToWallet(deps(), { accessToken: match[1]!, request: req.body as CredentialRequest });
    req.log?.info({ holder: issued.holderId.slice(0, 48), credential: issued.id }, 'credential issued to a wallet');
    res.set(NO_STORE).json({ credentials: [{ credential: issued.credential }] });
  }));

  router.use('/lti/courses/:courseId/learner/wallet', learnerWalletPages(ctx));
  return router;
}

/** The learner's "Add to a wallet" page for one badge: offer creation, QR code, same-device link, transaction code. */
function learnerWalletPages(ctx: AppContext): Router {
  const router = express.Router({ mergeParams: true });
  const csrf = new CsrfTokens(ctx.config.SESSION_SECRET);
  const form = express.urlencoded({ extended: false, limit: '1kb' });
  router.use(requireCourseRole('learner'));
  const backTo = (courseId: string, awardId: string) => `/lti/courses/${courseId}/learner#award-${awardId}`;

  router.get('/:awardId', handle(async (req, res) => {
    const session = res.locals.ltiSession as LtiSession;
    await offerableAward(walletsDepsFor(ctx), { awardId: String(req.params.awardId), learnerId: session.learnerId });
    renderPage(res, 'wallet-offer', { title: 'Add your badge to a wallet', embedded: true, csrf: csrf.tokenFor(session), action: req.originalUrl.split('?')[0], back: backTo(session.courseId, String(req.params.awardId)) });
  }));

  router.post('/:awardId', form, csrf.verify(), validateBody(offerForm), handle(async (req, res) => {
    const session = res.locals.ltiSession as LtiSession;
    const offer = await createOffer(walletsDepsFor(ctx), { awardId: String(req.params.awardId), learnerId: session.learnerId, withTxCode: (req.body as { txCode?: string }).txCode === 'on' });
    const svg = await QRCode.toString(offer.link, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.set(NO_STORE);
    renderPage(res, 'wallet-offer', {
      title: 'Add your badge to a wallet',
      embedded: true,
      csrf: csrf.tokenFor(session),
      action: req.originalUrl.split('?')[0],
      back: backTo(session.courseId, String(req.params.awardId)),
      offer: { link: offer.link, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, txCode: offer.txCode, expiresAt: offer.expiresAt.toISOString(), minutes: Math.round((offer.expiresAt.getTime() - Date.now()) / 60000) },
    });
  }));
  return router;
}
