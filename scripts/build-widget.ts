// Builds the live-chat widget (web/widget/src) into dist/widget for deployments that run
// without the TypeScript sources and esbuild (the production image). `npm run build` calls it;
// in development and tests the gateway builds the widget in memory on first use.
import { widgetBuiltDir, writeWidget } from '../src/channels/webchat/widget-assets.ts';

await writeWidget();
process.stdout.write(`live-chat widget written to ${widgetBuiltDir}\n`);
