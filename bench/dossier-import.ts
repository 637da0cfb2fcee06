// Child process of bench/dossiers.ts: imports one file into the store at DATABASE_URL and prints
// its time and memory as one JSON line. Its own process, so the memory is the import's alone.
import { readFileSync } from 'node:fs';
import { createDossiers } from '../src/desks/care/dossiers.ts';
import { openStore } from '../src/core/store/store.ts';

const [file, url] = process.argv.slice(2) as [string, string];
const store = await openStore({ url });
const dossiers = createDossiers(store, { timeZone: 'Asia/Ho_Chi_Minh' });
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const started = performance.now();
const data = readFileSync(file);
const result = await dossiers.importFile(data, { actor: 'bench', onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await store.close();
process.stdout.write(`${JSON.stringify({ ms, rows: result.rows, inserted: result.inserted, updated: result.updated, errors: result.errors.length, baselineMb: baseline / 2 ** 20, peakMb: peak / 2 ** 20, fileMb: data.length / 2 ** 20 })}\n`);
