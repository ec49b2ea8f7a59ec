// Modules own their data (issue 14): only a module writes its tables; it reads another module's tables
// only where its own tables.ts declares that view (a type-level dependency a reader can see); every
// other access goes through the owner's functions. Found by reading the source, no database needed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Tables whose declaration is not in their owner's tables.ts: the foundation's interface in src/db
 * describes tables that modules without a tables.ts own, and a few modules keep their (internal)
 * tables next to the only file that uses them.
 */
const DECLARED_ELSEWHERE: Record<string, string> = {
  schema_migrations: 'db',
  api_tokens: 'tokens',
  audit_log: 'audit',
  dead_letters: 'queue',
  operators: 'operators',
  operator_links: 'operators',
  lti_store: 'lti',
  lti_resource_links: 'lti',
  platform_service_hosts: 'lti',
  lms_grade_fetches: 'events',
  reach_course_settings: 'reach',
  reach_gradebook_posts: 'reach',
  reach_learner_preferences: 'reach',
  reach_notifications: 'reach',
  domain_event_outbox: 'domain-events',
};

interface TablesFile {
  module: string;
  /** Tables the module declares as its own. */
  owns: Set<string>;
  /** Other modules' tables its tables.ts declares it reads (`extends CourseTables`, `Pick<X, 'a'>`). */
  reads: Set<string>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function moduleOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '(entry)';
}

/** The table names of each `export interface XTables { ... }` in a file, by interface name. */
function interfacesOf(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of text.matchAll(/export interface (\w+Tables) \{\n([\s\S]*?)\n\}/g)) {
    found.set(match[1]!, [...match[2]!.matchAll(/^ {2}([a-z_][a-z0-9_]*)\??:/gm)].map((m) => m[1]!));
  }
  return found;
}

function tablesFiles(): TablesFile[] {
  const files = walk(SRC).filter((f) => f.endsWith('/tables.ts') || f === join(SRC, 'operators', 'index.ts'));
  const declared = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    return { module: moduleOf(file), text, interfaces: interfacesOf(text), views: [...text.matchAll(/export (?:interface|type) (\w+Db)\b/g)].map((m) => m[1]!) };
  });
  const byInterface = new Map<string, string[]>();
  for (const d of declared) for (const [name, tables] of d.interfaces) byInterface.set(name, tables);
  const result = new Map<string, TablesFile>();
  const viewOwner = new Map<string, string>();
  for (const d of declared) for (const v of d.views) viewOwner.set(v, d.module);
  const referencedViews = new Map<string, Set<string>>();
  for (const d of declared) {
    const entry = result.get(d.module) ?? { module: d.module, owns: new Set<string>(), reads: new Set<string>() };
    for (const tables of d.interfaces.values()) for (const t of tables) if ((DECLARED_ELSEWHERE[t] ?? d.module) === d.module) entry.owns.add(t);
    // Views over other modules' tables: whole interfaces, or the tables a Pick names.
    const text = d.text.replace(/^import .*$/gm, '').replace(/Pick<(\w+Tables),\s*([^>]+)>/g, (_all, _name: string, keys: string) => {
      for (const k of keys.matchAll(/'([a-z_]+)'/g)) entry.reads.add(k[1]!);
      return '';
    });
    for (const m of text.matchAll(/\b(\w+Tables)\b/g)) {
      if (d.interfaces.has(m[1]!)) continue;
      for (const t of byInterface.get(m[1]!) ?? []) entry.reads.add(t);
    }
    // Another module's whole view (PublishingDb = BadgesDb & TierTables): what that module sees.
    const views = referencedViews.get(d.module) ?? new Set<string>();
    for (const m of text.matchAll(/\b(\w+Db)\b/g)) if (viewOwner.has(m[1]!) && viewOwner.get(m[1]!) !== d.module) views.add(viewOwner.get(m[1]!)!);
    referencedViews.set(d.module, views);
    result.set(d.module, entry);
  }
  for (const [module, views] of referencedViews) {
    for (const other of views) {
      const seen = result.get(other)!;
      for (const t of [...seen.owns, ...seen.reads]) if (!result.get(module)!.owns.has(t)) result.get(module)!.reads.add(t);
    }
  }
  return [...result.values()];
}

const modules = tablesFiles();
const owner = new Map<string, string>(Object.entries(DECLARED_ELSEWHERE));
for (const m of modules) for (const t of m.owns) owner.set(t, m.module);
const tables = [...owner.keys()];

interface Access {
  file: string;
  line: number;
  table: string;
  write: boolean;
  text: string;
}

const WRITE_BUILDER = /\b(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*'([a-z_]+)/g;
const READ_BUILDER = /\b(selectFrom|innerJoin|leftJoin|rightJoin|fullJoin|crossJoin)\(\s*'([a-z_]+)/g;
const tableWord = `(${tables.sort((a, b) => b.length - a.length).join('|')})`;
const WRITE_SQL = new RegExp(`\\b(?:insert\\s+into|update|delete\\s+from|truncate(?:\\s+table)?)\\s+${tableWord}\\b`, 'gi');
const READ_SQL = new RegExp(`\\b(?:from|join)\\s+${tableWord}\\b(?!\\s*\\()`, 'gi');

/** Comments say "read from awards" freely: blank them, keeping line numbers. */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/.*$/gm, (_all, before: string) => before);
}

function accessesOf(file: string): Access[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  const lines = text.split('\n');
  const found: Access[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const add = (index: number, table: string, write: boolean) => {
    const line = lineOf(index);
    found.push({ file: relative(ROOT, file), line, table: table.toLowerCase(), write, text: lines[line - 1]!.trim() });
  };
  for (const m of text.matchAll(WRITE_BUILDER)) add(m.index, m[2]!, true);
  for (const m of text.matchAll(READ_BUILDER)) add(m.index, m[2]!, false);
  for (const m of text.matchAll(WRITE_SQL)) add(m.index, m[1]!, true);
  for (const m of text.matchAll(READ_SQL)) add(m.index, m[1]!, false);
  return found;
}

function violations(): Access[] {
  const reads = new Map(modules.map((m) => [m.module, m.reads]));
  const out: Access[] = [];
  for (const file of walk(SRC)) {
    const module = moduleOf(file);
    for (const access of accessesOf(file)) {
      const tableOwner = owner.get(access.table);
      if (!tableOwner || tableOwner === module) continue;
      if (!access.write && reads.get(module)?.has(access.table)) continue;
      out.push(access);
    }
  }
  return out;
}

describe('modules own their data', () => {
  it('finds the tables each module declares (so the check below has something to check)', () => {
    expect(owner.get('awards')).toBe('badges');
    expect(owner.get('courses')).toBe('courses');
    expect(owner.get('score_events')).toBe('events');
    expect(owner.get('badge_tiers')).toBe('publishing');
    expect(modules.find((m) => m.module === 'badges')?.reads.has('learners')).toBe(true);
    expect(modules.find((m) => m.module === 'badges')?.reads.has('audit_log')).toBe(true);
    expect(modules.find((m) => m.module === 'badges')?.reads.has('api_tokens')).toBe(false);
  });

  it('gives every table a migration creates an owner', () => {
    const created = new Set<string>();
    for (const name of readdirSync(join(ROOT, 'migrations'))) {
      for (const m of readFileSync(join(ROOT, 'migrations', name), 'utf8').matchAll(/create table (?:if not exists )?([a-z_]+)/gi)) created.add(m[1]!.toLowerCase());
    }
    expect([...created].filter((t) => !owner.has(t))).toEqual([]);
  });

  it('recognises query-builder and raw SQL accesses (a check that matches nothing proves nothing)', () => {
    // issue.ts reads awards through the query builder; awards.ts inserts them with raw SQL. (The issue
    // store writes credentials through migration 721's badges_store_credentials, which this check cannot see.)
    expect(accessesOf(join(SRC, 'badges', 'issue.ts')).some((a) => a.table === 'awards' && !a.write)).toBe(true);
    expect(accessesOf(join(SRC, 'badges', 'awards.ts')).some((a) => a.table === 'awards' && a.write && /insert into awards/.test(a.text))).toBe(true);
  });

  it('no module writes another module\'s tables, nor reads one its tables.ts does not declare', () => {
    const found = violations().map((v) => `${v.file}:${v.line} ${v.write ? 'writes' : 'reads'} ${v.table} (owner: ${owner.get(v.table)})  ${v.text}`);
    expect(found).toEqual([]);
  });
});
