import { randomBytes } from 'node:crypto';
import type { CredentialFacts, IssuerProfile } from '../../../src/credentials/builder';

/** Deterministic pseudo-random generator so a failing random case can be replayed by seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ['"quoted"', 'back\\slash', 'new\nline', 'tab\tand\r', 'émoji 🎓', '<b>html</b>', 'a & b', ' spaced ', '', '日本語', 'urn:x-not-ph', '_:b0', '@id'];

export function randomText(next: () => number, max = 40): string {
  if (next() < 0.3) return NASTY[Math.floor(next() * NASTY.length)];
  const len = 1 + Math.floor(next() * max);
  let out = '';
  for (let i = 0; i < len; i++) out += String.fromCharCode(32 + Math.floor(next() * 95));
  return out;
}

export function sampleFacts(issuer: IssuerProfile, overrides: Partial<CredentialFacts> = {}): CredentialFacts {
  return {
    id: 'http://localhost:3000/credentials/6f1c1d1e-0000-4000-8000-000000000001',
    issuer,
    achievement: {
      id: 'http://localhost:3000/achievements/3b0f4c1e-0000-4000-8000-000000000002',
      name: 'Quiz 2 Master',
      description: 'Scored at least 80% on Quiz 2.',
      criteria: { narrative: 'Score 80% or more on Quiz 2 of Biology 101.' },
      image: { id: 'http://localhost:3000/achievements/3b0f4c1e-0000-4000-8000-000000000002/image', caption: 'Quiz 2 Master badge' },
      alignments: [{ targetName: 'Cell biology', targetUrl: 'https://example.org/frameworks/bio/cells', targetFramework: 'Bio framework', targetCode: 'BIO.1' }],
      resultDescription: { id: 'http://localhost:3000/achievements/3b0f4c1e-0000-4000-8000-000000000002#score', name: 'Score', resultType: 'Percent', requiredValue: '80' },
    },
    recipient: { email: 'Ada@Example.edu', salt: randomBytes(16).toString('hex'), lti: { userId: 'user-42', contextId: 'ctx-7', platformId: 'https://canvas.example.edu' } },
    result: { value: '86.5' },
    evidence: [{ id: 'http://localhost:3000/evidence/quiz-2', name: 'Quiz 2', narrative: 'Scored 86.5% on 2026-11-20.' }],
    validFrom: new Date('2026-11-20T10:00:00Z'),
    validUntil: new Date('2027-11-20T10:00:00Z'),
    awardedDate: new Date('2026-11-20T09:59:00Z'),
    ...overrides,
  };
}

/** Random facts of varying shape: optional members come and go, strings are hostile. */
export function randomFacts(issuer: IssuerProfile, seed: number): CredentialFacts {
  const next = rng(seed);
  const base = sampleFacts(issuer);
  const pick = () => next() < 0.5;
  const uuid = () => Array.from({ length: 4 }, () => Math.floor(next() * 0xffffffff).toString(16).padStart(8, '0')).join('-');
  const achievementId = `http://localhost:3000/achievements/${uuid()}`;
  return {
    ...base,
    id: `http://localhost:3000/credentials/${uuid()}`,
    name: pick() ? randomText(next) : undefined,
    description: pick() ? randomText(next, 200) : undefined,
    achievement: {
      id: achievementId,
      name: randomText(next),
      description: randomText(next, 200),
      criteria: { narrative: randomText(next, 300) },
      image: pick() ? { id: `${achievementId}/image`, caption: pick() ? randomText(next) : undefined } : undefined,
      alignments: pick() ? Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({ targetName: randomText(next), targetUrl: `https://example.org/f/${uuid()}`, targetCode: pick() ? randomText(next, 8) : undefined })) : undefined,
      resultDescription: { id: `${achievementId}#score`, name: randomText(next), resultType: 'Percent', requiredValue: String(Math.floor(next() * 100)) },
    },
    recipient: { email: `${uuid()}@example.edu`, salt: uuid(), lti: pick() ? { userId: randomText(next, 20), contextId: pick() ? randomText(next, 20) : undefined } : undefined },
    result: pick() ? { value: (next() * 100).toFixed(1) } : undefined,
    evidence: pick() ? [{ name: randomText(next), narrative: pick() ? randomText(next, 100) : undefined, id: pick() ? `https://lms.example.edu/a/${uuid()}` : undefined }] : undefined,
    validUntil: pick() ? new Date(Date.UTC(2027, 0, 1 + Math.floor(next() * 300))) : undefined,
  };
}
