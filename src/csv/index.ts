import type { Transform } from 'node:stream';
import { stringify, type Options } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

/**
 * The one CSV writer (RFC 4180, CRLF line ends), on csv-stringify: a string for small files, a
 * Transform stream (rows in, text out) for large ones. Spreadsheets run a cell that starts with `=`,
 * `+`, `-`, `@`, tab or carriage return (or their full-width forms) as a formula, so a learner named
 * `=HYPERLINK(...)` could run code on whoever opens the file (CSV injection): such text cells get a
 * leading apostrophe, which spreadsheets show as text and never evaluate. Numbers are left as they
 * are (-2 is a number, not a formula).
 */

export type CsvCell = string | number | boolean | Date | null | undefined;
export type CsvRow = readonly CsvCell[];

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8. */
  bom?: boolean;
}

function options(props: CsvOptions): Options {
  return {
    bom: props.bom ?? false,
    record_delimiter: 'windows',
    // Quote any cell holding CR or LF: with a record_delimiter set, csv-stringify quotes only CRLF by default.
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: { boolean: (value) => String(value), date: (value) => value.toISOString() },
  };
}

/** The rows as CSV text, each ending in CRLF. */
export function csvText(rows: readonly CsvRow[], props: CsvOptions = {}): string {
  return stringifySync(rows as CsvCell[][], options(props));
}

/**
 * A stream that takes rows (arrays of cells) and gives CSV text, with backpressure: pipe it into a
 * file or an HTTP response with `stream.pipeline`.
 */
export function csvStream(props: CsvOptions = {}): Transform {
  return stringify(options(props));
}
