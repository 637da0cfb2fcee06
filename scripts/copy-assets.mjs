// tsc compiles TypeScript only: copy the files served as they are (src/**/assets/*) into dist/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) return [];
    return name === 'assets' ? [path] : walk(path);
  });

for (const folder of walk('src')) cpSync(folder, join('dist', relative('src', folder)), { recursive: true });
