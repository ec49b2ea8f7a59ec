import type { Check, CheckStatus, KeyTrust, Verdict } from './index';

/** One check as people read it: what it is, how it ended, what it established and what it could not. */
export interface CheckView {
  check: string;
  title: string;
  status: CheckStatus;
  /** "passed" | "failed" | "not checked" */
  label: string;
  established?: string;
  notEstablished?: string;
  trust?: KeyTrust;
}

export interface VerdictView {
  verdict: Verdict;
  verified: boolean;
  /** "verified" | "status-unknown" | "not-verified": for CSS classes. */
  tone: 'ok' | 'warn' | 'bad';
  headline: string;
  summary: string;
  checks: CheckView[];
}

const TITLES: Record<string, string> = {
  format: 'Credential format',
  proof: 'Proof',
  'proof.data-integrity': 'Signature (Data Integrity proof)',
  'proof.jws': 'Signature (VC-JWT)',
  'jwt.claims': 'JWT claims match the credential',
  'key.provenance': 'Signing key belongs to the issuer',
  schema: 'Schema',
  dates: 'Validity dates',
  status: 'Revocation status',
};

const LABELS: Record<CheckStatus, string> = { ok: 'passed', failed: 'failed', 'not-checked': 'not checked' };

const HEADLINES: Record<Verdict, { tone: VerdictView['tone']; headline: string }> = {
  verified: { tone: 'ok', headline: 'Verified' },
  'status-unknown': { tone: 'warn', headline: 'Not verified (status unknown)' },
  'not-verified': { tone: 'bad', headline: 'Not verified' },
};

/** The view of a verification result shared by the public verification page and the credential page. */
export function explainVerification(result: { verified: boolean; verdict?: Verdict; summary?: string; checks: Array<Pick<Check, 'check' | 'ok' | 'message'> & Partial<Pick<Check, 'status' | 'trust'>>> }): VerdictView {
  const verdict: Verdict = result.verdict ?? (result.verified ? 'verified' : 'not-verified');
  return {
    verdict,
    verified: result.verified,
    ...HEADLINES[verdict],
    summary: result.summary ?? HEADLINES[verdict].headline,
    checks: result.checks.map(explainCheck),
  };
}

function explainCheck(check: Pick<Check, 'check' | 'ok' | 'message'> & Partial<Pick<Check, 'status' | 'trust'>>): CheckView {
  const status: CheckStatus = check.status ?? (check.ok ? 'ok' : 'failed');
  const view: CheckView = { check: check.check, title: TITLES[check.check] ?? check.check, status, label: LABELS[status], trust: check.trust };
  if (status === 'ok') {
    view.established = check.message;
    // A self-asserted key proves the credential is intact, not who issued it: say so next to the pass.
    if (check.trust === 'self-asserted') view.notEstablished = 'Who issued it: the signing key came with the credential, and nothing here ties it to the issuer.';
  } else {
    view.notEstablished = check.message;
  }
  return view;
}
