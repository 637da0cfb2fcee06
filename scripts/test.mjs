// Runs the whole suite with vitest and ends with one plain line "tests: N passed, N failed,
// N skipped" that any CI can read. Under CI=true a skipped test fails the run: integration
// tests must not skip themselves there.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let summary;
try {
  summary = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
} catch {
  console.log('tests: 0 passed, 1 failed');
  process.exit(run.status || 1);
}
const skipped = summary.numPendingTests + summary.numTodoTests;
console.log(`tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`);
if (process.env.CI === 'true' && skipped > 0) {
  console.error('CI=true: no test may be skipped (a missing server is a failure here).');
  process.exit(1);
}
process.exit(run.status ?? 1);
