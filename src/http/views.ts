import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import type { Response } from 'express';
import { paths } from '../paths';

/**
 * Server-rendered pages: Handlebars with `{{ }}` escaping everywhere (triple-stash is reserved for
 * the layout's body), one layout, partials from views/partials, pages from views/pages.
 */
const hbs = Handlebars.create();
const templates = new Map<string, Handlebars.TemplateDelegate>();
let loaded = false;

hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('not', (a: unknown) => !a);
hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
hbs.registerHelper('date', (value: unknown) => {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
});
hbs.registerHelper('json', (value: unknown) => JSON.stringify(value ?? null));

function load(): void {
  if (loaded) return;
  const partialsDir = join(paths.views, 'partials');
  if (existsSync(partialsDir)) {
    for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
      hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
    }
  }
  loaded = true;
}

function template(name: string): Handlebars.TemplateDelegate {
  let compiled = templates.get(name);
  if (!compiled) {
    load();
    const file = join(paths.views, `${name}.hbs`);
    compiled = hbs.compile(readFileSync(file, 'utf8'), { strict: false });
    // Development reloads templates on every render; production compiles once.
    if (process.env.NODE_ENV === 'production') templates.set(name, compiled);
  }
  return compiled;
}

export interface PageData {
  /** The document title (required for accessibility). */
  title: string;
  [key: string]: unknown;
}

/** Renders `views/pages/<name>.hbs` inside a layout (default `main`) to HTML. */
export function renderToString(name: string, data: PageData, layout = 'main'): string {
  const body = template(`pages/${name}`)(data);
  return template(`layouts/${layout}`)({ ...data, body });
}

export function renderPage(res: Response, name: string, data: PageData, options: { layout?: string } = {}): void {
  res.type('html').send(renderToString(name, { ...res.locals.page, ...data }, options.layout));
}
