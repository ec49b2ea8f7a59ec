// In-memory state of one emulated platform, plus the context every route module receives.
import type { DataServicesState } from './data-services';
import type { KeyStore } from './keys';
import type { MoodlePluginState } from './moodle-plugin';
import type { Paths } from './profile';
import type {
  DeepLinkReturn, EmulatorContext, EmulatorMember, FailureInjection, IssuedLaunch, LaunchOptions, LineItem,
  ProfileName, ReceivedScore, StoredResult, ToolRegistration,
} from './types';

/** A launch waiting for the tool to come back to the auth endpoint with this message hint. */
export interface PendingLaunch {
  options: LaunchOptions;
  loginHint: string;
  deploymentId: string;
  used: boolean;
  createdAt: number;
}

export interface ServiceRequest {
  method: string;
  path: string;
  status: number;
  userAgent?: string;
}

export interface AccessToken {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface RegistrationToken {
  clientId: string;
  deploymentId: string;
  used: boolean;
  expiresAt: number;
}

export class PlatformState {
  tools = new Map<string, ToolRegistration>();
  /** Keyed by the exact `lti_message_hint` string sent at login initiation. */
  pendingLaunches = new Map<string, PendingLaunch>();
  /** Launch definitions behind `launchUrl()`; each visit mints a fresh single-use message hint. */
  launchDefinitions = new Map<string, LaunchOptions>();
  issued: IssuedLaunch[] = [];
  accessTokens = new Map<string, AccessToken>();
  usedAssertionIds = new Set<string>();
  registrationTokens = new Map<string, RegistrationToken>();
  registrationWaiters: { token?: string; resolve: (tool: ToolRegistration) => void }[] = [];
  /** Service requests seen (method, path, status, user agent), newest last, at most 1,000. */
  requests: ServiceRequest[] = [];
  contexts = new Map<string, EmulatorContext>();
  /** LMS ids of resource links seen in launches or made by deep linking (Moodle NRPS `?rlid=` checks them). */
  resourceLinks = new Set<string>();
  /** contextId -> LMS user id -> member. */
  members = new Map<string, Map<string, EmulatorMember>>();
  lineItems = new Map<number, LineItem>();
  nextLineItemId = 1;
  /** lineItemId -> LTI user id -> result. */
  results = new Map<number, Map<string, StoredResult>>();
  scores: ReceivedScore[] = [];
  deepLinks: DeepLinkReturn[] = [];
  failures: (FailureInjection & { remaining: number })[] = [];
  nextToolNumber = 1;
  nextResourceLinkNumber = 100;

  roster(contextId: string): Map<string, EmulatorMember> {
    let members = this.members.get(contextId);
    if (!members) {
      members = new Map();
      this.members.set(contextId, members);
    }
    return members;
  }

  /** Takes one injected failure for this service, if any is left. */
  takeFailure(service: FailureInjection['service']): FailureInjection | undefined {
    const failure = this.failures.find((f) => f.service === service && f.remaining > 0);
    if (failure) failure.remaining -= 1;
    return failure;
  }
}

/** What route modules share: the profile, where the platform lives, its keys and its state. */
export interface Core {
  profile: ProfileName;
  /** Base URL, no trailing slash. */
  url: string;
  issuer: string;
  paths: Paths;
  keys: KeyStore;
  state: PlatformState;
  nrpsDefaultLimit: number | undefined;
  storageTarget: boolean;
  /** Canvas Data Services subscriptions and the separate Live Events signing keys. */
  dataServices: DataServicesState;
  /** Moodle: the Laurel companion plugin's settings and the gradebook its grade export reads. */
  moodlePlugin: MoodlePluginState;
  /** Secret for the emulator's own HS256 tokens (Canvas message hints and registration tokens). */
  secret: Uint8Array;
}

export const endpoint = (core: Core, name: keyof Paths): string => `${core.url}${core.paths[name]}`;
