import type { Generated } from 'kysely';
import type { BadgesDb } from '../badges';

/** The tier groups publishing owns (migration 540); everything else it reads and updates is the badges module's. */
export interface TierTables {
  badge_tier_groups: {
    id: Generated<string>;
    course_id: string;
    name: string;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  badge_tiers: {
    achievement_id: string;
    group_id: string;
    rank: number;
    tier_name: string;
  };
}

export type PublishingDb = BadgesDb & TierTables;
