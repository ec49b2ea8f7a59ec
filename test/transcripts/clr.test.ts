import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClrCredential, CLR_CONTEXT, EXPIRED_TAG, type ClrBadge, type ClrFacts } from '../../src/transcripts';
import { clrSchemaValidator, clrSpecDir, describeWithClrSpec } from './support';

const course = 'https://laurel.test/courses/c1';
function badge(n: number, status: ClrBadge['status'], credential: Record<string, unknown> = { id: `https://laurel.test/credentials/${n}`, type: ['VerifiableCredential', 'OpenBadgeCredential'] }): ClrBadge {
  return { credential, achievementId: `https://laurel.test/achievements/${n}`, name: `Badge ${n}`, description: 'd', criteriaNarrative: 'c', courseAchievementId: course, status };
}
function facts(badges: ClrBadge[], extra: Partial<ClrFacts> = {}): ClrFacts {
  return {
    id: 'urn:uuid:5d0c4e9e-0000-4000-8000-000000000001', name: 'Chemistry: learner record',
    issuer: { id: 'did:web:laurel.test', type: ['Profile'], name: 'Laurel U' }, now: new Date('2026-03-01T10:00:00.123Z'),
    learner: { subjectId: 'urn:uuid:learner-1', email: ' Ada@Example.edu ', salt: 'abcd', lti: { userId: 'u1' } },
    courses: [{ id: course, name: 'Chemistry', assessments: [{ id: `${course}/assessments/q1`, name: 'Quiz 1' }] }],
    badges, precedes: [{ from: 'https://laurel.test/achievements/1', to: 'https://laurel.test/achievements/2' }], ...extra,
  };
}

describe('buildClrCredential', () => {
  it.each([
    { name: 'all issued', statuses: ['issued', 'issued'] as const, includeExpired: false, embedded: 2, partial: undefined, precedes: 1 },
    { name: 'one revoked', statuses: ['issued', 'revoked'] as const, includeExpired: false, embedded: 1, partial: true, precedes: 0 },
    { name: 'one revoked even when expired are asked for', statuses: ['revoked', 'issued'] as const, includeExpired: true, embedded: 1, partial: true, precedes: 0 },
    { name: 'one expired, not asked for', statuses: ['issued', 'expired'] as const, includeExpired: false, embedded: 1, partial: true, precedes: 0 },
    { name: 'one expired, asked for', statuses: ['issued', 'expired'] as const, includeExpired: true, embedded: 2, partial: undefined, precedes: 1 },
  ])('$name', ({ statuses, includeExpired, embedded, partial, precedes }) => {
    const built = buildClrCredential(facts(statuses.map((s, i) => badge(i + 1, s)), { includeExpired }))!;
    const subject = built.credential.credentialSubject as { verifiableCredential: unknown[]; association: { associationType: string }[]; achievement: { tag?: string[] }[] };
    expect(subject.verifiableCredential).toHaveLength(embedded);
    expect(built.credential.partial).toBe(partial);
    expect(subject.association.filter((a) => a.associationType === 'precedes')).toHaveLength(precedes);
    expect(subject.achievement.some((a) => a.tag?.includes(EXPIRED_TAG))).toBe(includeExpired && (statuses as readonly string[]).includes('expired'));
  });

  it('returns undefined when nothing is left to embed', () => {
    expect(buildClrCredential(facts([badge(1, 'revoked'), badge(2, 'expired')]))).toBeUndefined();
  });

  it('embeds credentials by reference-equal value, hashes the normalised email, and uses seconds-precision dates', () => {
    const credential = { id: 'https://laurel.test/credentials/9', proof: [{ type: 'DataIntegrityProof' }] };
    const built = buildClrCredential(facts([badge(1, 'issued', credential)]))!;
    const subject = built.credential.credentialSubject as { verifiableCredential: unknown[]; identifier: { identityHash: string }[] };
    expect(subject.verifiableCredential[0]).toBe(credential);
    expect(subject.identifier[0]!.identityHash).toBe(`sha256$${createHash('sha256').update('ada@example.eduabcd').digest('hex')}`);
    expect(built.credential.validFrom).toBe('2026-03-01T10:00:00Z');
    expect(built.credential['@context'].slice(0, 3)).toEqual(['https://www.w3.org/ns/credentials/v2', CLR_CONTEXT, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
  });
});

describeWithClrSpec('buildClrCredential against the official schema', () => {
  it('validates with the 1EdTech vector badge embedded, and the schema rejects a CLR without credentials', () => {
    const vector = JSON.parse(readFileSync(join(clrSpecDir, 'test-vectors', 'clr-signed-credential.json'), 'utf8')) as { credentialSubject: { verifiableCredential: Record<string, unknown>[] } };
    const built = buildClrCredential(facts([badge(1, 'issued', vector.credentialSubject.verifiableCredential[0]!), badge(2, 'revoked')]))!;
    const validate = clrSchemaValidator();
    expect(validate(built.credential)).toEqual([]);
    const broken = { ...built.credential, credentialSubject: { ...built.credential.credentialSubject, verifiableCredential: [] } };
    expect(validate(broken).length).toBeGreaterThan(0);
  });
});
