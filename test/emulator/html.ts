// Tiny HTML helpers: the auto-submitting forms LMSs use (the same markup Moodle renders) and error pages.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** An auto-submitting form, like Moodle's `ltiInitiateLoginForm` / `ltiAuthForm`. */
export function autoPostForm(name: string, action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `  <input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`)
    .join('\n');
  return `<form action="${escapeHtml(action)}" name="${name}" id="${name}" method="post" enctype="application/x-www-form-urlencoded">
${inputs}
</form>
<script type="text/javascript">
//<![CDATA[
document.${name}.submit();
//]]>
</script>
`;
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}code{background:#eee;padding:0 .2em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head>
<body>${body}</body></html>`;
}

export function errorPage(message: string): string {
  return page('Error', `<h1>Error</h1><p class="errormessage">${escapeHtml(message)}</p>`);
}

/** Reads the fields of the first form in an HTML page (for HTTP clients that play the browser). */
export function parseForm(html: string): { action: string; method: string; fields: Record<string, string> } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const attr = (src: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(src)?.[1];
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const n = attr(input[1] ?? '', 'name');
    if (n) fields[unescapeHtml(n)] = unescapeHtml(attr(input[1] ?? '', 'value') ?? '');
  }
  return { action: unescapeHtml(attr(form[1] ?? '', 'action') ?? ''), method: (attr(form[1] ?? '', 'method') ?? 'get').toUpperCase(), fields };
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _);
}
