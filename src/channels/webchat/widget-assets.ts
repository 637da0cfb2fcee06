import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../core/config/project-root.ts';

/** The widget's browser files: the loader a website includes, the chat frame's script and its
 * style sheet (a file, so the frame's CSP allows no inline style). */
export interface WidgetBundle {
  loader: string;
  frame: string;
  css: string;
}

export const widgetSourceDir = join(projectRoot, 'web', 'widget', 'src');
/** Where `npm run build:widget` writes the scripts (copied into the production image with dist/). */
export const widgetBuiltDir = join(projectRoot, 'dist', 'widget');

/** Compiles web/widget/src with esbuild: plain ES2019 for old phones' browsers, minified, one
 * self-contained file each (nothing is fetched from a CDN). */
export async function buildWidget(): Promise<WidgetBundle> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { loader: join(widgetSourceDir, 'loader.ts'), frame: join(widgetSourceDir, 'frame.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019'],
    platform: 'browser',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const file = (name: string) => result.outputFiles.find((output) => output.path.endsWith(`${name}.js`))!.text;
  const css = await esbuild.transform(await readFile(join(widgetSourceDir, 'frame.css'), 'utf8'), { loader: 'css', minify: true, target: ['chrome70', 'safari12'], legalComments: 'none' });
  return { loader: file('loader'), frame: file('frame'), css: css.code };
}

/** Writes the built scripts for a deployment that runs without the TypeScript sources. */
export async function writeWidget(dir = widgetBuiltDir): Promise<void> {
  const bundle = await buildWidget();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'loader.js'), bundle.loader);
  await writeFile(join(dir, 'frame.js'), bundle.frame);
  await writeFile(join(dir, 'frame.css'), bundle.css);
}

let cached: Promise<WidgetBundle> | undefined;

/**
 * The widget's scripts, built once per process on first use: from the sources when esbuild is
 * installed (development, tests: always what the sources say), else the files `npm run
 * build:widget` wrote (the production image has no sources and no esbuild).
 */
export function widgetBundle(): Promise<WidgetBundle> {
  cached ??= (async () => {
    if (existsSync(join(widgetSourceDir, 'loader.ts'))) {
      try {
        return await buildWidget();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      }
    }
    if (existsSync(join(widgetBuiltDir, 'loader.js'))) {
      const [loader, frame, css] = await Promise.all(['loader.js', 'frame.js', 'frame.css'].map((name) => readFile(join(widgetBuiltDir, name), 'utf8')));
      return { loader: loader!, frame: frame!, css: css! };
    }
    throw new Error('the live-chat widget is not built: run `npm run build:widget`');
  })().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Whether the widget can be served at all (checked at start, so a broken image says so early). */
export function widgetAvailable(): boolean {
  return existsSync(join(widgetSourceDir, 'loader.ts')) || existsSync(join(widgetBuiltDir, 'loader.js'));
}
