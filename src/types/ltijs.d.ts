// Our own declarations for the part of ltijs 5.9 that Laurel uses (@types/ltijs describes v4).
declare module 'ltijs' {
  import type { Express, NextFunction, Request, Response } from 'express';

  /** A stored document: plain JSON fields as ltijs writes them. */
  export type LtiDocument = Record<string, unknown>;
  /** Equality on top-level fields, as ltijs queries MongoDB. */
  export type LtiQuery = Record<string, unknown>;

  /** The storage plugin interface ltijs calls (see ltijs/dist/Utils/Database.js). */
  export interface LtiStorePlugin {
    setup(): Promise<boolean>;
    Close(): Promise<boolean>;
    Get(key: string | false, collection: string, query?: LtiQuery): Promise<LtiDocument[] | false>;
    Insert(key: string | false, collection: string, item: LtiDocument, index?: LtiQuery): Promise<boolean>;
    Replace(key: string | false, collection: string, query: LtiQuery, item: LtiDocument, index?: LtiQuery): Promise<boolean>;
    Modify(key: string | false, collection: string, query: LtiQuery, modification: LtiDocument): Promise<boolean>;
    Delete(collection: string, query: LtiQuery): Promise<boolean>;
    Encrypt(data: string, secret: string): Promise<{ iv: string; data: string }>;
    Decrypt(data: string, iv: string, secret: string): Promise<string>;
  }

  export type AuthConfigMethod = 'RSA_KEY' | 'JWK_KEY' | 'JWK_SET';

  export interface PlatformRegistration {
    url: string;
    clientId: string;
    name: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer?: string;
    authConfig: { method: AuthConfigMethod; key: string | Record<string, unknown> };
  }

  export interface LtiPlatform {
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
    platformName(name?: string): Promise<string>;
    platformId(): Promise<string>;
    platformKid(): Promise<string>;
    platformActive(active?: boolean): Promise<boolean>;
    platformPublicKey(): Promise<string>;
    platformPrivateKey(): Promise<string>;
    platformAuthConfig(): Promise<{ method: AuthConfigMethod; key: unknown }>;
    platformAccessTokenEndpoint(): Promise<string>;
    platformAuthorizationServer(): Promise<string>;
    delete(): Promise<boolean>;
  }

  /** The context token ltijs keeps per launch (`res.locals.context`). */
  export interface LtiContextToken {
    contextId: string;
    user: string;
    roles?: string[];
    path?: string;
    targetLinkUri?: string;
    context?: { id: string; label?: string; title?: string; type?: string[] };
    resource?: { id: string; title?: string; description?: string | null };
    custom?: Record<string, unknown>;
    launchPresentation?: Record<string, unknown>;
    messageType?: string;
    version?: string;
    deepLinkingSettings?: {
      deep_link_return_url: string;
      accept_types: string[];
      accept_multiple?: boolean | string;
      data?: string;
      [claim: string]: unknown;
    };
    lis?: Record<string, unknown>;
    endpoint?: { lineitems?: string; lineitem?: string; scope?: string[] };
    namesRoles?: { context_memberships_url: string; service_versions?: string[] };
  }

  /** The id token ltijs keeps per user and deployment (`res.locals.token`). */
  export interface LtiIdToken {
    iss: string;
    user: string;
    userInfo?: { given_name?: string; family_name?: string; name?: string; email?: string };
    platformInfo?: Record<string, unknown>;
    clientId: string;
    platformId: string;
    deploymentId: string;
    platformContext: LtiContextToken;
  }

  export interface DeepLinkingContentItem {
    type: 'ltiResourceLink' | 'link' | 'html' | 'image' | 'file';
    title?: string;
    text?: string;
    url?: string;
    custom?: Record<string, string>;
    lineItem?: { scoreMaximum: number; label?: string; resourceId?: string; tag?: string };
    [field: string]: unknown;
  }

  export interface ProviderOptions {
    appRoute?: string;
    loginRoute?: string;
    keysetRoute?: string;
    dynRegRoute?: string;
    cors?: boolean;
    devMode?: boolean;
    /** Maximum age of an id_token in seconds (`iat`), or false to disable. ltijs's default is 10. */
    tokenMaxAge?: number | false;
    cookies?: { secure?: boolean; sameSite?: 'None' | 'Lax' | 'Strict'; domain?: string };
    serverAddon?: (app: Express) => void;
  }

  export type ConnectCallback = (token: LtiIdToken, req: Request, res: Response, next: NextFunction) => unknown;
  export type ErrorCallback = (req: Request, res: Response, next?: NextFunction) => unknown;

  export interface Provider {
    app: Express;
    Database: LtiStorePlugin;
    DeepLinking: {
      createDeepLinkingForm(token: LtiIdToken, items: DeepLinkingContentItem[], options?: { message?: string }): Promise<string>;
      createDeepLinkingMessage(token: LtiIdToken, items: DeepLinkingContentItem[], options?: { message?: string }): Promise<string>;
    };
    setup(encryptionKey: string, database: { url?: string; plugin: LtiStorePlugin }, options?: ProviderOptions): Provider;
    deploy(options?: { serverless?: boolean; silent?: boolean; port?: number }): Promise<boolean | undefined>;
    close(options?: { silent?: boolean }): Promise<boolean>;
    onConnect(callback: ConnectCallback): true;
    onDeepLinking(callback: ConnectCallback): true;
    onSessionTimeout(callback: ErrorCallback): true;
    onInvalidToken(callback: ErrorCallback): true;
    onUnregisteredPlatform(callback: ErrorCallback): true;
    onInactivePlatform(callback: ErrorCallback): true;
    whitelist(...routes: Array<string | RegExp | { route: string | RegExp; method: string }>): unknown;
    registerPlatform(platform: PlatformRegistration): Promise<LtiPlatform>;
    getPlatform(url: string, clientId: string): Promise<LtiPlatform | false>;
    getPlatform(url: string): Promise<LtiPlatform[] | false>;
    deletePlatform(url: string, clientId: string): Promise<boolean>;
    getAllPlatforms(): Promise<LtiPlatform[]>;
    redirect(res: Response, path: string, options?: { newResource?: boolean; query?: Record<string, string> }): Promise<void>;
  }

  /** The singleton instance. Its constructor makes independent instances (each with its own state). */
  export const Provider: Provider;
}
