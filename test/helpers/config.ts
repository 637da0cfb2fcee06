import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) delete out[key];
    else out[key] = isTree(value) && isTree(base[key]) ? merge(base[key] as Tree, value) : value;
  }
  return out;
}

/** Writes config/default.yaml with `overrides` merged in (undefined removes a key); returns its path. */
export function testConfigFile(overrides: Tree): string {
  const base = parse(readFileSync(new URL('../../config/default.yaml', import.meta.url), 'utf8')) as Tree;
  const path = join(mkdtempSync(join(tmpdir(), 'gw1022-config-')), 'config.yaml');
  writeFileSync(path, stringify(merge(base, overrides)));
  return path;
}
