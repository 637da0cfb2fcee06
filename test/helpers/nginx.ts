import { spawnSync } from 'node:child_process';

/** Whether nginx is installed; under CI=true (which installs it) a missing nginx fails the run. */
export function nginxInstalled(): boolean {
  if (!spawnSync('nginx', ['-v']).error) return true;
  if (process.env.CI === 'true') throw new Error('CI=true: nginx is not installed (.ci/run installs nginx-light)');
  return false;
}
