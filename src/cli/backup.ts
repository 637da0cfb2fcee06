// npm run backup -- [--out <folder>]
// A consistent backup of the configured store and its attachment folders while the gateway runs.
// Without --out it goes to backups/gateway-<time> beside the SQLite file (or under data/).
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attachmentDirsOf } from '../channels/inbox-settings.ts';
import { backup, BackupError } from '../core/backup.ts';
import { loadConfig } from '../core/config/load-config.ts';
import { projectRoot } from '../core/config/project-root.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const config = loadConfig();
const url = config.env.DATABASE_URL;
const home = url.startsWith('file:') ? dirname(resolve(projectRoot, url.slice('file:'.length))) : join(projectRoot, 'data');
const out = resolve(values.out ?? join(home, 'backups', `gateway-${new Date().toISOString().replace(/[:.]/g, '-')}`));
const attachmentDirs = attachmentDirsOf(config);
try {
  const manifest = await backup({ url, attachmentDirs }, out);
  const files = manifest.attachments.reduce((n, folder) => n + folder.files, 0);
  process.stdout.write(`backup of the ${manifest.dialect} store written to ${out}\n  ${manifest.database.file}: ${manifest.database.bytes} bytes, sha256 ${manifest.database.sha256}\n  attachments: ${files} files in ${manifest.attachments.length} folders\n`);
} catch (error) {
  process.stderr.write(`backup failed: ${error instanceof BackupError ? error.message : String(error)}\n`);
  process.exit(1);
}
