// npm run dossiers:import -- <file.csv|file.xlsx> [--mapping <name>] [--columns '{"code":"Mã hồ sơ"}']
// Imports the one-stop system's dossier export into the configured store with a progress bar.
// Good rows go in (known codes are updated); each bad row is printed with its line and reason.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createDossiers } from '../desks/care/dossiers.ts';
import type { ColumnMapping } from '../desks/care/dossier-import.ts';
import { loadConfig } from '../core/config/load-config.ts';
import { HttpError } from '../core/errors.ts';
import { openStore } from '../core/store/store.ts';

const usage = 'usage: npm run dossiers:import -- <file.csv|file.xlsx> [--mapping <name>] [--columns <json>]\n';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { mapping: { type: 'string' }, columns: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
if (positionals.length !== 1) {
  process.stderr.write(usage);
  process.exit(64);
}
let columns: ColumnMapping | undefined;
if (values.columns) {
  try {
    columns = JSON.parse(values.columns) as ColumnMapping;
  } catch {
    process.stderr.write(`--columns is not JSON\n${usage}`);
    process.exit(64);
  }
}
let data: Buffer;
try {
  data = readFileSync(positionals[0]!);
} catch (error) {
  process.stderr.write(`cannot read ${positionals[0]}: ${(error as Error).message}\n`);
  process.exit(66);
}

const config = loadConfig();
const store = await openStore({ url: config.env.DATABASE_URL, sqliteSynchronous: config.env.SQLITE_SYNCHRONOUS });
const dossiers = createDossiers(store, { timeZone: config.file.deployment.timezone });
// The bar goes to stderr, so stdout stays the summary a script can read.
const bar = new cliProgress.SingleBar({ format: 'dossiers [{bar}] {percentage}% | {value}/{total} | {duration_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
let started = false;
try {
  const result = await dossiers.importFile(data, {
    ...(values.mapping ? { mappingName: values.mapping } : {}),
    ...(columns ? { mapping: columns } : {}),
    actor: 'cli',
    onProgress: values.quiet
      ? undefined
      : (done, total) => {
          if (!started) {
            bar.start(total, done);
            started = true;
          } else bar.update(done);
        },
  });
  if (started) bar.stop();
  for (const error of result.errors) process.stderr.write(`line ${error.line}${error.code ? ` (${error.code})` : ''}: ${error.reason}\n`);
  process.stdout.write(`${result.rows} rows: ${result.inserted} added, ${result.updated} updated, ${result.errors.length} not imported (listed above). Mapping remembered as "${result.mappingName}".\n`);
  await store.close();
  process.exit(result.errors.length ? 2 : 0);
} catch (error) {
  if (started) bar.stop();
  await store.close();
  if (error instanceof HttpError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(65);
  }
  throw error;
}
