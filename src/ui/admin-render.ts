import type { Request, Response } from 'express';
import type { AppContext } from '../context';
import { listAudit } from '../audit';
import { describeDrift, ensureDefaultIssuer, issuerIdentityDrift, listIssuers, listKeys } from '../credentials';
import type { FoundationTables } from '../db';
import { findLearner } from '../courses';
import { listPlatforms, registrationUrl, type ToolUrls } from '../lti';
import { listTokens, SCOPES } from '../tokens';
import { renderPage } from '../http';
import type { CsrfTokens } from '../http';
import { sourceScopeOf, viewerOf } from './admin-viewer';
import { emptyPlatformForm, platformFormView, type PlatformFormValues } from './admin-platforms';
import { issuerFormView, type IssuerFormPost } from './admin-issuer';
import { sourcesView, type SourcesExtras } from './admin-sources-view';
import { courseNav, noticeOf } from './page-data';
import { asTables } from '../db';

/** The admin console page: every section, with whatever a failed or finished post wants to show. */
export interface AdminExtras {
  issuerForm?: IssuerFormPost;
  errors?: Record<string, string>;
  values?: { name: string };
  newToken?: { value: string; name: string };
  platformForm?: { values: PlatformFormValues; errors: Partial<Record<string, string>> };
  newPlatform?: { name: string } & ToolUrls;
  sources?: SourcesExtras;
}

/**
 * Renders the console for its viewer. A platform administrator sees their platform, its event
 * sources, the tokens bound to it and its audit entries; an operator also sees every platform
 * (pending registrations to approve), issuers and keys, instance-wide tokens and the queues. Every
 * list is read with the viewer's scope, not filtered after the fact.
 */
export async function renderAdmin(ctx: AppContext, _csrf: CsrfTokens, req: Request, res: Response, extras: AdminExtras): Promise<void> {
  const viewer = viewerOf(res);
  const scoped = viewer.operator || !viewer.platformId ? {} : { platformId: viewer.platformId };
  const db = ctx.database.db;
  // The default issuer exists once an admin looks (so its profile can be set before the first badge);
  // it still follows BASE_URL until it first issues.
  await ensureDefaultIssuer(db, ctx.config);
  const [platforms, issuers, keys, tokens, entries, sources, drift] = await Promise.all([
    listPlatforms(db), viewer.operator ? listIssuers(db) : Promise.resolve([]), viewer.operator ? listKeys(db) : Promise.resolve([]),
    listTokens(asTables<FoundationTables>(db), scoped), listAudit(db, { limit: 100, ...scoped }),
    sourcesView(ctx, { platformId: viewer.platformId, scope: sourceScopeOf(viewer), here: viewer.here }, extras.sources ?? {}),
    issuerIdentityDrift(db, ctx.config),
  ]);
  const platformNames = new Map(platforms.map((p) => [p.id, p.name]));
  const who = await actorNames(db, entries.map((e) => e.actor));
  const problems = Object.keys(extras.errors ?? {}).length + Object.keys(extras.issuerForm?.errors ?? {}).length + Object.keys(extras.platformForm?.errors ?? {}).length + sources.problemCount;
  // Secrets shown once must not be kept by the browser or a proxy.
  // The registration URL below carries REGISTRATION_KEY: this page is a secret-bearing one too.
  if (extras.newToken || extras.sources?.newSource?.secret || (viewer.operator && ctx.config.REGISTRATION_KEY)) res.set('Cache-Control', 'no-store');
  renderPage(res, 'ui-admin', {
    title: problems ? `Fix ${problems} problem(s): Laurel administration` : 'Laurel administration',
    embedded: true,
    tabs: viewer.session ? courseNav(viewer.session.courseId, viewer.operator ? [...new Set([...viewer.session.roles, 'admin' as const])] : viewer.session.roles, 'admin') : [],
    notice: noticeOf(req),
    identityWarnings: drift.map((d) => describeDrift(d, ctx.config)),
    csrf: viewer.csrf,
    here: viewer.here,
    operator: viewer.operator,
    // A platform administrator sees their own LMS only; an operator every registration, pending ones to approve.
    platforms: platforms.filter((p) => viewer.operator ? p.status !== 'disabled' || p.id === viewer.platformId : p.id === viewer.platformId)
      .map((p) => ({ ...p, ownIssuer: issuers.find((i) => i.platform_id === p.id)?.name, active: p.status === 'active', pending: p.status === 'pending', own: p.id === viewer.platformId, statusText: PLATFORM_STATUS[p.status] ?? p.status })),
    issuers: issuers.map((i) => ({
      ...i,
      form: issuerFormView(i, extras.issuerForm?.id === i.id ? extras.issuerForm : undefined),
      keys: keys.filter((k) => k.issuerId === i.id).map((k) => ({ ...k, active: k.status === 'active' })), profileUrl: `/issuers/${i.id}` })),
    sources,
    registration: viewer.operator && { url: registrationUrl({ baseUrl: ctx.config.BASE_URL, registrationKey: ctx.config.REGISTRATION_KEY }), keyed: Boolean(ctx.config.REGISTRATION_KEY), manual: ctx.config.REGISTRATION_APPROVAL === 'manual' },
    baseUrl: ctx.config.BASE_URL,
    tokens: tokens.map((t) => ({ ...t, revoked: t.revokedAt !== null, scopes: t.scopes.join(', '), reach: t.platformId ? (platformNames.get(t.platformId) ?? t.platformId) : 'instance-wide' })),
    tokenReach: viewer.operator ? [{ value: 'instance', label: 'Instance-wide (every platform)', selected: !viewer.platformId }, ...platforms.filter((p) => p.status === 'active').map((p) => ({ value: p.id, label: `Only ${p.name}`, selected: p.id === viewer.platformId }))] : undefined,
    boundPlatformName: viewer.platformId ? platformNames.get(viewer.platformId) : undefined,
    scopes: SCOPES.map((s) => ({ value: s })),
    audit: entries.map((e) => ({ ...e, actor: who.get(e.actor) ?? e.actor, at: e.at.toISOString(), when: `${e.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`, details: JSON.stringify(e.details) })),
    errors: extras.errors ?? {},
    values: extras.values ?? { name: '' },
    newToken: extras.newToken,
    platformForm: platformFormView(extras.platformForm?.values ?? emptyPlatformForm(), extras.platformForm?.errors),
    newPlatform: extras.newPlatform,
    queuesUrl: viewer.operator ? '/admin/queues' : undefined,
  });
}

const PLATFORM_STATUS: Record<string, string> = {
  active: 'active: launches are accepted',
  pending: 'pending: launches are refused until an administrator activates it',
  disabled: 'removed: launches are refused',
};

/** `lti:<learner id>` actors shown as the person's name (and email), so the log says who, not which id. */
async function actorNames(db: AppContext['database']['db'], actors: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const actor of new Set(actors)) {
    const id = /^lti:([0-9a-f-]{36})$/.exec(actor)?.[1];
    const person = id ? await findLearner(db, id) : undefined;
    if (person) names.set(actor, person.name ? `${person.name}${person.email ? ` (${person.email})` : ''}` : (person.email ?? actor));
  }
  return names;
}

/** A "are you sure?" page for destructive actions: works without script, by keyboard, in the LMS frame. */
export function renderConfirm(res: Response, props: {
  csrf: string; title: string; question: string; consequences: string[]; action: string; confirmLabel: string; cancelUrl: string; hidden?: Record<string, string>;
  /** The confirm button's look: `danger` (default) for destructive actions, `primary` otherwise. */
  tone?: 'danger' | 'primary';
}): void {
  renderPage(res, 'ui-admin-confirm', {
    ...props,
    embedded: true,
    hidden: Object.entries(props.hidden ?? {}).map(([name, value]) => ({ name, value })),
    buttonClass: props.tone === 'primary' ? '' : 'danger',
  });
}

/** True when the post carries the confirmation step's answer. */
export function confirmed(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.confirm === 'yes';
}
