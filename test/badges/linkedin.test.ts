import { linkedInAddToProfile } from '../../src/badges';

describe('linkedInAddToProfile: the one LinkedIn "Add to profile" link', () => {
  const base = { name: 'Pass Q1 & more', issuerName: 'Example U', issuedAt: new Date('2026-03-15T10:00:00Z'), url: 'https://laurel.example/credentials/c1', id: 'c1' };

  it('names the certification, the issuer, the issue month and the credential page', () => {
    const url = new URL(linkedInAddToProfile({ ...base, validUntil: null }));
    expect(`${url.origin}${url.pathname}`).toBe('https://www.linkedin.com/profile/add');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      startTask: 'CERTIFICATION_NAME', name: 'Pass Q1 & more', organizationName: 'Example U', issueYear: '2026', issueMonth: '3',
      certUrl: 'https://laurel.example/credentials/c1', certId: 'c1',
    });
  });

  it('adds the expiry when the credential has one, and prefers a LinkedIn organisation id to the name', () => {
    const url = new URL(linkedInAddToProfile({ ...base, validUntil: new Date('2027-01-31T23:00:00Z'), organizationId: '12345' }));
    expect(url.searchParams.get('expirationYear')).toBe('2027');
    expect(url.searchParams.get('expirationMonth')).toBe('1');
    expect(url.searchParams.get('organizationId')).toBe('12345');
    expect(url.searchParams.has('organizationName')).toBe(false);
  });
});
