// The typed handle returned by startPlatform(): what tests and the CLI use to drive the emulated LMS.
import type { JWK } from 'jose';
import { fromCanvasJson } from './canvas-config';
import { deliverEvent, type DataServiceSubscription, type Delivery } from './data-services';
import { applyScore, createLineItem, deleteLineItem, getLineItem, lineItemsOf, resultsOf, toolOf } from './gradebook';
import { ltiContextId, ltiUserId, randomHex } from './profile';
import { issueRegistrationToken, newToolIds } from './registration';
import type { ExportRequestSeen, MoodleGrade, MoodleGradeItem, MoodlePluginConfig, MoodlePluginState } from './moodle-plugin';
import { endpoint, type Core, type ServiceRequest } from './state';
import { lineItemsUrl, membershipsUrl, parseLineItemId } from './urls';
import type {
  AddToolOptions, DeepLinkReturn, EmulatorContext, EmulatorMember, EmulatorUser, FailureInjection, IssuedLaunch,
  LaunchOptions, LineItem, ProfileName, ReceivedScore, RegisterToolOptions, RegisterToolResult, StoredResult, ToolRegistration,
} from './types';

export interface Platform {
  readonly profile: ProfileName;
  /** The `iss` of id_tokens (Canvas: `https://canvas.instructure.com` by default, whatever the host). */
  readonly issuer: string;
  /** Base URL of the emulator, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** What an admin types into the tool for a manual registration. */
  readonly endpoints: { openidConfiguration: string; registration: string; auth: string; jwks: string; token: string };
  close(): Promise<void>;

  /** Dynamic Registration driven over HTTP: GETs the tool's registration URL as the admin's browser would. */
  registerTool(options: RegisterToolOptions): Promise<RegisterToolResult>;
  /** An emulator page that runs Dynamic Registration in an iframe (for a browser); see waitForRegistration(). */
  registrationStartUrl(registrationUrl: string): string;
  /** Resolves with the next tool that completes Dynamic Registration. */
  waitForRegistration(timeoutMs?: number): Promise<ToolRegistration>;
  /** Moodle: what the admin's "Activate" button does for a pending tool. */
  activateTool(clientId: string): void;
  /** Manual registration (a Canvas developer key / a Moodle "configure a tool manually"). */
  addTool(options: AddToolOptions): ToolRegistration;
  /** Canvas: a developer key from the tool's JSON configuration URL (or object), installed in the account. */
  installCanvasJsonConfig(source: string | Record<string, unknown>, options?: { redirectUris?: string[] }): Promise<ToolRegistration>;
  tools(): ToolRegistration[];

  /** An emulator URL that starts this launch; open it in a browser or with `runLaunch()`. Reusable. */
  launchUrl(options: LaunchOptions): string;
  /** The same launch inside an iframe of an LMS-like page (`#contentframe`), as Moodle and Canvas show tools. */
  framedLaunchUrl(options: LaunchOptions): string;
  /** Every id_token the emulator signed, oldest first. */
  readonly launches: readonly IssuedLaunch[];
  lastLaunch(clientId?: string): IssuedLaunch | undefined;
  /** The user id the tool sees (`sub`, NRPS `user_id`, AGS `userId`). */
  ltiUserId(user: Pick<EmulatorUser, 'id'>): string;
  /** The context id the tool sees. */
  ltiContextId(contextId: string): string;

  /** Publishes a new signing key and signs with it from now on. Returns the new kid. */
  rotateKey(options?: { dropPrevious?: boolean }): Promise<string>;
  jwks(): { keys: JWK[] };

  nrps: {
    /** Replaces the course roster. */
    setMembers(contextId: string, members: EmulatorMember[], context?: Omit<EmulatorContext, 'id'>): void;
    members(contextId: string): EmulatorMember[];
    url(clientId: string, contextId: string): string;
  };
  ags: {
    /** A column made on the platform side (e.g. by the instructor), owned by the tool `clientId`. */
    createLineItem(props: { contextId: string; clientId: string; label: string; scoreMaximum: number; resourceId?: string; tag?: string; resourceLinkId?: string }): LineItem;
    lineItems(contextId: string, clientId?: string): LineItem[];
    lineItem(id: number | string): LineItem | undefined;
    /** Platform-side edit (e.g. the instructor changes the maximum); returns the updated item. */
    updateLineItem(id: number | string, changes: Partial<Pick<LineItem, 'label' | 'scoreMaximum' | 'resourceId' | 'tag'>>): LineItem;
    /** Platform-side delete (the column is removed in the gradebook). */
    deleteLineItem(id: number | string): boolean;
    /** Scores received for a line item (number or the URL the tool holds), oldest first. */
    scoresFor(lineItemId: number | string): ReceivedScore[];
    resultsFor(lineItemId: number | string): StoredResult[];
    /** Grades a user on the platform side (what the results poller will read). `userId` is the LTI user id. */
    setResult(lineItemId: number | string, result: { userId: string; scoreGiven: number; scoreMaximum: number; comment?: string }): void;
    url(clientId: string, contextId: string): string;
  };
  /** Canvas Data Services (Live Events) stub; subscriptions exist only on the Canvas profile. */
  dataServices: {
    subscriptions(): DataServiceSubscription[];
    /** JWKS of the Live Events signing keys (not the LTI keys), for the tool's event verifier. */
    readonly jwksUrl: string;
    /** POSTs the event to every active HTTPS subscription for its type; signed (RS256 JWT) unless `sign: false`. */
    deliver(event: Record<string, unknown>, options?: { eventName?: string; sign?: boolean }): Promise<Delivery[]>;
    rotateKey(): Promise<string>;
  };
  /**
   * Moodle: the Laurel companion plugin (integrations/moodle/local_laurel). `configure` is the admin's
   * settings page; grade items and grades set here exist "before Laurel" and are what the plugin's
   * grade export (`POST /local/laurel/export.php`) answers with.
   */
  moodlePlugin: {
    configure(config: MoodlePluginConfig): void;
    addGradeItem(props: Parameters<MoodlePluginState['addGradeItem']>[0]): MoodleGradeItem;
    setGrade(itemId: number, props: Parameters<MoodlePluginState['setGrade']>[1]): MoodleGrade;
    readonly exportUrl: string;
    /** Export requests answered (status, course, after, events). */
    readonly requests: readonly ExportRequestSeen[];
  };
  /** Deep Linking responses received from tools. */
  readonly deepLinks: readonly DeepLinkReturn[];
  /** Makes the next `count` (default 1) calls of a service fail with `status` (429/403 with Retry-After...). */
  failNext(failure: FailureInjection): void;
  /** A Bearer token for direct service calls in tests (skips the client assertion). */
  issueAccessToken(clientId: string, scopes: string[]): string;
  /** Service calls seen (NRPS, AGS, token), with status and User-Agent. */
  readonly requests: readonly ServiceRequest[];
}

export function createPlatformApi(core: Core, hooks: { launch: (o: LaunchOptions, frame?: boolean) => string; close: () => Promise<void> }): Platform {
  const s = core.state;
  const waitForRegistration = (timeoutMs = 5000, token?: string): Promise<ToolRegistration> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        s.registrationWaiters = s.registrationWaiters.filter((w) => w !== waiter);
        reject(new Error(`no Dynamic Registration arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = { resolve: (tool: ToolRegistration) => { clearTimeout(timer); resolve(tool); }, ...(token ? { token } : {}) };
      s.registrationWaiters.push(waiter);
    });
  const item = (id: number | string): LineItem => {
    const found = getLineItem(core, parseLineItemId(id));
    if (!found) throw new Error(`unknown line item ${id}`);
    return found;
  };

  const addTool = (o: AddToolOptions): ToolRegistration => {
    const ids = newToolIds(core);
    const tool: ToolRegistration = {
      clientId: o.clientId ?? ids.clientId, deploymentId: o.deploymentId ?? ids.deploymentId, loginUrl: o.loginUrl,
      launchUrl: o.launchUrl, jwksUrl: o.jwksUrl, redirectUris: o.redirectUris ?? [o.launchUrl, ...(o.deepLinkUrl && o.deepLinkUrl !== o.launchUrl ? [o.deepLinkUrl] : [])], scopes: o.scopes ?? [],
      customParameters: o.customParameters ?? {}, name: o.name ?? 'Tool', state: 'active',
    };
    if (o.deepLinkUrl) tool.deepLinkUrl = o.deepLinkUrl;
    if (o.privacyLevel) tool.privacyLevel = o.privacyLevel;
    if (o.placements) tool.placements = o.placements;
    s.tools.set(tool.clientId, tool);
    return tool;
  };

  return {
    profile: core.profile,
    issuer: core.issuer,
    url: core.url,
    endpoints: {
      openidConfiguration: endpoint(core, 'openidConfiguration'), registration: endpoint(core, 'registration'),
      auth: endpoint(core, 'auth'), jwks: endpoint(core, 'jwks'), token: endpoint(core, 'token'),
    },
    close: hooks.close,

    async registerTool({ registrationUrl, timeoutMs = 5000 }) {
      const { token, openidConfigurationUrl } = await issueRegistrationToken(core);
      const target = new URL(registrationUrl);
      target.searchParams.set('openid_configuration', openidConfigurationUrl);
      target.searchParams.set('registration_token', token);
      const registered = waitForRegistration(timeoutMs, token);
      registered.catch(() => undefined);
      const response = await fetch(target, { headers: { accept: 'text/html' }, redirect: 'follow' });
      const body = await response.text();
      let tool: ToolRegistration;
      try {
        tool = await registered;
      } catch {
        throw new Error(`the tool did not register (its page answered ${response.status}: ${body.slice(0, 300)})`);
      }
      return {
        clientId: tool.clientId, deploymentId: tool.deploymentId, state: tool.state, page: { status: response.status, body },
        registration: tool.registration ?? {}, response: tool.registrationResponse ?? {},
      };
    },
    registrationStartUrl: (registrationUrl) => `${core.url}/emulator/register?url=${encodeURIComponent(registrationUrl)}`,
    waitForRegistration: (timeoutMs) => waitForRegistration(timeoutMs),
    activateTool(clientId) {
      toolOf(core, clientId).state = 'active';
    },
    addTool,
    async installCanvasJsonConfig(source, options = {}) {
      const config = typeof source === 'string' ? ((await (await fetch(source, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>) : source;
      return addTool(fromCanvasJson(config, options.redirectUris));
    },
    tools: () => [...s.tools.values()],

    launchUrl: (o) => hooks.launch(o),
    framedLaunchUrl: (o) => hooks.launch(o, true),
    get launches() {
      return s.issued;
    },
    lastLaunch: (clientId) => [...s.issued].reverse().find((l) => !clientId || l.clientId === clientId),
    ltiUserId: (user) => ltiUserId(core.profile, core.issuer, user),
    ltiContextId: (contextId) => ltiContextId(core.profile, core.issuer, contextId),

    rotateKey: (options) => core.keys.rotate(options),
    jwks: () => core.keys.jwks(),

    nrps: {
      setMembers(contextId, members, context) {
        s.contexts.set(contextId, { ...(s.contexts.get(contextId) ?? {}), ...(context ?? {}), id: contextId });
        s.members.set(contextId, new Map(members.map((m) => [m.id, m])));
      },
      members: (contextId) => [...s.roster(contextId).values()],
      url: (clientId, contextId) => membershipsUrl(core, toolOf(core, clientId), contextId),
    },
    ags: {
      createLineItem: (props) => {
        if (!s.contexts.has(props.contextId)) s.contexts.set(props.contextId, { id: props.contextId });
        return createLineItem(core, props);
      },
      lineItems: (contextId, clientId) => lineItemsOf(core, contextId, clientId),
      lineItem: (id) => getLineItem(core, parseLineItemId(id)),
      updateLineItem: (id, changes) => Object.assign(item(id), changes),
      deleteLineItem: (id) => deleteLineItem(core, parseLineItemId(id)),
      scoresFor: (id) => s.scores.filter((sc) => sc.lineItemId === parseLineItemId(id)),
      resultsFor: (id) => resultsOf(core, parseLineItemId(id)),
      setResult(id, r) {
        applyScore(core, item(id), { ...r, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() });
      },
      url: (clientId, contextId) => lineItemsUrl(core, toolOf(core, clientId), contextId),
    },
    dataServices: {
      subscriptions: () => [...core.dataServices.subscriptions.values()],
      jwksUrl: `${core.url}/emulator/live-events/jwks`,
      deliver: (event, options) => deliverEvent(core.dataServices, event, options),
      rotateKey: () => core.dataServices.keys.rotate(),
    },
    moodlePlugin: {
      configure(config) {
        if (core.profile !== 'moodle') throw new Error('the Laurel plugin is a Moodle plugin');
        core.moodlePlugin.config = { laurelUrl: 'http://laurel.invalid', ...config };
      },
      addGradeItem: (props) => {
        if (!s.contexts.has(props.contextId)) s.contexts.set(props.contextId, { id: props.contextId });
        return core.moodlePlugin.addGradeItem(props);
      },
      setGrade: (itemId, props) => core.moodlePlugin.setGrade(itemId, props),
      exportUrl: `${core.url}/local/laurel/export.php`,
      get requests() {
        return core.moodlePlugin.requests;
      },
    },
    get deepLinks() {
      return s.deepLinks;
    },
    failNext(failure) {
      s.failures.push({ ...failure, remaining: failure.count ?? 1 });
    },
    issueAccessToken(clientId, scopes) {
      toolOf(core, clientId);
      const token = randomHex(16);
      s.accessTokens.set(token, { clientId, scopes, expiresAt: Date.now() + 3600_000 });
      return token;
    },
    get requests() {
      return s.requests;
    },
  };
}
