// npm run bench [-- --seconds 10 --connections 50 --only webform]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { root } from './lib.ts';
import { benchRouter, printRouter } from './router.ts';
import { benchWebform, printWebform } from './webform.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const wanted = (name: string) => !values.only || values.only.split(',').includes(name);
const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, seconds, connections };

console.log(`gateway benchmarks (node ${process.version}, ${seconds} s per run, ${connections} connections)\n`);
if (wanted('webform')) {
  const webform = await benchWebform(seconds, connections);
  printWebform(webform);
  results.webform = webform;
  console.log('');
}

if (wanted('router')) {
  const router = benchRouter();
  printRouter(router);
  results.router = router;
  console.log('');
}

mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
