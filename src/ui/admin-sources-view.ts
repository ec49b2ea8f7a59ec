import type { AppContext } from '../context';
import { CANVAS_LIVE_EVENTS_JWKS_URL, listSourcesFor, type SourceScope, type SourceDescription, type SubscriptionOutcome } from '../events';
import { listPlatforms } from '../lti';

/** View model of the console's "Event sources" section (views/partials/admin-sources.hbs). */

type Values = Record<string, string>;
type Errors = Record<string, string>;

export interface SourcesExtras {
  moodleForm?: { values: Values; errors: Errors };
  canvasForm?: { values: Values; errors: Errors };
  /** Just created or rotated: the plaintext secret (Moodle), shown on this response only. */
  newSource?: { source: SourceDescription; secret: string | null; rotated?: boolean };
  /** The outcome of "Create Canvas Live Events subscription", or its form's field errors. */
  subscription?: { sourceId: string; values: Values; errors?: Errors; outcome?: SubscriptionOutcome };
}

/** "2026-11-22 17:40 UTC": admins compare it with the LMS's logs, so minutes matter. */
const whenOf = (at: Date | null) => (at ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : undefined);

const field = (prefix: string, name: string, label: string, values: Values, errors: Errors, more: Record<string, unknown> = {}) => ({
  id: `${prefix}-${name}`, fieldName: name, label, f: { value: values[name] ?? '', error: errors[name] }, ...more,
});

export async function sourcesView(ctx: Pick<AppContext, 'config' | 'database'>, props: { platformId: string | null; scope: SourceScope; here: string }, extras: SourcesExtras) {
  const [sources, platforms] = await Promise.all([listSourcesFor(ctx, props.scope), listPlatforms(ctx.database.db)]);
  const platform = platforms.find((p) => p.id === props.platformId);
  // Canvas's API host is the institution's; the token endpoint's origin is the best guess Laurel has.
  const apiBaseGuess = platform ? new URL(platform.token_endpoint).origin : '';
  const sub = extras.subscription;
  const moodle = extras.moodleForm ?? { values: {}, errors: {} };
  const canvas = extras.canvasForm ?? { values: { jwksUrl: CANVAS_LIVE_EVENTS_JWKS_URL }, errors: {} };
  const list = sources.map((s) => {
    const mine = sub?.sourceId === s.id;
    const subValues = mine ? sub.values : { accountId: '', apiBase: apiBaseGuess, format: 'live-event' };
    const subErrors = (mine ? sub.errors : undefined) ?? {};
    return {
      ...s,
      lastEventWhen: whenOf(s.lastEventAt),
      lastErrorWhen: whenOf(s.lastErrorAt),
      label: s.name || (s.kind === 'moodle' ? 'Moodle site' : 'Canvas account'),
      moodle: s.kind === 'moodle',
      canvas: s.kind === 'canvas',
      failing: s.status === 'error',
      pluginUrl: `${props.here}/sources/${s.id}/plugin.zip`,
      subscribe: s.kind === 'canvas' && {
        open: mine,
        outcome: mine ? sub.outcome : undefined,
        fields: [
          field(`sub-${s.id}`, 'accountId', 'Canvas account id', subValues, subErrors, { hint: 'The root account, usually 1 (Admin > the account: the number in its address).', required: true }),
          field(`sub-${s.id}`, 'apiBase', 'Canvas address', subValues, subErrors, { type: 'url', required: true }),
        ],
        formats: [{ value: 'live-event', label: 'Canvas format' }, { value: 'caliper', label: 'Caliper 1.1' }].map((f) => ({ ...f, id: `sub-${s.id}-format-${f.value}`, checked: (subValues.format || 'live-event') === f.value })),
        formatError: subErrors.format,
      },
    };
  });
  return {
    list,
    newSource: extras.newSource && { ...extras.newSource, pluginUrl: `${props.here}/sources/${extras.newSource.source.id}/plugin.zip` },
    moodleForm: {
      open: Object.keys(moodle.errors).length > 0,
      fields: [
        field('moodle-source', 'name', 'Name', moodle.values, moodle.errors, { optional: true, hint: 'For you, e.g. "Biology Moodle".' }),
        // Never echoed back: a secret typed into a failed form is not put into the page again.
        field('moodle-source', 'secret', 'Shared secret', {}, moodle.errors, { optional: true, type: 'password', hint: 'Leave empty and Laurel generates a strong one (recommended), or paste the one already in the Moodle plugin: at least 16 characters, no spaces.' }),
      ],
    },
    canvasForm: {
      open: Object.keys(canvas.errors).length > 0,
      fields: [
        field('canvas-source', 'name', 'Name', canvas.values, canvas.errors, { optional: true }),
        field('canvas-source', 'jwksUrl', 'Live Events signing keys (JWKS URL)', canvas.values, canvas.errors, { type: 'url', required: true, hint: 'The Canvas Data Services default is filled in; change it only for a self-hosted Canvas.' }),
      ],
      allowUnsigned: canvas.values.allowUnsigned === 'on',
    },
    problemCount: Object.keys(moodle.errors).length + Object.keys(canvas.errors).length + Object.keys(sub?.errors ?? {}).length,
  };
}
