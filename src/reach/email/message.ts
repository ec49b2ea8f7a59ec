// Pure: the issuance email, as text and plain HTML. No I/O.

export interface IssuedEmailFacts {
  learnerName: string | null;
  to: string;
  from: string;
  badge: { name: string; description: string; criteria: string; imageUrl: string };
  courseTitle: string;
  issuerName: string;
  links: {
    /** The credential's public page. */
    view: string;
    /** The baked PNG (the credential travels inside it). */
    download: string;
    /** LinkedIn "add to profile". */
    share: string;
    /** The learner's badge page in Laurel, where wallets are offered. */
    wallet: string;
    /** One-click unsubscribe (RFC 8058 POST target, and a page for a GET). */
    unsubscribe: string;
    /** 1x1 image whose first fetch counts the email as opened. */
    openPixel: string;
  };
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Header-safe: no line breaks (header injection), bounded length. */
const oneLine = (value: string, max = 200): string => value.replace(/[\r\n\t]+/g, ' ').trim().slice(0, max);

export function issuedEmail(facts: IssuedEmailFacts): EmailMessage {
  const name = facts.learnerName ? oneLine(facts.learnerName, 100) : undefined;
  const badge = oneLine(facts.badge.name);
  const subject = `You earned a badge: ${badge}`;
  const { links } = facts;
  const text = [
    name ? `Hello ${name},` : 'Hello,',
    '',
    `${facts.issuerName} issued you the badge "${badge}" in ${oneLine(facts.courseTitle)}.`,
    '',
    `What it is for: ${facts.badge.description}`,
    `How it was earned: ${facts.badge.criteria}`,
    '',
    `View it: ${links.view}`,
    `Download it (an image with the credential inside): ${links.download}`,
    `Share it on LinkedIn: ${links.share}`,
    `Add it to a wallet: ${links.wallet}`,
    '',
    `You receive this email because you earned a badge. Stop these emails: ${links.unsubscribe}`,
  ].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; font-size: 16px; line-height: 1.5; color: #1a1a1a; max-width: 36em; margin: 0 auto; padding: 1em;">
<p>${name ? `Hello ${e(name)},` : 'Hello,'}</p>
<p>${e(facts.issuerName)} issued you the badge <strong>${e(badge)}</strong> in ${e(oneLine(facts.courseTitle))}.</p>
<p><img src="${e(facts.badge.imageUrl)}" alt="Badge image: ${e(badge)}" width="160" height="160"></p>
<h2 style="font-size: 1.1em;">What it is for</h2>
<p>${e(facts.badge.description)}</p>
<h2 style="font-size: 1.1em;">How it was earned</h2>
<p>${e(facts.badge.criteria)}</p>
<ul>
<li><a href="${e(links.view)}">View your badge</a></li>
<li><a href="${e(links.download)}">Download it</a> (an image with the credential inside)</li>
<li><a href="${e(links.share)}">Share it on LinkedIn</a></li>
<li><a href="${e(links.wallet)}">Add it to a wallet</a></li>
</ul>
<p style="font-size: 0.9em; color: #444;">You receive this email because you earned a badge. <a href="${e(links.unsubscribe)}">Stop these emails</a>.</p>
<img src="${e(links.openPixel)}" alt="" width="1" height="1">
</body></html>`;
  return {
    from: facts.from,
    to: facts.to,
    subject,
    text,
    html,
    headers: {
      // RFC 8058: mail clients offer one-click unsubscribe by POSTing List-Unsubscribe=One-Click to this URL.
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Auto-Submitted': 'auto-generated',
    },
  };
}
