// Bundles the agents' web app (web/inbox/src) into web/inbox/dist with esbuild: minified
// script and stylesheet named by content hash, and an index.html that loads them (no inline
// script, so the strict Content-Security-Policy of src/inbox/web-app.ts holds).
// `npm run build:web` runs it; `npm install` (prepare) and `npm run build` do too.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const inboxSourceDir = join(root, 'web/inbox/src');
export const inboxDistDir = join(root, 'web/inbox/dist');

export async function buildInbox(options: { outdir?: string; minify?: boolean } = {}): Promise<{ script: string; style: string | null }> {
  const outdir = options.outdir ?? inboxDistDir;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(inboxSourceDir, 'main.tsx')],
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    // The screens behind sign-in are their own chunks (React.lazy in app.tsx).
    splitting: true,
    chunkNames: 'chunk-[hash]',
    outdir: join(outdir, 'assets'),
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const entry = Object.entries(result.metafile.outputs).find(([path, output]) => output.entryPoint?.endsWith('main.tsx') && path.endsWith('.js'));
  const script = entry ? basename(entry[0]) : undefined;
  const style = entry?.[1].cssBundle ? basename(entry[1].cssBundle) : (Object.keys(result.metafile.outputs).map((path) => basename(path)).find((name) => name.endsWith('.css')) ?? null);
  if (!script) throw new Error('esbuild produced no script for the inbox');
  const html = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Hộp thư tổng đài 1022</title>
${style ? `<link rel="stylesheet" href="/inbox/assets/${style}">\n` : ''}<script type="module" src="/inbox/assets/${script}"></script>
</head>
<body>
<noscript>Cần bật JavaScript để dùng hộp thư tổng đài. / JavaScript is required for the inbox.</noscript>
<div id="root"></div>
</body>
</html>
`;
  writeFileSync(join(outdir, 'index.html'), html);
  return { script, style };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { script } = await buildInbox();
  process.stdout.write(`agents' inbox written to ${inboxDistDir} (${script})\n`);
}
