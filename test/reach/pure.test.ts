// Pure reach logic: the gradebook score and comment, the email, and the signed links.
import { gradebookFeedback, issuedEmail, sameFeedback, signLink, verifyLink } from '../../src/reach';

describe('gradebook feedback', () => {
  it.each([
    { published: 4, held: 2, score: [2, 4], header: 'Badges from Laurel (2 of 4):' },
    { published: 3, held: 0, score: [0, 3], header: 'No badges from Laurel yet (0 of 3).' },
    { published: 1, held: 1, score: [1, 1], header: 'Badges from Laurel (1 of 1):' },
  ])('$held of $published published badges', ({ published, held, score, header }) => {
    const badges = Array.from({ length: held }, (_, i) => ({ name: `Badge ${i}`, url: `https://laurel.example/credentials/${i}` }));
    const feedback = gradebookFeedback({ publishedCount: published, held: badges })!;
    expect([feedback.scoreGiven, feedback.scoreMaximum]).toEqual(score);
    expect(feedback.comment.split('\n')[0]).toBe(header);
    expect(feedback.comment.split('\n').slice(1)).toEqual(badges.map((b) => `- ${b.name}: ${b.url}`));
  });

  it('posts nothing for a course without published badges, lists hidden badges without a link, bounds the comment', () => {
    expect(gradebookFeedback({ publishedCount: 0, held: [] })).toBeUndefined();
    expect(gradebookFeedback({ publishedCount: 2, held: [{ name: 'Private one' }] })!.comment).toBe('Badges from Laurel (1 of 2):\n- Private one');
    const many = Array.from({ length: 300 }, (_, i) => ({ name: `A long badge name number ${i}`, url: `https://laurel.example/credentials/${'x'.repeat(36)}` }));
    expect(gradebookFeedback({ publishedCount: 300, held: many })!.comment.length).toBeLessThanOrEqual(4000);
  });

  it('compares what the gradebook shows, whatever the numeric type stored', () => {
    const f = gradebookFeedback({ publishedCount: 2, held: [{ name: 'A' }] })!;
    expect(sameFeedback(f, { scoreGiven: 1, scoreMaximum: 2, comment: f.comment })).toBe(true);
    expect(sameFeedback(f, { scoreGiven: 0, scoreMaximum: 2, comment: f.comment })).toBe(false);
  });
});

describe('the issuance email', () => {
  const facts = {
    learnerName: 'Sam <b>Student</b>', to: 'sam@example.edu', from: 'Laurel <laurel@example.edu>',
    badge: { name: 'Cells\r\nBcc: evil@example.com', description: 'Knows <cells> & more.', criteria: '80% or more.', imageUrl: 'https://laurel.example/achievements/a/image' },
    courseTitle: 'Biology', issuerName: 'Example University',
    links: { view: 'https://l/credentials/c', download: 'https://l/credentials/c/badge.png', share: 'https://l/credentials/c/linkedin', wallet: 'https://l/lti/courses/x/learner#achievement-a', unsubscribe: 'https://l/reach/unsubscribe/t', openPixel: 'https://l/reach/open/t.gif' },
  };

  it('has text and HTML with every link, escaped, and RFC 8058 one-click headers', () => {
    const message = issuedEmail(facts);
    expect(message.subject).toBe('You earned a badge: Cells Bcc: evil@example.com');
    expect(message.subject).not.toMatch(/[\r\n]/);
    for (const link of Object.values(facts.links).filter((l) => !l.endsWith('.gif'))) {
      expect(message.text).toContain(link);
      expect(message.html).toContain(`href="${link}"`);
    }
    expect(message.html).toContain('Knows &lt;cells&gt; &amp; more.');
    expect(message.html).toContain('Hello Sam &lt;b&gt;Student&lt;/b&gt;,');
    expect(message.html).toContain('alt="Badge image: Cells Bcc: evil@example.com"');
    expect(message.html).toContain('<html lang="en">');
    expect(message.headers).toEqual({ 'List-Unsubscribe': '<https://l/reach/unsubscribe/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' });
  });
});

describe('signed links', () => {
  const secret = 'x'.repeat(40);
  const id = '3f2c1f4e-8a8b-4c55-9d8e-0a1b2c3d4e5f';

  it('verify for their purpose and id only', () => {
    const token = signLink(secret, 'unsubscribe', id);
    expect(verifyLink(secret, 'unsubscribe', token)).toBe(id);
    expect(verifyLink(secret, 'open', token)).toBeUndefined();
    expect(verifyLink('y'.repeat(40), 'unsubscribe', token)).toBeUndefined();
    const other = '3f2c1f4e-8a8b-4c55-9d8e-0a1b2c3d4e50';
    expect(verifyLink(secret, 'unsubscribe', `${other}.${token.split('.')[1]}`)).toBeUndefined();
    expect(verifyLink(secret, 'unsubscribe', `${id}.AAAAAAAAAAAAAAAAAAAAAAAA`)).toBeUndefined();
    expect(verifyLink(secret, 'unsubscribe', 'garbage')).toBeUndefined();
  });
});
