import type { Assignment } from '../../src/courses';
import { parseBadgeForm, valuesFromAchievement } from '../../src/ui/badge-form';
import { CsrfTokens } from '../../src/http';
import { awardsCsv } from '../../src/ui/csv';

const assignment = (id: string, name: string, points: number | null): Assignment =>
  ({ id, name, points_possible: points === null ? null : String(points), course_id: 'c', source_key: `api:${id}`, due_at: null, deleted_at: null, created_at: new Date(), updated_at: new Date() });
const assignments = [assignment('11111111-1111-4111-8111-111111111111', 'Quiz 2', 50), assignment('22222222-2222-4222-8222-222222222222', 'Project', null)];
const badge = { id: '33333333-3333-4333-8333-333333333333' };
const base = { name: 'Quiz master', description: 'Did well.', criteria: '80% on Quiz 2.' };

describe('the badge form', () => {
  it('gives a message per missing field', () => {
    const { draft, errors } = parseBadgeForm({ values: {}, assignments, badges: [] });
    expect(draft).toBeUndefined();
    expect(errors).toMatchObject({ name: 'Enter a name.', description: 'Enter a description.', criteria: 'Enter the criteria learners must meet.' });
  });

  it('builds a single score rule, a generated SVG image and an alignment', () => {
    const { draft, errors } = parseBadgeForm({
      values: { ...base, color: '#123456', shape: 'hexagon', initials: 'QM', ruleAssignment0: assignments[0]!.id, ruleMin0: '80', ruleUnit0: 'percent', alignName: 'Statistics', alignUrl: 'https://example.edu/s', validForDays: '365' },
      assignments, badges: [],
    });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual({ kind: 'score', assignmentId: assignments[0]!.id, minPercent: 80 });
    expect(draft!.alignments).toEqual([{ targetName: 'Statistics', targetUrl: 'https://example.edu/s' }]);
    expect(draft!.validForDays).toBe(365);
    const svg = Buffer.from(draft!.image!.replace('data:image/svg+xml;base64,', ''), 'base64').toString();
    expect(svg).toContain('#123456');
    expect(svg).toContain('QM');
  });

  it('combines rows any-of, with points and badges-from-badges', () => {
    const { draft, errors } = parseBadgeForm({
      values: { ...base, ruleMode: 'anyOf', ruleAssignment0: assignments[0]!.id, ruleMin0: '40', ruleUnit0: 'points', ruleAssignment1: assignments[1]!.id, ruleMin1: '70', ruleBadges0: [badge.id, 'not-in-course'], ruleBadgesMin0: '1' },
      assignments, badges: [badge],
    });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual({ kind: 'anyOf', rules: [
      { kind: 'score', assignmentId: assignments[0]!.id, minPoints: 40 },
      { kind: 'score', assignmentId: assignments[1]!.id, minPercent: 70 },
      { kind: 'badges', achievementIds: [badge.id], min: 1 },
    ] });
  });

  it('refuses thresholds beyond the assignment, unknown assignments and half-filled alignments', () => {
    const { errors } = parseBadgeForm({
      values: { ...base, ruleAssignment0: assignments[0]!.id, ruleMin0: '60', ruleUnit0: 'points', ruleAssignment1: 'elsewhere', ruleMin1: '10', ruleAssignment2: assignments[1]!.id, ruleMin2: '120', alignName: 'Stats' },
      assignments, badges: [],
    });
    expect(errors).toEqual({ ruleMin0: 'This assignment is worth 50 points.', ruleAssignment1: 'Choose an assignment of this course.', ruleMin2: 'A percentage is at most 100.', alignUrl: 'Enter the web address that describes the skill.' });
  });

  it('validates and sanitises an uploaded image', () => {
    const bad = parseBadgeForm({ values: { ...base, imageMode: 'upload' }, file: { bytes: Buffer.from('hello') }, assignments, badges: [] });
    expect(bad.errors.imageFile).toBe('Upload a PNG or an SVG image.');
    const good = parseBadgeForm({ values: { ...base, imageMode: 'upload' }, file: { bytes: Buffer.from('<svg><script>x</script><rect/></svg>') }, assignments, badges: [] });
    expect(Buffer.from(good.draft!.image!.split(',')[1]!, 'base64').toString()).toBe('<svg><rect/></svg>');
  });
});

describe('CSRF tokens', () => {
  const session = { platformId: 'p', courseId: 'c', learnerId: 'l', roles: ['instructor' as const] };
  it('match only the session they were made for, and only with the same secret', () => {
    const tokens = new CsrfTokens('x'.repeat(40));
    const token = tokens.tokenFor(session);
    expect(tokens.matches(session, token)).toBe(true);
    expect(tokens.matches({ ...session, learnerId: 'other' }, token)).toBe(false);
    expect(tokens.matches(session, undefined)).toBe(false);
    expect(tokens.matches(session, `${token.slice(0, -1)}A`)).toBe(token.endsWith('A'));
    expect(new CsrfTokens('y'.repeat(40)).matches(session, token)).toBe(false);
  });
});

describe('awards CSV', () => {
  it('quotes cells and neutralises spreadsheet formulas', () => {
    const csv = awardsCsv([{ id: 'a', achievementId: 'b', courseId: 'c', status: 'issued', credentialId: 'cred', score: 91, awardedAt: new Date('2026-01-02T03:04:05Z'), learner: { id: 'l', email: 'x@example.com', name: '=HYPERLINK("http://evil")' } }], 'https://laurel.example');
    expect(csv.split('\r\n')[1]).toBe('"\'=HYPERLINK(""http://evil"")",x@example.com,issued,2026-01-02T03:04:05.000Z,91,https://laurel.example/credentials/cred');
  });
});

describe('editing a badge', () => {
  const row = (rule: unknown) => ({ name: 'N', description: 'D', criteria_narrative: 'C', primary_color: '#101010', alignments: [], valid_for_days: 30, rule }) as never;

  it('shows a rule in the builder rows and reads the same rule back', () => {
    const rule = { kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'quiz-2', minPercent: 80 }, { kind: 'score', assignmentId: assignments[1]!.id, minPoints: 7 }] };
    const quiz = { ...assignments[0]!, source_key: 'api:quiz-2' };
    const { values, unsupported } = valuesFromAchievement(row(rule), [quiz, assignments[1]!]);
    expect(unsupported).toBe(false);
    expect(values).toMatchObject({ imageMode: 'keep', ruleMode: 'allOf', ruleAssignment0: quiz.id, ruleMin0: '80', ruleUnit0: 'percent', ruleUnit1: 'points', validForDays: '30' });
    const { draft, errors } = parseBadgeForm({ values, assignments: [quiz, assignments[1]!], badges: [] });
    expect(errors).toEqual({});
    expect(draft!.image).toBeUndefined();
    expect(draft!.rule).toEqual({ kind: 'allOf', rules: [{ kind: 'score', assignmentId: quiz.id, minPercent: 80 }, { kind: 'score', assignmentId: assignments[1]!.id, minPoints: 7 }] });
  });

  it('flags rules nested deeper than the builder shows', () => {
    const nested = { kind: 'anyOf', rules: [{ kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'a', minPercent: 1 }] }] };
    expect(valuesFromAchievement(row(nested), assignments).unsupported).toBe(true);
  });
});
