import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import JSZip from 'jszip';
import { projectRoot } from '../paths';

/**
 * The Moodle companion plugin as an installable ZIP, built from integrations/moodle/local_laurel on
 * each download. Moodle's "Install plugin from ZIP file" wants one root folder named after the plugin
 * without its type prefix (`local_laurel` installs to local/laurel), so the root folder is `laurel/`.
 * A settings note names this Laurel and the event source; the shared secret is never put in the file,
 * because the download can be fetched again and lands in mail attachments and download folders.
 */

export const PLUGIN_DIR = join(projectRoot, 'integrations', 'moodle', 'local_laurel');
export const PLUGIN_ROOT_IN_ZIP = 'laurel';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []))));
  return nested.flat().sort();
}

export async function buildMoodlePluginZip(props: { laurelUrl: string; sourceId: string; sourceName: string }): Promise<Buffer> {
  const zip = new JSZip();
  for (const file of await filesUnder(PLUGIN_DIR)) {
    const path = relative(PLUGIN_DIR, file).split(sep).join('/');
    zip.file(`${PLUGIN_ROOT_IN_ZIP}/${path}`, await readFile(file));
  }
  zip.file(`${PLUGIN_ROOT_IN_ZIP}/LAUREL-SETTINGS.txt`, settingsNote(props));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}

function settingsNote(props: { laurelUrl: string; sourceId: string; sourceName: string }): string {
  return [
    `Laurel grade events for ${props.sourceName || 'this Moodle site'}`,
    '',
    'After installing (Site administration > Plugins > Install plugins, or unzip into <moodle>/local/),',
    'open Site administration > Plugins > Local plugins > Laurel grade events and enter:',
    '',
    `  Laurel URL:  ${props.laurelUrl}`,
    `  Source id:   ${props.sourceId}`,
    '  Secret:      the shared secret Laurel showed once when this source was created or its secret',
    '               was last rotated. It is not in this file. If it is lost, rotate it in Laurel',
    '               (Administration > Event sources) and paste the new one.',
    '',
  ].join('\n');
}
