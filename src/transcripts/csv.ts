/**
 * One CSV cell (RFC 4180). Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and tab or
 * carriage return, which some treat alike) as a formula, so a learner named `=HYPERLINK(...)` could
 * run code on the registrar's machine (CSV injection): such cells get a leading apostrophe, which
 * spreadsheets show as text and never evaluate.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
