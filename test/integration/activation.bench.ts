import assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** Small built-in extensions that nothing activates in the bench workspace: the baseline. */
const baselineIds = ['vscode.grunt', 'vscode.jake', 'vscode.gulp'];

async function timeActivation(ext: vscode.Extension<unknown>): Promise<number> {
  const started = performance.now();
  await ext.activate();
  return performance.now() - started;
}

/**
 * Measures activation in a workspace without ML repos (so nothing activated the extension yet): the
 * time `activate()` takes, including loading dist/extension.js, against small built-in extensions
 * activated the same way in the same host. Prints `@@bench <name> <ms>` lines for `npm run bench`;
 * asserts nothing about time (benchmarks are not tests).
 */
describe('benchmark: activation', () => {
  it('activates the extension from cold, beside built-in baselines', async () => {
    const baselines = baselineIds.map((id) => vscode.extensions.getExtension(id)).filter((e): e is vscode.Extension<unknown> => e !== undefined && !e.isActive);
    const ext = vscode.extensions.getExtension<{ ready: Promise<unknown> }>('flops.flops-vscode');
    assert.ok(ext);
    assert.equal(ext.isActive, false, 'the bench workspace must not activate the extension by itself');
    // Alternate baseline and ours so that background noise hits both alike.
    const half = Math.ceil(baselines.length / 2);
    const base: number[] = [];
    for (const b of baselines.slice(0, half)) base.push(await timeActivation(b));
    const ours = await timeActivation(ext);
    for (const b of baselines.slice(half)) base.push(await timeActivation(b));
    const readyStarted = performance.now();
    await ext.exports.ready;
    const readyMs = performance.now() - readyStarted;
    console.log(`@@bench activation-ms ${ours.toFixed(2)}`);
    console.log(`@@bench features-ready-ms ${(ours + readyMs).toFixed(2)}`);
    for (const [i, ms] of base.entries()) console.log(`@@bench baseline-ms ${ms.toFixed(2)} ${baselines[i]?.id ?? ''}`);
  });
});
