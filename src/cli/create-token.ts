// npm run token:create -- --name <name> [--role admin|integration]
// Creates an API token in the configured store and prints it once.
import { parseArgs } from 'node:util';
import { createApiToken, type TokenRole } from '../core/api-tokens.ts';
import { loadConfig } from '../core/config/load-config.ts';
import { openStore } from '../core/store/store.ts';

const { values } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string', default: 'integration' } } });
if (!values.name || !['admin', 'integration'].includes(values.role!)) {
  process.stderr.write('usage: npm run token:create -- --name <name> [--role admin|integration]\n');
  process.exit(64);
}
const config = loadConfig();
const store = await openStore({ url: config.env.DATABASE_URL, sqliteSynchronous: config.env.SQLITE_SYNCHRONOUS });
const { id, token } = await createApiToken(store, { name: values.name, role: values.role as TokenRole, actor: 'cli' });
await store.close();
process.stdout.write(`token ${id} (${values.role}) for "${values.name}":\n${token}\nIt is shown once; store it now.\n`);
