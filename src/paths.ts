import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, whether running from `src/` (tests) or `dist/src/` (built). */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

export const paths = {
  migrations: join(projectRoot, 'migrations'),
  views: join(projectRoot, 'views'),
  publicAssets: join(projectRoot, 'views', 'public'),
};
