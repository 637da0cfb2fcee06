import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './core/config/load-config.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`The gateway cannot start: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const app = await buildApp(config).catch((error: unknown) => {
  process.stderr.write(`The gateway cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});

// On SIGTERM/SIGINT: stop accepting, finish requests in flight, stop workers, close the store.
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

await app.listen({ host: config.env.HOST, port: config.env.PORT });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.env.PORT;
const shown = config.env.HOST === '0.0.0.0' || config.env.HOST === '::' ? 'localhost' : config.env.HOST;
process.stdout.write(
  `\n${config.file.deployment.shortName} gateway is running at http://${shown}:${port}\n` +
    `  citizen form:  http://${shown}:${port}/gui-cau-hoi\n` +
    `  API docs:      http://${shown}:${port}/docs\n` +
    `  store:         ${config.env.DATABASE_URL.startsWith('file:') ? config.env.DATABASE_URL : 'postgresql'}\n\n`,
);
