import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { audit } from '../audit';
import type { FoundationTables } from '../db';
import { LaurelError } from '../errors';
import { createToken, listTokens, revokeToken, SCOPES } from '../tokens';
import { handle, permit } from '../http';
import type { CsrfTokens } from '../http';
import { renderAdmin } from './admin-render';
import { ownPlatform, viewerOf } from './admin-viewer';
import { platformExists } from './admin-platforms';
import { asTables } from '../db';

/**
 * API tokens in the console. A platform administrator's tokens are bound to their platform (they
 * reach its objects only); an operator chooses: instance-wide, or bound to one platform.
 */
export function adminTokenRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const db = asTables<FoundationTables>(ctx.database.db);

  router.post('/tokens', form, csrf.verify(), permit('platform:administer', ownPlatform), handle(async (req, res) => {
    const viewer = viewerOf(res);
    const body = req.body as { name?: unknown; scopes?: unknown; reach?: unknown };
    const parsed = z.object({
      name: z.string().trim().min(1, 'Enter a name that says who uses the token.').max(100),
      scopes: z.array(z.enum(SCOPES)).min(1, 'Choose at least one scope.'),
      reach: z.union([z.literal('instance'), z.uuid()]).optional(),
    }).safeParse({ name: body.name, scopes: body.scopes === undefined ? [] : [body.scopes].flat(), reach: body.reach === '' ? undefined : body.reach });
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      return renderAdmin(ctx, csrf, req, res.status(422), { errors, values: { name: String(body.name ?? '') } });
    }
    // Only an operator may mint an instance-wide token or one for another platform.
    const reach = viewer.operator ? (parsed.data.reach ?? (viewer.platformId ? viewer.platformId : 'instance')) : viewer.platformId;
    const platformId = reach === 'instance' || reach === null ? null : reach;
    if (platformId && !(await platformExists(ctx, platformId))) return renderAdmin(ctx, csrf, req, res.status(422), { errors: { reach: 'No platform has this id.' }, values: { name: parsed.data.name } });
    const { token, record } = await createToken(db, { name: parsed.data.name, scopes: parsed.data.scopes, platformId });
    await audit(db, { actor: viewer.actor, action: 'token.created', subjectType: 'api_token', subjectId: record.id, platformId: platformId ?? viewer.platformId, details: { name: record.name, scopes: record.scopes, boundTo: platformId ?? 'instance' } });
    // The secret is shown once, on this response, and never stored in clear.
    return renderAdmin(ctx, csrf, req, res, { newToken: { value: token, name: record.name } });
  }));

  router.post('/tokens/:tokenId/revoke', form, csrf.verify(), permit('platform:administer', ownPlatform), handle(async (req, res) => {
    const viewer = viewerOf(res);
    const tokenId = z.uuid().parse(req.params.tokenId);
    const filter = viewer.operator || !viewer.platformId ? {} : { platformId: viewer.platformId };
    if (!(await listTokens(db, filter)).some((t) => t.id === tokenId)) throw new LaurelError('ERR_NOT_FOUND', 'No token you administer has this id.');
    await revokeToken(db, tokenId, filter);
    await audit(db, { actor: viewer.actor, action: 'token.revoked', subjectType: 'api_token', subjectId: tokenId, platformId: viewer.platformId });
    res.redirect(303, `${viewer.here}?done=token-revoked#tokens`);
  }));
}
