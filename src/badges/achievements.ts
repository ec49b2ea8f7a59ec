import { sql, type Selectable } from 'kysely';
import { findCourse, isUuid } from '../courses';
import { audit } from '../audit';
import { LaurelError } from '../errors';
import type { AnyDb } from '../db';
import { badgeImageFromDataUri, type BadgeImageType } from '../images';
import { parseRuleNode } from '../rules';
import { badgesDb, urls, type BadgesDeps } from './deps';
import type { RuleSpec } from './schema';
import type { AchievementStatus, AlignmentValue, BadgeTables, BadgesDb } from './tables';

/** An achievement without its uploaded image bytes (those load only where served: `achievementImage`). */
export type AchievementRow = Omit<Selectable<BadgeTables['achievements']>, 'image_bytes'>;
type AchievementColumn = Exclude<keyof BadgeTables['achievements'], 'image_bytes'>;

const COLUMNS: readonly AchievementColumn[] = [
  'id', 'course_id', 'issuer_id', 'name', 'description', 'criteria_narrative', 'image_mime', 'image_url', 'primary_color',
  'secondary_color', 'alignments', 'required_percent', 'valid_for_days', 'rule', 'rule_version', 'status', 'created_at', 'updated_at',
];

export interface CreateAchievementProps {
  courseId: string;
  name: string;
  description: string;
  criteriaNarrative: string;
  /** An http(s) URL or a base64 PNG/SVG data URI (validated by the caller's schema). */
  image?: string;
  colors?: { primary: string; secondary?: string };
  alignments?: AlignmentValue[];
  requiredPercent?: number;
  validForDays?: number;
  rule?: RuleSpec;
  status?: Extract<AchievementStatus, 'draft' | 'published'>;
  issuerId?: string;
  actor: string;
}

export async function createAchievement(deps: BadgesDeps, props: CreateAchievementProps): Promise<AchievementRow> {
  const db = badgesDb(deps.db);
  const course = await findCourse(db, props.courseId);
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No course has this id.', { details: { courseId: props.courseId } });
  const rule = props.rule === undefined ? undefined : parseRuleNode(props.rule);
  const image = parseImage(props.image);
  // Issuers per institution: the course's platform decides which issuer signs (src/credentials/institution.ts).
  const issuerId = props.issuerId ?? (await deps.credentials.issuerIdFor(deps.db, { platformId: course.platform_id }));
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('achievements')
      .values({
        course_id: course.id,
        issuer_id: issuerId,
        name: props.name,
        description: props.description,
        criteria_narrative: props.criteriaNarrative,
        image_bytes: image.bytes,
        image_mime: image.mime,
        image_url: image.url,
        primary_color: props.colors?.primary ?? null,
        secondary_color: props.colors?.secondary ?? null,
        alignments: JSON.stringify(props.alignments ?? []),
        required_percent: props.requiredPercent ?? thresholdOf(rule),
        valid_for_days: props.validForDays ?? null,
        rule: rule ? JSON.stringify(rule) : null,
        status: props.status ?? 'published',
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    await audit<BadgesDb>(trx, { actor: props.actor, action: 'achievement.create', subjectType: 'achievement', subjectId: row.id, courseId: course.id, details: { name: row.name } });
    return row;
  });
}

/** The threshold a single score rule sets, shown as the achievement's ResultDescription. */
function thresholdOf(rule: RuleSpec | undefined): number | null {
  return rule?.kind === 'score' ? (rule.minPercent ?? null) : null;
}

/** An image URL is kept as given; an uploaded one (data URI) is checked and sanitised like every upload. */
function parseImage(image: string | undefined): { bytes: Buffer | null; mime: BadgeImageType | null; url: string | null } {
  if (!image) return { bytes: null, mime: null, url: null };
  if (!image.startsWith('data:')) return { bytes: null, mime: null, url: image };
  const checked = badgeImageFromDataUri(image);
  return { bytes: checked.bytes, mime: checked.mime, url: null };
}

export async function listAchievements(deps: Pick<BadgesDeps, 'db'>, filter: { courseId?: string; issuerId?: string; status?: AchievementStatus; platformId?: string } = {}): Promise<AchievementRow[]> {
  let query = badgesDb(deps.db).selectFrom('achievements').select(COLUMNS);
  // Tenancy: only achievements of the platform's courses.
  if (filter.platformId) query = query.where('course_id', 'in', sql<string>`(select id from courses where platform_id = ${filter.platformId})`);
  if (filter.courseId) query = query.where('course_id', '=', filter.courseId);
  if (filter.issuerId) query = query.where('issuer_id', '=', filter.issuerId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('created_at').orderBy('id').limit(1000).execute();
}

export async function getAchievement(deps: Pick<BadgesDeps, 'db'>, id: string): Promise<AchievementRow> {
  const row = isUuid(id) ? await badgesDb(deps.db).selectFrom('achievements').select(COLUMNS).where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.');
  return row;
}

/** The uploaded image of an achievement, if any. */
export async function achievementImage(deps: Pick<BadgesDeps, 'db'>, id: string): Promise<{ bytes: Buffer; mime: 'image/png' | 'image/svg+xml' } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await badgesDb(deps.db).selectFrom('achievements').select(['image_bytes', 'image_mime']).where('id', '=', id).executeTakeFirst();
  return row?.image_bytes && row.image_mime ? { bytes: row.image_bytes, mime: row.image_mime } : undefined;
}

/** The URL of the achievement's image: the external one, or ours serving the upload or generated art. */
export function achievementImageUrl(baseUrl: string, row: Pick<AchievementRow, 'id' | 'image_url'>): string {
  return row.image_url ?? urls.achievementImage(baseUrl, row.id);
}

export function requiredPercentOf(row: Pick<AchievementRow, 'required_percent'>): number | null {
  return row.required_percent === null ? null : Number(row.required_percent);
}

/** The course an achievement or an award belongs to, or undefined when none has this id. */
export async function courseIdOf(db: AnyDb, ref: { achievement: string } | { award: string }): Promise<string | undefined> {
  const id = 'achievement' in ref ? ref.achievement : ref.award;
  if (!isUuid(id)) return undefined;
  const row = 'achievement' in ref
    ? await badgesDb(db).selectFrom('achievements').select('course_id').where('id', '=', id).executeTakeFirst()
    : await badgesDb(db).selectFrom('awards').select('course_id').where('id', '=', id).executeTakeFirst();
  return row?.course_id;
}
