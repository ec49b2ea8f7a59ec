import type { BadgesDb } from '../badges';

/** Publishing writes no tables of its own: it reads and updates the badges module's, and the audit log. */
export type PublishingDb = BadgesDb;
