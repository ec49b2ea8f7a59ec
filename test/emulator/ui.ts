// The emulator's own pages for people: an index with endpoints, tools and clickable launch links, the
// Dynamic Registration page (the tool's registration URL in an iframe, as Moodle and Canvas show it), and
// "Activate" for pending tools. Demo course data lives here too.
import express, { type Request, type Response, type Router } from 'express';
import { defineLaunch } from './oidc';
import { escapeHtml, page } from './html';
import { issueRegistrationToken } from './registration';
import { endpoint, type Core } from './state';
import type { EmulatorContext, EmulatorMember, LaunchOptions, ShortRole } from './types';

/** Demo course and people, as in the Moodle capture (course 2, teacher 3, students 4 and 5, admin 2). */
export const DEMO = {
  context: { id: '2', label: 'DEMO101', title: 'Demo Course' } satisfies EmulatorContext,
  members: [
    { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com', username: 'teacher1', roles: 'Instructor' },
    { id: '4', name: 'Sam Student', email: 'student1@example.com', username: 'student1', roles: 'Learner' },
    { id: '5', name: 'Sue Student', email: 'student2@example.com', username: 'student2', roles: 'Learner' },
  ] satisfies EmulatorMember[],
  admin: { id: '2', name: 'Ada Admin', email: 'admin@example.com', username: 'admin' },
  resourceLink: { id: '10', title: 'Laurel badges', lineItem: { scoreMaximum: 100 } },
};

type Persona = 'instructor' | 'learner' | 'learner2' | 'admin' | 'deeplink';
const PERSONAS: Persona[] = ['instructor', 'learner', 'learner2', 'admin', 'deeplink'];

export function demoLaunch(core: Core, clientId: string, as: Persona): LaunchOptions {
  const [teacher, student1, student2] = DEMO.members;
  const pick = { instructor: teacher, learner: student1, learner2: student2, deeplink: teacher, admin: { ...DEMO.admin, roles: 'Administrator' as ShortRole } }[as];
  const { roles, ...user } = pick ?? DEMO.admin;
  const options: LaunchOptions = { clientId, user, roles: roles ?? 'Administrator', context: DEMO.context };
  if (as === 'deeplink') options.messageType = 'LtiDeepLinkingRequest';
  // Moodle launches always come from an activity; Canvas course navigation has no resource link.
  else if (core.profile === 'moodle') options.resourceLink = DEMO.resourceLink;
  return options;
}

function index(core: Core, req: Request, res: Response): void {
  const suggested = typeof req.query.registration_url === 'string' ? req.query.registration_url : 'http://localhost:3000/lti/register';
  const tools = [...core.state.tools.values()];
  const rows = tools.map((t) => {
    const href = (p: Persona, frame: boolean) => `/emulator/quick-launch?client_id=${encodeURIComponent(t.clientId)}&amp;as=${p}${frame ? '&amp;frame=1' : ''}`;
    const links = PERSONAS.map((p) => `<a href="${href(p, false)}">${p}</a> (<a href="${href(p, true)}" aria-label="${p} in a frame">framed</a>)`).join(' · ');
    const activate = t.state === 'pending'
      ? `<form method="post" action="/emulator/tools/${encodeURIComponent(t.clientId)}/activate"><button>Activate</button></form>`
      : 'active';
    return `<tr><td>${escapeHtml(t.name)}</td><td><code>${escapeHtml(t.clientId)}</code></td><td><code>${escapeHtml(t.deploymentId)}</code></td><td>${activate}</td><td>${t.state === 'active' ? links : ''}</td></tr>`;
  }).join('');
  res.type('html').send(page(`LTI emulator (${core.profile})`, `
<h1>LTI 1.3 platform emulator: ${core.profile}</h1>
<h2>Platform details (for manual registration)</h2>
<table>
<tr><th>Issuer</th><td><code>${escapeHtml(core.issuer)}</code></td></tr>
<tr><th>Authorization endpoint</th><td><code>${escapeHtml(endpoint(core, 'auth'))}</code></td></tr>
<tr><th>Token endpoint</th><td><code>${escapeHtml(endpoint(core, 'token'))}</code></td></tr>
<tr><th>JWKS</th><td><code>${escapeHtml(endpoint(core, 'jwks'))}</code></td></tr>
<tr><th>OpenID configuration</th><td><code>${escapeHtml(endpoint(core, 'openidConfiguration'))}</code></td></tr>
</table>
<h2>Dynamic Registration</h2>
<form method="get" action="/emulator/register">
<label for="url">Tool registration URL</label>
<input id="url" name="url" size="60" value="${escapeHtml(suggested)}">
<button>Register</button>
</form>
<h2>Tools</h2>
${tools.length ? `<table><tr><th>Name</th><th>client_id</th><th>deployment_id</th><th>State</th><th>Launch as</th></tr>${rows}</table>` : '<p>No tool yet: register one above.</p>'}
<p>Demo course <code>${DEMO.context.id}</code> "${DEMO.context.title}": teacher 3, students 4 and 5, admin 2.</p>
<h2>Gradebook</h2>
${gradebook(core)}`));
}

/** Line items and results per course, so a developer sees Laurel's scores arrive. */
function gradebook(core: Core): string {
  const items = [...core.state.lineItems.values()];
  if (!items.length) return '<p>No line items yet.</p>';
  const rows = items.map((item) => {
    const results = [...(core.state.results.get(item.id)?.values() ?? [])]
      .map((r) => `${escapeHtml(r.userId)}: ${r.resultScore ?? '–'}/${r.resultMaximum}`).join('<br>');
    return `<tr><td>${escapeHtml(item.contextId)}</td><td>${escapeHtml(item.label)}</td><td>${item.scoreMaximum}</td><td>${escapeHtml(item.tag ?? '')}</td><td>${escapeHtml(item.resourceId ?? '')}</td><td>${results || '–'}</td></tr>`;
  }).join('');
  return `<table><tr><th>Course</th><th>Line item</th><th>Max</th><th>Tag</th><th>Resource id</th><th>Results</th></tr>${rows}</table>`;
}

async function registerPage(core: Core, req: Request, res: Response): Promise<void> {
  const url = typeof req.query.url === 'string' ? req.query.url : '';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    res.status(400).type('html').send(page('Error', '<p>Give the tool registration URL as ?url=</p>'));
    return;
  }
  const { token, openidConfigurationUrl } = await issueRegistrationToken(core);
  target.searchParams.set('openid_configuration', openidConfigurationUrl);
  target.searchParams.set('registration_token', token);
  if (req.query.mode === 'redirect') {
    res.redirect(302, target.toString());
    return;
  }
  // The tool ends the flow with postMessage({subject: 'org.imsglobal.lti.close'}) to its parent window.
  res.type('html').send(page('Dynamic Registration', `
<h1>Dynamic Registration</h1>
<p id="status" role="status">Waiting for the tool…</p>
<iframe id="tool" title="Tool registration" src="${escapeHtml(target.toString())}" style="width:100%;height:32rem;border:1px solid #ccc"></iframe>
<script>
window.addEventListener('message', function (e) {
  if (e.data && e.data.subject === 'org.imsglobal.lti.close') {
    document.getElementById('status').textContent = 'Registration finished.';
    document.body.setAttribute('data-registration', 'closed');
    setTimeout(function () { window.location.href = '/'; }, ${req.query.stay ? 3_600_000 : 1500});
  }
});
</script>`));
}

export function uiRouter(core: Core): Router {
  const router = express.Router();
  router.get('/', (req, res) => index(core, req, res));
  router.get('/emulator/register', (req, res, next) => {
    registerPage(core, req, res).catch(next);
  });
  router.post('/emulator/tools/:clientId/activate', (req, res) => {
    const tool = core.state.tools.get(String(req.params.clientId));
    if (tool) tool.state = 'active';
    res.redirect(303, '/');
  });
  router.get('/emulator/quick-launch', (req, res) => {
    const clientId = String(req.query.client_id ?? '');
    const as = String(req.query.as ?? 'learner') as Persona;
    if (!PERSONAS.includes(as) || !core.state.tools.has(clientId)) {
      res.status(400).type('html').send(page('Error', '<p>Unknown tool or persona</p>'));
      return;
    }
    try {
      res.redirect(302, defineLaunch(core, demoLaunch(core, clientId, as), req.query.frame === '1'));
    } catch (e) {
      res.status(409).type('html').send(page('Error', `<p>${escapeHtml((e as Error).message)}</p>`));
    }
  });
  return router;
}
