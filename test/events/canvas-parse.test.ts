import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLaurelError } from '../../src/errors';
import { parseCanvasEvent, type NormalisedEvent, type ParseResult } from '../../src/events';
import { projectRoot } from '../../src/paths';

const sharedDir = join(projectRoot, '..', 'shared', 'fixtures', 'canvas');
const haveShared = existsSync(sharedDir);
if (!haveShared) console.warn(`SKIP Canvas-format fixture tests: ${sharedDir} is absent`);
const describeShared = haveShared ? describe : describe.skip;

const shared = (name: string): unknown => JSON.parse(readFileSync(join(sharedDir, name), 'utf8'));
const caliper = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'caliper', name), 'utf8'));
const eventOf = (result: ParseResult): NormalisedEvent => {
  if (result.kind !== 'event') throw new Error(`expected an event, got ignored: ${result.reason}`);
  return result.event;
};

describeShared('Canvas format (shared fixtures)', () => {
  it('grade_change: the student from body, the course from metadata, score and points possible', () => {
    const e = eventOf(parseCanvasEvent(shared('grade_change.canvas.example.json')));
    expect(e).toMatchObject({
      type: 'score',
      origin: 'canvas',
      occurredAt: '2019-11-01T19:11:05.222Z',
      course: { lmsCourseId: '21070000000000565' },
      // body.user_id == student_id is the student; metadata.user_id (987) is the grader.
      learner: { lmsUserId: '21070000000000048' },
      assignment: { sourceKey: 'canvas:21070000000000355', externalId: '21070000000000355', pointsPossible: 1 },
      scoreGiven: 5,
      scoreMaximum: 1,
      excused: false,
    });
    expect(e.externalId).toMatch(/^grade_change:21070000000011086:2019-11-01T19:11:05.222Z:[0-9a-f]{24}$/);
  });

  it('system-generated grade_change (posting job): no user metadata, student_id wins over user_id', () => {
    const e = eventOf(parseCanvasEvent(shared('metadata.canvas.example.0.json')));
    expect(e).toMatchObject({ type: 'score', learner: { lmsUserId: '21070000000000048' }, scoreGiven: 7, scoreMaximum: 20, course: { lmsCourseId: '21070000000000565' } });
  });

  it('grade_change inside the doc record is the same event as the example file', () => {
    const record = shared('grade_change.canvas.json') as { examples: { payload: unknown }[] };
    expect(eventOf(parseCanvasEvent(record.examples[0]!.payload))).toEqual(eventOf(parseCanvasEvent(shared('grade_change.canvas.example.json'))));
  });

  it('submission_created (LTI passback): no context in metadata, no maximum, grade "Missing" is not parsed', () => {
    const e = eventOf(parseCanvasEvent(shared('submission_created.canvas.example.json')));
    expect(e).toMatchObject({
      type: 'score',
      occurredAt: '2019-11-01T19:11:21.419Z',
      course: {},
      learner: { lmsUserId: '21070000000014012' },
      assignment: { sourceKey: 'canvas:21070000001234012' },
      scoreGiven: 99.5,
      scoreMaximum: null,
      missing: false,
    });
  });

  it('submission_updated', () => {
    const e = eventOf(parseCanvasEvent(shared('submission_updated.canvas.example.json')));
    expect(e).toMatchObject({ type: 'score', course: { lmsCourseId: '21070000000000565' }, learner: { lmsUserId: '21070000000000047' }, assignment: { externalId: '21070000000000396' }, scoreGiven: 99.5 });
  });

  it('assignment_created: title, points, due date, course from body', () => {
    const e = eventOf(parseCanvasEvent(shared('assignment_created.canvas.example.json')));
    expect(e).toEqual({
      type: 'assignment',
      origin: 'canvas',
      action: 'created',
      externalId: expect.stringMatching(/^assignment_created:21070000000000371:/),
      occurredAt: '2019-11-01T19:11:11.323Z',
      course: { lmsCourseId: '21070000000000565' },
      assignment: { sourceKey: 'canvas:21070000000000371', externalId: '21070000000000371', name: 'add_new_assignment_3', pointsPossible: 100, dueAt: '2018-10-01T05:59:59.000Z' },
    });
  });

  it('assignment_updated, and workflow_state "deleted" as a deletion', () => {
    const payload = shared('assignment_updated.canvas.example.json') as { body: Record<string, unknown> };
    const e = eventOf(parseCanvasEvent(payload));
    expect(e).toMatchObject({ type: 'assignment', action: 'updated', course: { lmsCourseId: '21070000001279362' }, assignment: { name: 'A New Assignment For Today', dueAt: '2019-11-05T13:38:00.218Z' } });
    const deleted = eventOf(parseCanvasEvent({ ...payload, body: { ...payload.body, workflow_state: 'deleted' } }));
    expect(deleted).toMatchObject({ type: 'assignment', action: 'deleted' });
    expect(deleted.externalId).not.toBe(e.externalId);
  });

  it.each(['course_grade_change.canvas.example.json', 'enrollment_created.canvas.example.json', 'metadata.canvas.example.1.json', 'metadata.canvas.example.5.json'])(
    'acknowledges and ignores %s',
    (file) => {
      expect(parseCanvasEvent(shared(file))).toMatchObject({ kind: 'ignored', reason: 'event type not used by Laurel' });
    },
  );

  it('ignores a muted (unposted) grade, which Canvas re-sends when posted', () => {
    const payload = shared('grade_change.canvas.example.json') as { metadata: object; body: object };
    expect(parseCanvasEvent({ ...payload, body: { ...payload.body, muted: true } })).toMatchObject({ kind: 'ignored' });
  });

  it('the same delivery twice has the same external id; a regrade has another', () => {
    const a = eventOf(parseCanvasEvent(shared('grade_change.canvas.example.json')));
    const b = eventOf(parseCanvasEvent(shared('grade_change.canvas.example.json')));
    const payload = shared('grade_change.canvas.example.json') as { metadata: object; body: object };
    const c = eventOf(parseCanvasEvent({ ...payload, body: { ...payload.body, score: 1 } }));
    expect(a.externalId).toBe(b.externalId);
    expect(c.externalId).not.toBe(a.externalId);
  });
});

describe('Caliper 1.1 format', () => {
  it('GradeEvent: assignee, assignable, generated.scoreGiven/maxScore, the event id as external id', () => {
    expect(eventOf(parseCanvasEvent(caliper('grade_change.caliper.json')))).toEqual({
      type: 'score',
      origin: 'canvas',
      externalId: 'urn:uuid:319f0132-0584-4efd-9489-4959b7101731',
      occurredAt: '2019-11-01T19:11:05.222Z',
      course: { lmsCourseId: '21070000000000565' },
      learner: { lmsUserId: '21070000000000048' },
      assignment: { sourceKey: 'canvas:21070000000000355', externalId: '21070000000000355', pointsPossible: 1 },
      scoreGiven: 5,
      scoreMaximum: 1,
      excused: false,
      missing: false,
    });
  });

  it.each([
    ['assignment_created.caliper.json', 'created', '21070000000000371', 'add_new_assignment_3'],
    ['assignment_updated.caliper.json', 'updated', '21070000002030605', 'A New Assignment For Today'],
    ['assignment_deleted.caliper.json', 'deleted', '21070000002030605', 'A New Assignment For Today'],
  ])('%s is an assignment %s', (file, action, id, name) => {
    expect(eventOf(parseCanvasEvent(caliper(file)))).toMatchObject({ type: 'assignment', action, assignment: { externalId: id, name, pointsPossible: 100 } });
  });

  it.each(['submission_created.caliper.json', 'submission_updated.caliper.json'])('acknowledges %s without a score and ignores it', (file) => {
    expect(parseCanvasEvent(caliper(file))).toMatchObject({ kind: 'ignored' });
  });

  it('takes the raw id from the URN when the extension is absent', () => {
    const env = caliper('grade_change.caliper.json') as { data: { object: { assignee: { extensions?: unknown } } }[] };
    delete env.data[0]!.object.assignee.extensions;
    expect(eventOf(parseCanvasEvent(env))).toMatchObject({ learner: { lmsUserId: '21070000000000048' } });
  });
});

describe('malformed Canvas deliveries', () => {
  it.each([
    ['not an event', { hello: 'world' }],
    ['grade_change without assignment', { metadata: { event_name: 'grade_change', event_time: '2019-11-01T19:11:05Z' }, body: { score: 1 } }],
    ['bad time', { metadata: { event_name: 'grade_change', event_time: 'yesterday' }, body: { assignment_id: '1', student_id: '2', score: 1 } }],
    ['score as a string', { metadata: { event_name: 'grade_change', event_time: '2019-11-01T19:11:05Z' }, body: { assignment_id: '1', student_id: '2', score: '5' } }],
    ['Caliper with no data', { dataVersion: 'http://purl.imsglobal.org/ctx/caliper/v1p1', data: [] }],
  ])('%s is ERR_EVENT_MALFORMED', (_name, input) => {
    let error: unknown;
    try {
      parseCanvasEvent(input);
    } catch (e) {
      error = e;
    }
    expect(isLaurelError(error, 'ERR_EVENT_MALFORMED')).toBe(true);
  });
});

describe('Canvas dedupe key', () => {
  // A retried delivery must get the same key across Laurel versions (one that straddles a deploy too),
  // so the digest is pinned: a change to how it is computed would store a retry twice.
  it('is the same for the same event as every earlier version computed it', () => {
    const delivery = {
      metadata: { event_name: 'grade_change', event_time: '2026-12-07T03:00:00.123Z', context_type: 'Course', context_id: '21070000000000565', request_id: 'r-1' },
      body: { assignment_id: '21070000000000355', submission_id: '21070000000011086', student_id: '21070000000000048', user_id: '21070000000000048', score: 5, points_possible: 10, grade: '5', muted: false },
    };
    expect(eventOf(parseCanvasEvent(delivery)).externalId).toBe('grade_change:21070000000011086:2026-12-07T03:00:00.123Z:7a5c56f96b88e3e58375bd9f');
    // Any change to the event changes the key.
    expect(eventOf(parseCanvasEvent({ ...delivery, body: { ...delivery.body, score: 6 } })).externalId).not.toBe('grade_change:21070000000011086:2026-12-07T03:00:00.123Z:7a5c56f96b88e3e58375bd9f');
  });
});
