// The platform's gradebook: line items, results and the log of received scores. Route handlers and the
// public `platform.ags` API both go through these functions.
import { ltiUserId } from './profile';
import type { Core } from './state';
import { lineItemUrl } from './urls';
import type { LineItem, ReceivedScore, StoredResult, ToolRegistration } from './types';

export interface NewLineItem {
  contextId: string;
  clientId: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

export function toolOf(core: Core, clientId: string): ToolRegistration {
  const tool = core.state.tools.get(clientId);
  if (!tool) throw new Error(`unknown tool client_id ${clientId}`);
  return tool;
}

/** Creates a line item. Like the LMSs, never deduplicates: creating twice gives two columns. */
export function createLineItem(core: Core, props: NewLineItem): LineItem {
  const id = core.state.nextLineItemId++;
  const tool = toolOf(core, props.clientId);
  const item: LineItem = { ...props, id, url: lineItemUrl(core, tool, { id, contextId: props.contextId }) };
  core.state.lineItems.set(id, item);
  core.state.results.set(id, new Map());
  return item;
}

/** The gradebook column of a resource link (Moodle activities always have one). */
export function ensureLinkLineItem(core: Core, props: NewLineItem & { resourceLinkId: string }): LineItem {
  for (const item of core.state.lineItems.values()) {
    if (item.contextId === props.contextId && item.clientId === props.clientId && item.resourceLinkId === props.resourceLinkId && item.resourceId === undefined) {
      return item;
    }
  }
  return createLineItem(core, props);
}

export function lineItemsOf(core: Core, contextId: string, clientId?: string): LineItem[] {
  return [...core.state.lineItems.values()].filter((i) => i.contextId === contextId && (!clientId || i.clientId === clientId));
}

export function getLineItem(core: Core, id: number): LineItem | undefined {
  return core.state.lineItems.get(id);
}

export function deleteLineItem(core: Core, id: number): boolean {
  core.state.results.delete(id);
  return core.state.lineItems.delete(id);
}

export function resultsOf(core: Core, id: number): StoredResult[] {
  return [...(core.state.results.get(id)?.values() ?? [])];
}

/** Finds the LMS user behind an LTI user id in a course roster. */
export function memberByLtiId(core: Core, contextId: string, ltiId: string) {
  for (const member of core.state.roster(contextId).values()) {
    if (ltiUserId(core.profile, core.issuer, member) === ltiId) return member;
  }
  return undefined;
}

export interface ScoreInput {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
}

/**
 * Applies a score to the gradebook. Moodle rescales to the item's maximum (7/10 on a 50-point item is 35)
 * and clears the grade unless gradingProgress is FullyGraded; Canvas keeps the tool's values in results.
 */
export function applyScore(core: Core, item: LineItem, score: ScoreInput, userAgent?: string): ReceivedScore {
  const results = core.state.results.get(item.id) ?? new Map<string, StoredResult>();
  core.state.results.set(item.id, results);
  let resultScore: number | undefined;
  let resultMaximum = item.scoreMaximum;
  if (score.scoreGiven !== undefined && score.scoreMaximum !== undefined) {
    if (core.profile === 'moodle') resultScore = (score.scoreGiven / score.scoreMaximum) * item.scoreMaximum;
    else {
      resultScore = score.scoreGiven;
      resultMaximum = score.scoreMaximum;
    }
  }
  const graded = score.gradingProgress === 'FullyGraded';
  if (core.profile === 'moodle' && !graded) results.delete(score.userId);
  else if (resultScore !== undefined || core.profile === 'canvas') {
    const stored: StoredResult = { userId: score.userId, resultMaximum, timestamp: score.timestamp };
    if (resultScore !== undefined) stored.resultScore = resultScore;
    if (score.comment !== undefined) stored.comment = score.comment;
    results.set(score.userId, stored);
  }
  const received: ReceivedScore = { ...score, lineItemId: item.id, resultMaximum, receivedAt: new Date() };
  if (resultScore !== undefined) received.resultScore = resultScore;
  if (userAgent !== undefined) received.userAgent = userAgent;
  core.state.scores.push(received);
  return received;
}

/** The timestamp of the last accepted score of this user on this item (for Moodle's 409 rule). */
export function lastScoreTime(core: Core, itemId: number, userId: string): string | undefined {
  const previous = core.state.scores.filter((s) => s.lineItemId === itemId && s.userId === userId);
  return previous[previous.length - 1]?.timestamp;
}
