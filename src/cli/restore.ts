// npm run restore -- <backup folder> --yes
// Puts a backup made by `npm run backup` back into the configured store. Stop the gateway first.
import { parseArgs } from 'node:util';
import { BackupError, readBackup, restore } from '../core/backup.ts';
import { loadConfig } from '../core/config/load-config.ts';

const usage = 'usage: npm run restore -- <backup folder> --yes   (with the gateway stopped)\n';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { yes: { type: 'boolean', default: false } } });
if (positionals.length !== 1) {
  process.stderr.write(usage);
  process.exit(64);
}
const from = positionals[0]!;
const config = loadConfig();
try {
  const manifest = await readBackup(from);
  if (!values.yes) {
    // Nothing is touched without --yes: the store named by DATABASE_URL would be replaced.
    process.stdout.write(`${from}: a ${manifest.dialect} backup of ${manifest.createdAt}, checked.\nIt would replace the store at DATABASE_URL. Stop the gateway, then run again with --yes.\n`);
    process.exit(0);
  }
  const result = await restore({ url: config.env.DATABASE_URL }, from);
  process.stdout.write(`restored the backup of ${manifest.createdAt}\n`);
  if (result.keptAside) process.stdout.write(`  the replaced database is kept at ${result.keptAside}\n`);
  for (const folder of result.attachments) process.stdout.write(`  ${folder.files} attachment files put back in ${folder.target}\n`);
} catch (error) {
  process.stderr.write(`restore failed: ${error instanceof BackupError ? error.message : String(error)}\n`);
  process.exit(1);
}
