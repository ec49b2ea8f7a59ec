// `npm run emulator -- --profile moodle`: an emulated LMS on a fixed port so a developer can click through
// Laurel without Canvas or Moodle. Build first (`npm run build`); this runs from dist/.
import { Command, Option } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { startPlatform } from './platform';
import { DEMO } from './ui';
import type { ProfileName } from './types';

interface CliOptions {
  profile: ProfileName;
  port?: string;
  host: string;
  hostname?: string;
  tool: string;
  register: boolean;
  activate: boolean;
  registrationKey?: string;
}

const DEFAULT_PORTS: Record<ProfileName, number> = { canvas: 8401, moodle: 8402 };

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('emulator')
    .description('LTI 1.3 platform emulator (Canvas or Moodle 4.5 flavoured) for trying Laurel without an LMS')
    .addOption(new Option('--profile <name>', 'which LMS to imitate').choices(['canvas', 'moodle']).default('canvas'))
    .option('--port <port>', 'port to listen on (default 8401 canvas, 8402 moodle)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--hostname <name>', 'host name in the emulator URLs (e.g. localhost, to be same-site with a Laurel on localhost)')
    .option('--tool <url>', "Laurel's base URL", 'http://localhost:3000')
    .option('--register', 'run Dynamic Registration against <tool>/lti/register at start', false)
    .option('--registration-key <key>', "Laurel's REGISTRATION_KEY (default: the REGISTRATION_KEY environment variable)")
    .option('--activate', 'activate the registered tool at once (Moodle leaves it pending)', false)
    .parse(argv);
  const o = program.opts<CliOptions>();
  const port = o.port ? Number(o.port) : DEFAULT_PORTS[o.profile];
  const platform = await startPlatform({ profile: o.profile, port, host: o.host, ...(o.hostname ? { hostname: o.hostname } : {}) });
  platform.nrps.setMembers(DEMO.context.id, DEMO.members, DEMO.context);
  // Laurel's own .env (the emulator runs from the repository) holds the key `npm run setup` generated.
  loadDotenv({ quiet: true });
  const registrationKey = o.registrationKey ?? process.env.REGISTRATION_KEY;
  const registrationUrl = `${o.tool.replace(/\/$/, '')}/lti/register${registrationKey ? `?key=${encodeURIComponent(registrationKey)}` : ''}`;
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);

  out(`LTI emulator (${o.profile}) listening on ${platform.url}`);
  out(`  issuer          ${platform.issuer}`);
  out(`  auth endpoint   ${platform.endpoints.auth}`);
  out(`  token endpoint  ${platform.endpoints.token}`);
  out(`  JWKS            ${platform.endpoints.jwks}`);
  out();
  out(`Index page with launch links: ${platform.url}/`);
  out(`Register Laurel in a browser:  ${platform.registrationStartUrl(registrationUrl)}`);
  if (o.profile === 'moodle') out('  (like Moodle, the new tool stays pending: press "Activate" on the index page)');

  if (o.register) {
    const result = await platform.registerTool({ registrationUrl, timeoutMs: 15_000 });
    if (o.activate) platform.activateTool(result.clientId);
    out();
    out(`Registered: client_id ${result.clientId}, deployment_id ${result.deploymentId} (${o.activate ? 'active' : result.state})`);
    for (const as of ['instructor', 'learner', 'admin', 'deeplink']) {
      out(`  launch as ${as.padEnd(10)} ${platform.url}/emulator/quick-launch?client_id=${encodeURIComponent(result.clientId)}&as=${as}`);
    }
  }
  out();
  out('Ctrl-C to stop.');
  const stop = (): void => {
    platform.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
