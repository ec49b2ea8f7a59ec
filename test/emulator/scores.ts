// AGS scores and results. Moodle (05-ags.json, 07-errors.json): 200 with an empty body, scores rescaled
// to the item's maximum, 409 for a timestamp not newer than the stored one (second resolution), 400 with the
// request body in the reason for bad or non-gradable scores, `?limit` on results crashing with an HTML 404.
// Canvas: 200 `{resultUrl}`, 422 for a user who is not a student of the course.
import type { Request, Response, Router } from 'express';
import { acceptOk, contentTypeOk, ownItem, serviceAuth } from './ags-access';
import { applyScore, lastScoreTime, memberByLtiId, resultsOf, type ScoreInput } from './gradebook';
import { errorPage } from './html';
import { isLearner, SCOPES } from './profile';
import { MEDIA, canvasError, intParam, moodleError, sendMedia } from './service';
import type { Core } from './state';
import { subResource } from './urls';
import type { LineItem } from './types';

/** Moodle's result timestamps: second precision with an explicit offset (`2026-11-22T07:26:45+00:00`). */
const moodleTime = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');

function parseScore(body: unknown): ScoreInput | undefined {
  const b = (body ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  if (typeof b.userId !== 'string' && typeof b.userId !== 'number') return undefined;
  if (typeof b.activityProgress !== 'string' || typeof b.gradingProgress !== 'string' || typeof b.timestamp !== 'string') return undefined;
  if (Number.isNaN(Date.parse(b.timestamp))) return undefined;
  const scoreGiven = num(b.scoreGiven);
  const scoreMaximum = num(b.scoreMaximum);
  if (scoreGiven !== undefined && (scoreMaximum === undefined || scoreMaximum <= 0)) return undefined;
  const score: ScoreInput = { userId: String(b.userId), activityProgress: b.activityProgress, gradingProgress: b.gradingProgress, timestamp: b.timestamp };
  if (scoreGiven !== undefined) score.scoreGiven = scoreGiven;
  if (scoreMaximum !== undefined) score.scoreMaximum = scoreMaximum;
  if (typeof b.comment === 'string') score.comment = b.comment;
  return score;
}

function moodleScoreError(req: Request, res: Response, status: number, reason: string): void {
  res.statusMessage = reason.replace(/[^\t\x20-\x7e]/g, '');
  res.status(status).set('Content-Type', `${MEDIA.score}; charset=utf-8`).send('[]');
}

function postScore(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, [SCOPES.score]);
  if (!tool) return;
  if (!contentTypeOk(core, req, res, MEDIA.score, `/${req.params.courseId}/lineitems/${req.params.itemId}/lineitem/scores`)) return;
  const item = ownItem(core, req, res, tool);
  if (!item) return;
  const score = parseScore(req.body);
  const member = score && memberByLtiId(core, item.contextId, score.userId);
  const gradable = member !== undefined && isLearner(member.roles);
  if (core.profile === 'moodle') {
    if (!score || !gradable) return moodleScoreError(req, res, 400, `Incorrect score received${JSON.stringify(req.body ?? {})}`);
    const previous = lastScoreTime(core, item.id, score.userId);
    if (previous && Math.floor(Date.parse(score.timestamp) / 1000) <= Math.floor(Date.parse(previous) / 1000)) {
      return moodleScoreError(req, res, 409, `Refusing score with an earlier timestamp for item ${item.id} and user ${score.userId}`);
    }
    applyScore(core, item, score, req.get('user-agent'));
    res.status(200).set('Content-Type', `${MEDIA.score}; charset=utf-8`).end();
    return;
  }
  if (!score) return canvasError(res, 400, 'bad_request', 'userId, activityProgress, gradingProgress and timestamp are required; scoreMaximum with scoreGiven');
  if (!gradable) return canvasError(res, 422, 'unprocessable_entity', 'User not found in course or is not a student');
  const previous = lastScoreTime(core, item.id, score.userId);
  if (previous && Date.parse(score.timestamp) < Date.parse(previous)) {
    return canvasError(res, 400, 'bad_request', `Provided timestamp of ${score.timestamp} before last updated timestamp of ${previous}`);
  }
  applyScore(core, item, score, req.get('user-agent'));
  res.status(200).json({ resultUrl: `${item.url}/results/${encodeURIComponent(score.userId)}` });
}

function resultJson(core: Core, item: LineItem, r: ReturnType<typeof resultsOf>[number]): Record<string, unknown> {
  if (core.profile === 'moodle') {
    const out: Record<string, unknown> = { id: `${subResource(item.url, 'results')}&user_id=${r.userId}`, userId: r.userId, resultScore: r.resultScore, resultMaximum: r.resultMaximum };
    if (r.comment !== undefined) out.comment = r.comment;
    return { ...out, scoreOf: item.url, timestamp: moodleTime(r.timestamp) };
  }
  const out: Record<string, unknown> = { id: `${item.url}/results/${encodeURIComponent(r.userId)}`, scoreOf: item.url, userId: r.userId };
  if (r.resultScore !== undefined) out.resultScore = r.resultScore;
  out.resultMaximum = r.resultMaximum;
  if (r.comment !== undefined) out.comment = r.comment;
  return out;
}

function getResults(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, [SCOPES.resultReadonly]);
  if (!tool) return;
  if (!acceptOk(core, req, res, MEDIA.resultContainer, `/${req.params.courseId}/lineitems/${req.params.itemId}/lineitem/results`)) return;
  const item = ownItem(core, req, res, tool);
  if (!item) return;
  const limit = intParam(req.query.limit);
  if (core.profile === 'moodle' && limit !== undefined && typeof req.query.type_id === 'string') {
    // Moodle 4.5 crashes on results paging when type_id is present (recorded): an HTML 404 page.
    res.status(404).type('html').send(errorPage('Exception - Call to a member function out() on null'));
    return;
  }
  const userFilter = typeof req.query.user_id === 'string' ? req.query.user_id : undefined;
  let results = resultsOf(core, item.id).filter((r) => !userFilter || r.userId === userFilter);
  if (limit) results = results.slice(0, limit);
  sendMedia(core, res, 200, MEDIA.resultContainer, results.map((r) => resultJson(core, item, r)));
}

function scoresNotAllowed(core: Core, req: Request, res: Response): void {
  if (core.profile === 'moodle') moodleError(req, res, 405, 'Method Not Allowed');
  else canvasError(res, 405, 'method_not_allowed', 'GET is not supported on scores');
}

/** Canvas: one result, at the `resultUrl` a score POST answers with. */
function getResult(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, [SCOPES.resultReadonly]);
  const item = tool && ownItem(core, req, res, tool);
  if (!item) return;
  const result = resultsOf(core, item.id).find((r) => r.userId === req.params.userId);
  if (!result) return canvasError(res, 404, 'not_found', 'Result not found');
  sendMedia(core, res, 200, MEDIA.resultContainer, resultJson(core, item, result));
}

export function registerScoreRoutes(core: Core, router: Router, itemPath: string): void {
  router.post(`${itemPath}/scores`, (req, res) => postScore(core, req, res));
  router.get(`${itemPath}/scores`, (req, res) => scoresNotAllowed(core, req, res));
  router.get(`${itemPath}/results`, (req, res) => getResults(core, req, res));
  if (core.profile === 'canvas') router.get(`${itemPath}/results/:userId`, (req, res) => getResult(core, req, res));
}
