// npm run bench [-- --seconds 10 --connections 50 --rounds 5 --only webform,dossiers]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchCluster, printCluster } from './cluster.ts';
import { benchDossiers, printDossiers } from './dossiers.ts';
import { root, writeBenchConfig } from './lib.ts';
import { benchMessengerBot, printMessengerBot } from './messenger.ts';
import { benchRouter, printRouter } from './router.ts';
import { benchWebchat, printWebchat } from './webchat.ts';
import { benchWebformBot, printWebformBot } from './webform.ts';
import { benchWire, printWire } from './wire.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const wanted = (name: string) => !values.only || values.only.split(',').includes(name);
const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, seconds, connections, rounds };

console.log(`gateway benchmarks (node ${process.version}, ${seconds} s per run, ${connections} connections)\n`);
// Ingest alone (the bot off), then the whole pipeline: the bot answering every message on the
// same event loop after the acknowledgement.
const botOff = { CONFIG_FILE: writeBenchConfig({ router: false }) };
const botOn = { CONFIG_FILE: writeBenchConfig({ router: true }) };
if (wanted('webform')) {
  const webform = await benchWebformBot(seconds, connections, { botOff, botOn }, rounds);
  printWebformBot(webform);
  results.webform = webform;
  console.log('');
}

if (wanted('messenger')) {
  const messenger = await benchMessengerBot(seconds, connections, { botOff, botOn }, rounds);
  printMessengerBot(messenger);
  results.messenger = messenger;
  console.log('');
}
if (wanted('webchat')) {
  const webchat = await benchWebchat();
  printWebchat(webchat);
  results.webchat = webchat;
  console.log('');
}
if (wanted('router')) {
  const router = benchRouter();
  printRouter(router);
  results.router = router;
  console.log('');
}

// Two nodes on PostgreSQL and Redis (both must run: BENCH_DATABASE_URL, BENCH_REDIS_URL).
if (wanted('cluster')) {
  const cluster = await benchCluster({ seconds, connections });
  printCluster(cluster);
  results.cluster = cluster;
  console.log('');
}

if (wanted('dossiers')) {
  const dossiers = await benchDossiers();
  printDossiers(dossiers);
  results.dossiers = dossiers;
  console.log('');
}

if (wanted('wire')) {
  const wire = await benchWire();
  printWire(wire);
  results.wire = wire;
  console.log('');
}

mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
