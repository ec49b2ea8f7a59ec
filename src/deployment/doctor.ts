import type { Config } from '../config';
import type { Database } from '../db';
import { latestCredentialOf } from '../badges';
import { didFor, didWebDocumentUrl, issuerIdentityDrift, jwks, listIssuers, listKeys, type Issuer } from '../credentials';
import { loadStandards, standardsDir, FETCH_COMMAND } from '../standards';

/** One finding of `laurel doctor`: what was checked, the outcome, and for a problem what to do. */
export interface Finding {
  status: 'ok' | 'problem' | 'not checked';
  what: string;
  fix?: string;
}

export interface DoctorOptions {
  database: Pick<Database, 'db'>;
  config: Config;
  /** Injected in tests. Default: global fetch. */
  fetch?: typeof fetch;
  /** Per-request limit. Default 5000 ms. */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;
type Fetched = { ok: true; json: Json } | { ok: false; reason: string };

/**
 * Checks that what issued credentials name can be fetched, from Laurel's own point of view: each
 * issuer's DID document, the JWKS and a status list, at the URLs in its newest credential (or, before
 * any, at BASE_URL), plus the issuer identity against BASE_URL and the standards data. Read-only.
 */
export async function runDoctor(options: DoctorOptions): Promise<Finding[]> {
  const { config } = options;
  const db = options.database.db;
  const findings: Finding[] = [];
  const get = (url: string) => fetchJson(url, options);
  const origin = new URL(config.BASE_URL).origin;
  findings.push({ status: 'ok', what: `BASE_URL is ${config.BASE_URL}: credentials issued from now on name ${origin}, and a new issuer takes ${didFor('default', config)}` });
  if (/^(localhost|127\.|\[::1\])/.test(new URL(config.BASE_URL).host)) {
    findings.push({ status: 'problem', what: `BASE_URL ${config.BASE_URL} is a loopback address: nobody but this machine can verify what Laurel issues`, fix: `set BASE_URL in .env to the public address LMSs and browsers reach (https://...), then restart Laurel` });
  }

  const standards = loadStandards(standardsDir(config));
  findings.push(standards.available
    ? { status: 'ok', what: `standards data (OB 3.0 / CLR 2.0 schemas, CLR 2.0.1 context) present and matching their pinned hashes in ${standards.dir}` }
    : { status: 'problem', what: standards.message, fix: `run '${FETCH_COMMAND}' (it needs HTTPS access to purl.imsglobal.org, or a 1EdTech spec copy with --offline-dir)` });

  // BASE_URL must reach this very Laurel: the JWKS served there holds every key in our database.
  const jwksUrl = `${origin}/.well-known/jwks.json`;
  const [served, ours] = await Promise.all([get(jwksUrl), jwks(db)]);
  const servedKids = new Set(served.ok && Array.isArray(served.json.keys) ? (served.json.keys as Json[]).map((k) => String(k.kid)) : []);
  const missingKids = ours.keys.map((k) => String(k.kid)).filter((kid) => !servedKids.has(kid));
  if (!served.ok) findings.push({ status: 'problem', what: `BASE_URL does not reach this Laurel: ${jwksUrl}: ${served.reason}`, fix: reachFix(config) });
  else if (!Array.isArray(served.json.keys) || missingKids.length) findings.push({ status: 'problem', what: `BASE_URL reaches another server: ${jwksUrl} does not hold this Laurel's keys${missingKids.length ? ` (${missingKids[0]} missing)` : ''}`, fix: reachFix(config) });
  else findings.push({ status: 'ok', what: `BASE_URL reaches this Laurel: ${jwksUrl} holds its ${ours.keys.length} public key(s)` });

  const drifts = new Map((await issuerIdentityDrift(db, config)).map((d) => [d.issuerId, d]));
  const issuers = await listIssuers(db);
  if (issuers.length === 0) {
    findings.push({ status: 'not checked', what: `no issuer yet: the default issuer is created with the first credential, as ${didFor('default', config)}` });
    return findings;
  }

  for (const issuer of issuers) {
    const drift = drifts.get(issuer.id);
    if (drift) {
      findings.push({ status: 'problem', what: `issuer '${issuer.id}' has issued credentials as ${drift.did} (since ${drift.firstIssuedAt.toISOString()}), but BASE_URL ${config.BASE_URL} gives ${drift.expectedDid}: its DID is kept so those credentials stay verifiable, and they verify only while ${drift.didDocumentUrl} serves its DID document`, fix: driftFix(drift.didDocumentUrl, issuer, config) });
    } else if (!issuer.first_issued_at && issuer.did !== didFor(issuer.id, config)) {
      findings.push({ status: 'ok', what: `issuer '${issuer.id}' has issued nothing yet: it becomes ${didFor(issuer.id, config)} (from BASE_URL) with its first credential` });
      continue;
    } else {
      findings.push({ status: 'ok', what: `issuer '${issuer.id}' is ${issuer.did}, as BASE_URL gives` });
    }
    if (!issuer.first_issued_at) {
      findings.push({ status: 'not checked', what: `issuer '${issuer.id}' has issued nothing: no credential names its URLs yet` });
      continue;
    }
    findings.push(...(await checkIssuerUrls(issuer, options, get, Boolean(drift))));
  }
  return findings;
}

async function checkIssuerUrls(issuer: Issuer, options: DoctorOptions, get: (url: string) => Promise<Fetched>, drifted: boolean): Promise<Finding[]> {
  const { config } = options;
  const db = options.database.db;
  const findings: Finding[] = [];
  const latest = await latestCredentialOf({ db }, issuer.id);
  const document = latest?.document as Json | undefined;
  const keys = await listKeys(db, issuer.id);
  // The key ids the newest credential names (DI verification method, JWS kid), else the active keys.
  const keyIds = latest?.key_ids.length ? latest.key_ids : keys.filter((k) => k.status === 'active').map((k) => k.id);
  const unreachable = (url: string) => (drifted ? driftFix(url, issuer, config) : reachFix(config));

  const didUrl = didWebDocumentUrl(issuer.did);
  if (!didUrl) {
    findings.push({ status: 'not checked', what: `issuer '${issuer.id}' is ${issuer.did}, not a did:web` });
  } else {
    const did = await get(didUrl);
    if (!did.ok) findings.push({ status: 'problem', what: `DID document of ${issuer.did} at ${didUrl}: ${did.reason}`, fix: unreachable(didUrl) });
    else if (did.json.id !== issuer.did) findings.push({ status: 'problem', what: `${didUrl} serves the DID document of ${String(did.json.id)}, not ${issuer.did}`, fix: unreachable(didUrl) });
    else {
      const listed = new Set(((did.json.verificationMethod as Json[] | undefined) ?? []).map((vm) => String(vm.id)));
      const absent = keyIds.filter((id) => !listed.has(id));
      findings.push(absent.length
        ? { status: 'problem', what: `${didUrl} does not list the key(s) ${absent.join(', ')} that credentials name`, fix: `serve this Laurel's DID document there (it lists every key, active and retired); if another server answers, route ${new URL(didUrl).origin} to Laurel` }
        : { status: 'ok', what: `DID document of ${issuer.did} at ${didUrl} lists ${keyIds.join(', ')}` });
    }
  }

  const jwksUrl = `${didUrl ? new URL(didUrl).origin : new URL(config.BASE_URL).origin}/.well-known/jwks.json`;
  const rsaKids = keyIds.filter((id) => /#rsa-/.test(id));
  const keySet = await get(jwksUrl);
  if (!keySet.ok) findings.push({ status: 'problem', what: `JWKS at ${jwksUrl}: ${keySet.reason}`, fix: unreachable(jwksUrl) });
  else {
    const kids = new Set(((keySet.json.keys as Json[] | undefined) ?? []).map((k) => String(k.kid)));
    const absent = rsaKids.filter((kid) => !kids.has(kid));
    findings.push(absent.length
      ? { status: 'problem', what: `JWKS at ${jwksUrl} lacks ${absent.join(', ')}`, fix: unreachable(jwksUrl) }
      : { status: 'ok', what: `JWKS at ${jwksUrl} holds ${rsaKids.join(', ') || 'the keys'}` });
  }

  const status = document?.credentialStatus as Json | undefined;
  const listUrl = typeof status?.statusListCredential === 'string' ? status.statusListCredential : undefined;
  if (!listUrl) {
    findings.push({ status: 'not checked', what: `issuer '${issuer.id}': no stored credential names a status list` });
  } else {
    const list = await get(listUrl);
    const types = list.ok ? ([] as unknown[]).concat(list.json.type ?? []) : [];
    if (!list.ok) findings.push({ status: 'problem', what: `status list ${listUrl} (named by credential ${String(document?.id)}): ${list.reason}`, fix: `${new URL(listUrl).origin} must keep serving /status-lists/ for the credentials that name it: ${listUrl.startsWith(new URL(config.BASE_URL).origin) ? reachFix(config) : `redirect ${new URL(listUrl).origin}/status-lists/* to ${new URL(config.BASE_URL).origin}/status-lists/*`}` });
    else if (!types.includes('BitstringStatusListCredential')) findings.push({ status: 'problem', what: `${listUrl} does not serve a BitstringStatusListCredential`, fix: `route ${new URL(listUrl).origin}/status-lists/ to Laurel` });
    else findings.push({ status: 'ok', what: `status list ${listUrl} answers with a BitstringStatusListCredential` });
  }
  return findings;
}

function reachFix(config: Config): string {
  const url = new URL(config.BASE_URL);
  return `BASE_URL must be the address at which LMSs and verifiers reach this Laurel: point DNS for ${url.hostname} at this server and forward ${url.protocol === 'https:' ? 'HTTPS' : 'HTTP'} to port ${config.PORT} (reverse proxy), or set BASE_URL in .env to the address that does, then restart`;
}

function driftFix(oldUrl: string, issuer: Issuer, config: Config): string {
  const oldOrigin = new URL(oldUrl).origin;
  const newOrigin = new URL(config.BASE_URL).origin;
  return `credentials already issued name ${issuer.did}: redirect every path of ${oldOrigin} to ${newOrigin} (HTTP 301; this Laurel serves ${issuer.did}'s DID document at ${didWebDocumentUrl(didFor(issuer.id, config)) ?? newOrigin}), or set BASE_URL back to ${oldOrigin}; to issue under ${didFor(issuer.id, config)} instead, re-issue under a new issuer (docs/install-canvas-moodle.md, "Moving Laurel to a new address")`;
}

async function fetchJson(url: string, options: DoctorOptions): Promise<Fetched> {
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/did+json, application/json, application/ld+json' }, redirect: 'follow' });
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` };
    const json = JSON.parse(await response.text()) as unknown;
    return json && typeof json === 'object' ? { ok: true, json: json as Json } : { ok: false, reason: 'not a JSON object' };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    if (error instanceof SyntaxError) return { ok: false, reason: 'not JSON' };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, reason: `unreachable (${cause ?? (error as Error).message})` };
  }
}

/** The findings as text: one line each, problems followed by their fix, then a summary. */
export function formatFindings(findings: Finding[]): string {
  const label = { ok: 'ok         ', problem: 'PROBLEM    ', 'not checked': 'not checked' } as const;
  const lines = findings.flatMap((f) => [`${label[f.status]}  ${f.what}`, ...(f.fix ? [`             fix: ${f.fix}`] : [])]);
  const problems = findings.filter((f) => f.status === 'problem').length;
  lines.push(problems ? `${problems} problem(s) found` : 'no problems found');
  return `${lines.join('\n')}\n`;
}
