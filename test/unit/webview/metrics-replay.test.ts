import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { snapshotMessage } from '../../../extension/ui/metrics/panel-messages';
import { demoSeries, liveRecording } from '../../webview/demo-run';
import { ReplayHarness } from '../../webview/replay-browser';
import { distDir, repoRoot } from '../repo-paths';
import { skipWithReason } from '../skip-with-reason';

/**
 * The real metrics webview in Chromium, through the replay harness: a recorded live run in the three
 * themes (screenshots under .test-output/metrics-replay/, and into media/ with
 * FLOPS_UPDATE_SCREENSHOTS=1), the compare view, the error and empty states, the exports, the CSP.
 */

const shots = path.join(repoRoot, '.test-output', 'metrics-replay');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env['FLOPS_UPDATE_SCREENSHOTS'] === '1') copyFileSync(file, path.join(repoRoot, 'media', `${name}.png`));
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

describe('webview: the metrics panel in Chromium (replay harness)', function () {
  this.timeout(120_000);
  let harness: ReplayHarness;

  before(async function () {
    if (!ReplayHarness.available()) {
      if (process.env['FLOPS_TEST_STRICT'] === '1') throw new Error('Chromium (/usr/bin/chromium) is missing; .ci/run installs it (apt-get install chromium).');
      skipWithReason(this, 'Chromium is not installed here (apt-get install chromium)');
    }
    harness = await new ReplayHarness(distDir).start();
  });
  after(async () => harness?.stop());

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`plays a live run round by round (${theme} theme), within the CSP`, async () => {
      const recording = harness.record(`live-${theme}.jsonl`, liveRecording({ learners: 6, rounds: 15 }, 200));
      const { page, errors } = await harness.open(theme);
      await page.evaluate((url) => window.flopsReplay.play(url, 1), recording);
      await page.waitForFunction(() => document.querySelector('.summary')?.textContent?.includes('round 15 of 15') === true);
      await settle(page);
      assert.deepEqual(await page.evaluate(() => window.flopsReplay.violations), [], 'no CSP violations');
      assert.deepEqual(errors, []);
      assert.deepEqual(await page.evaluate(() => window.flopsReplay.posted), [{ type: 'ready' }]);
      const charts = await page.$$eval('.chart .u-title', (titles) => titles.map((t) => t.textContent));
      assert.deepEqual(charts, ['eval_loss', 'eval_accuracy', 'train_loss', 'eval_num_examples', 'train_num_examples', 'eval_loss per learner', 'Learners per round', 'Round duration']);
      const learners = await page.$$eval('.wide .u-legend .u-series', (rows) => rows.length);
      assert.equal(learners, 1 + 6, 'x plus one legend entry per learner');
      const timeline = await page.$$eval('.timeline li .text', (items) => items.map((i) => i.textContent ?? ''));
      assert.ok(timeline.includes('learner 2 failed: ValueError: Input contains NaN (train.py, line 42)'), timeline.join(' | '));
      assert.ok(timeline.includes('learner 3 paused') && timeline.includes('learner 3 resumed'));
      assert.equal(await page.textContent('vscode-badge.status'), 'succeeded');
      const state = await page.evaluate(() => window.flopsReplay.state);
      assert.deepEqual(state, { sources: [{ kind: 'local', repo: '/work/mnist-sklearn', runId: 'mnist-sklearn-m3x1' }] }, 'the page saved what restores it');
      await screenshot(page, `metrics-${theme}`);
      await page.context().close();
    });
  }

  it('overlays compared runs and lists what differs', async () => {
    const a = demoSeries({ runId: 'mnist-a', learners: 4, rounds: 20, seed: 3 });
    const b = demoSeries({ runId: 'mnist-b', learners: 4, rounds: 14, strategy: 'FedProx', seed: 11 }, { 'strategy parameters': 'proximal_mu=0.1', partitioning: 'iid' });
    const { page, errors } = await harness.open('dark');
    await page.evaluate((m) => window.flopsReplay.deliver(m), snapshotMessage(1, [a, b], [{ kind: 'local', repo: '/r', runId: 'mnist-a' }, { kind: 'local', repo: '/r', runId: 'mnist-b' }]));
    await settle(page);
    const rows = await page.$$eval('.differences tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows[0], ['setting', 'FedAvg-run-mnist-a', 'FedProx-run-mnist-b']);
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ['strategy', 'rounds', 'strategy parameters', 'partitioning']);
    const legend = await page.$eval('.grid .chart', (chart) => [...chart.querySelectorAll('.u-legend .u-series th')].map((t) => t.textContent?.trim()));
    assert.deepEqual(legend.slice(1), ['FedAvg-run-mnist-a', 'FedProx-run-mnist-b']);
    assert.deepEqual(errors, []);
    await screenshot(page, 'metrics-compare');
    await page.context().close();
  });

  it('shows loading, empty and error states that say what to do, and retries on request', async () => {
    const { page } = await harness.open('light');
    assert.match((await page.textContent('.state')) ?? '', /Reading|Loading/);
    const empty = demoSeries({ rounds: 1 });
    await page.evaluate((m) => window.flopsReplay.deliver(m), snapshotMessage(1, [{ ...empty, rounds: [], run: { ...empty.run, status: 'running' } }], [{ kind: 'local', repo: '/r', runId: 'x' }]));
    assert.match((await page.textContent('.state')) ?? '', /No finished round yet.*appears here as soon as the aggregator finishes it/s);
    await page.evaluate((m) => window.flopsReplay.deliver(m), { type: 'error', title: 'The metrics could not be read', text: 'MLflow at http://127.0.0.1:5000 refused access (401 Unauthorized). Set a valid token.', retry: true });
    assert.match((await page.textContent('.state.error')) ?? '', /401 Unauthorized/);
    await screenshot(page, 'metrics-error');
    await page.click('.state.error vscode-button');
    assert.deepEqual((await page.evaluate(() => window.flopsReplay.posted)).at(-1), { type: 'retry' });
    // A message that is not of the protocol is dropped and reported, never drawn.
    await page.evaluate(() => window.flopsReplay.deliver({ type: 'snapshot', seq: 'x' }));
    assert.match(JSON.stringify((await page.evaluate(() => window.flopsReplay.posted)).at(-1)), /"problem".*could not read/);
    await page.context().close();
  });

  it('exports: CSV and markdown asked of the extension, a chart as a real PNG', async () => {
    const { page } = await harness.open('dark');
    await page.evaluate((m) => window.flopsReplay.deliver(m), snapshotMessage(1, [demoSeries({ rounds: 6 })], [{ kind: 'local', repo: '/r', runId: 'x' }]));
    await settle(page);
    await page.click('vscode-button:has-text("Export CSV")');
    await page.click('vscode-button:has-text("Copy final round")');
    await page.click('.chart vscode-button:has-text("PNG")');
    const posted = (await page.evaluate(() => window.flopsReplay.posted)) as { type: string; name?: string; dataUrl?: string }[];
    assert.deepEqual(posted.slice(1, 3), [{ type: 'exportCsv' }, { type: 'copyMarkdown' }]);
    const png = posted[3];
    assert.equal(png?.type, 'savePng');
    assert.equal(png?.name, 'eval_loss');
    const bytes = Buffer.from(png?.dataUrl?.slice('data:image/png;base64,'.length) ?? '', 'base64');
    assert.equal(bytes.readUInt32BE(0), 0x89504e47, 'a PNG signature');
    assert.ok(bytes.length > 5000, `a drawn chart, not an empty image (${bytes.length} bytes)`);
    await page.context().close();
  });
});
