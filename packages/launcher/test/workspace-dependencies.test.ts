import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { repositoryRoot } from '../src/processes.ts';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
/** Static imports and re-exports (also over several lines), side-effect imports and dynamic import() of a package. */
const IMPORT =
  /^\s*(?:import|export)\s[^'";=]*?from\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;

/** The packages a workspace's files under `dir` import (bare specifiers; Node's built-ins left out). */
function importedPackages(workspace: string, dir: string): Set<string> {
  const found = new Set<string>();
  const base = join(repositoryRoot, workspace, dir);
  if (!existsSync(base)) return found;
  for (const file of globSync(['**/*.ts', '**/*.js'], { cwd: base })) {
    for (const match of readFileSync(join(base, file), 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier!.startsWith('node:') || builtinModules.includes(specifier!.split('/')[0]!)) continue;
      found.add(specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!);
    }
  }
  return found;
}

test('every workspace declares what it imports, so a service can be built and deployed alone', () => {
  const workspaces = globSync(['packages/*/package.json', 'services/*/package.json'], { cwd: repositoryRoot }).map((path) =>
    path.replace(/\/package\.json$/, ''),
  );
  assert.ok(workspaces.length >= 10);
  const undeclared: string[] = [];
  for (const workspace of workspaces) {
    const manifest = readJson(join(repositoryRoot, workspace, 'package.json'));
    const runtime = { ...(manifest.dependencies as object) };
    const all = { ...runtime, ...(manifest.devDependencies as object) };
    for (const name of importedPackages(workspace, 'src')) {
      if (name !== manifest.name && !(name in runtime)) undeclared.push(`${workspace}/src imports ${name} (dependencies)`);
    }
    for (const name of importedPackages(workspace, 'test')) {
      if (name !== manifest.name && !(name in all)) undeclared.push(`${workspace}/test imports ${name}`);
    }
  }
  assert.deepEqual(undeclared, []);
});
