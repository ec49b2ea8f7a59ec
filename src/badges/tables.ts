import type { ColumnType, Generated } from 'kysely';
import type { CourseTables } from '../courses';
import type { FoundationTables } from '../db';

type Json<T> = ColumnType<T, string | undefined, string>;
type Numeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;

export type AchievementStatus = 'draft' | 'published' | 'archived';
export type AwardStatus = 'issued' | 'revoked' | 'expired';
export type AwardSource = 'manual' | 'rule' | 'import';

/** OB 3.0 Alignment, as stored (field names follow the spec). */
export interface AlignmentValue {
  targetName: string;
  targetUrl: string;
  targetFramework?: string;
  targetCode?: string;
  targetDescription?: string;
  targetType?: string;
}

/** OB 3.0 Evidence, as stored. */
export interface EvidenceValue {
  id?: string;
  name: string;
  description?: string;
  narrative?: string;
  genre?: string;
}

export interface BadgeTables {
  achievements: {
    id: Generated<string>;
    course_id: string;
    issuer_id: string | null;
    name: string;
    description: string;
    criteria_narrative: string;
    image_bytes: Buffer | null;
    image_mime: 'image/png' | 'image/svg+xml' | null;
    image_url: string | null;
    primary_color: string | null;
    secondary_color: string | null;
    alignments: Json<AlignmentValue[]>;
    required_percent: Numeric;
    valid_for_days: number | null;
    rule: ColumnType<unknown, string | null | undefined, string | null>;
    rule_version: Generated<number>;
    status: Generated<AchievementStatus>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  awards: {
    id: Generated<string>;
    achievement_id: string;
    learner_id: string;
    course_id: string;
    status: Generated<AwardStatus>;
    score: Numeric;
    evidence: Json<EvidenceValue[]>;
    source: AwardSource;
    awarded_by: string;
    awarded_at: Generated<Date>;
    expires_at: Date | null;
    revoked_at: Date | null;
    revoked_reason: string | null;
    revoked_by: string | null;
    credential_id: string | null;
    visibility: Generated<'public' | 'private'>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  credentials: {
    id: string;
    award_id: string;
    issuer_id: string;
    document: Json<Record<string, unknown>>;
    jws: string;
    status_list_id: string | null;
    status_index: number | null;
    key_ids: Generated<string[]>;
    issued_at: Date;
    valid_until: Date | null;
    created_at: Generated<Date>;
  };
}

/** Everything badges code reads: its own tables, the course tables and the audit log. */
export interface BadgesDb extends BadgeTables, CourseTables, Pick<FoundationTables, 'audit_log'> {}
