// Installing a tool from a Canvas LTI 1.3 JSON configuration (what an admin pastes into a developer key by
// URL): oidc_initiation_url, target_link_uri, public_jwk_url, scopes, custom_fields and the canvas extension's
// privacy level and placements.
import type { AddToolOptions, PrivacyLevel } from './types';

interface Placement {
  placement?: unknown;
  message_type?: unknown;
  target_link_uri?: unknown;
  text?: unknown;
  custom_fields?: unknown;
}

/** Reads a Canvas JSON configuration into addTool() options; throws TypeError naming what is missing. */
export function fromCanvasJson(config: Record<string, unknown>, redirectUris?: string[]): AddToolOptions {
  const str = (k: string): string | undefined => (typeof config[k] === 'string' ? (config[k] as string) : undefined);
  const loginUrl = str('oidc_initiation_url');
  const launchUrl = str('target_link_uri');
  const jwksUrl = str('public_jwk_url');
  const missing = [!loginUrl && 'oidc_initiation_url', !launchUrl && 'target_link_uri', !jwksUrl && 'public_jwk_url (inline public_jwk is not supported by the emulator)'].filter(Boolean);
  if (missing.length || !loginUrl || !launchUrl || !jwksUrl) throw new TypeError(`Canvas JSON configuration lacks ${missing.join(', ')}`);
  const extensions = Array.isArray(config.extensions) ? (config.extensions as Record<string, unknown>[]) : [];
  const canvas = extensions.find((e) => e.platform === 'canvas.instructure.com') ?? extensions[0] ?? {};
  const settings = (canvas.settings ?? {}) as { placements?: Placement[] };
  const placements = Array.isArray(settings.placements) ? settings.placements : [];
  const deepLink = placements.find((p) => p.message_type === 'LtiDeepLinkingRequest' && typeof p.target_link_uri === 'string');
  const uris = new Set<string>([launchUrl, ...placements.map((p) => p.target_link_uri).filter((u): u is string => typeof u === 'string')]);
  const options: AddToolOptions = {
    loginUrl,
    launchUrl,
    jwksUrl,
    // Canvas keeps redirect URIs in the developer key form, not in the JSON: default to every launch URL.
    redirectUris: redirectUris ?? (Array.isArray(config.redirect_uris) ? (config.redirect_uris as string[]) : [...uris]),
    scopes: Array.isArray(config.scopes) ? config.scopes.map(String) : [],
    customParameters: (config.custom_fields ?? {}) as Record<string, string>,
    name: str('title') ?? 'Tool',
  };
  if (deepLink) options.deepLinkUrl = deepLink.target_link_uri as string;
  options.placements = Object.fromEntries(placements.filter((p) => typeof p.placement === 'string').map((p) => [p.placement as string, {
    ...(typeof p.text === 'string' ? { label: p.text } : {}),
    customParameters: (p.custom_fields && typeof p.custom_fields === 'object' ? p.custom_fields : {}) as Record<string, string>,
  }]));
  if (typeof canvas.privacy_level === 'string') options.privacyLevel = canvas.privacy_level as PrivacyLevel;
  return options;
}
