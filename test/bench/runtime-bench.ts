import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { ensureTestPython } from '../python/python-env';
import { writeGeneratedApp } from '../unit/python/python-run';

/**
 * Issue #10's per-round figures: the bundled example under Flower's subprocess isolation (a fresh
 * process per message), first round vs later rounds, through the learner host against the baseline
 * measured in the same run (every message rebuilding the ModelManager and loading its data, as a
 * ClientApp without the host would). Real `datasets`, numpy and scikit-learn from the test venv.
 */
export function runtimeFigures(say: (line: string) => void, scratch: string, root: string): void {
  const python = ensureTestPython(() => undefined);
  const work = path.join(scratch, 'bench-runtime');
  const repo = path.join(work, 'repo');
  const app = path.join(work, 'app');
  cpSync(path.join(root, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (s) => !s.includes(`${path.sep}.flops`) });
  writeGeneratedApp(app, 'sklearn');
  const rounds = 4;
  const out = execFileSync(python, [path.join(root, 'test/fixtures/python/round_bench.py'), app, repo, work, path.join(repo, 'data/digits.csv'), String(rounds)], { encoding: 'utf8', timeout: 900_000 });
  const { host, rebuild } = JSON.parse(out.trim().split('\n').pop() ?? '') as { host: number[]; rebuild: number[] };
  const later = (xs: number[]): number => xs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, xs.length - 1);
  const s = (x: number | undefined): string => `${(x ?? NaN).toFixed(2)} s`;
  say(`# runtime benchmark: examples/mnist-sklearn, 2 learners, a fresh process per message (Flower's subprocess isolation), ${rounds} rounds`);
  say(`baseline (ModelManager and data rebuilt in every message): round 1 ${s(rebuild[0])}, later rounds ${s(later(rebuild))}`);
  say(`learner host (built once per learner): round 1 ${s(host[0])}, later rounds ${s(later(host))} -> ${(later(host) / later(rebuild)).toFixed(2)}x the baseline's later rounds`);
}
