import express, { type Router } from 'express';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { LaurelError } from '../errors';
import { consumeSignInLink } from '../operators';
import { handle, issueOperatorSession, publicRoute, renderPage } from '../http';

/**
 * `laurel operator link` prints `<BASE_URL>/admin/sign-in?token=...`. Opening it shows a button; only
 * the POST spends the link, so a mail scanner or chat preview that fetches the URL does not use it up.
 * The secret itself is the authentication (one use, short life, stored hashed).
 */
export function operatorSignInRoutes(router: Router, ctx: AppContext): void {
  const form = express.urlencoded({ extended: false, limit: '1kb' });
  router.get('/sign-in', publicRoute('public:read'), (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    renderPage(res, 'operator-sign-in', { title: 'Sign in as a Laurel operator', token });
  });
  router.post('/sign-in', publicRoute('public:read'), form, handle(async (req, res) => {
    const token = (req.body as { token?: unknown }).token;
    const link = typeof token === 'string' ? await consumeSignInLink(ctx.database.db, { secret: token, now: new Date() }) : undefined;
    if (!link) throw new LaurelError('ERR_UNAUTHENTICATED', 'This sign-in link is unknown, used or expired: ask for a new one (laurel operator link).');
    const actor = `operator:${link.label}`;
    await issueOperatorSession(res, ctx.config, actor);
    await audit(ctx.database.db, { actor, action: 'operator.signed_in', subjectType: 'operator_link', subjectId: link.id });
    res.redirect(303, '/admin');
  }));
}
