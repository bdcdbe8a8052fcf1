import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { seriesFromRecord, type RunSeries, type SeriesRound } from '../../extension/core/metrics/run-series';
import type { RunEvent } from '../../extension/core/runs/run-events';
import { recordFromView } from '../../extension/core/runs/run-record';
import { emptyRunView, reduceRun } from '../../extension/core/runs/run-view';
import { demoEvents } from '../webview/demo-run';
import { deltaMessage, snapshotMessage } from '../../extension/ui/metrics/panel-messages';
import { ReplayHarness } from '../webview/replay-browser';
import { median } from './median';

/**
 * Metrics panel figures (issue #11), in the replay harness in Chromium, each beside a baseline measured
 * in the same page: first paint of a 10,000 rounds × 50 learners snapshot against JSON.parse of the same
 * snapshot (the least a page must do to receive it); a delta (one new round for every learner) against a
 * bare canvas redraw of the same points; hover and zoom; the latency from a delta's message to the next
 * painted frame; the extension side's cost of turning a finished round into its delta; the bundle size.
 */

/** A run of `rounds` rounds and `learners` learners with four metrics each, built directly (a fold of 10,000 rounds of events would time the fold, not the panel). */
export function bigSeries(rounds: number, learners: number): RunSeries {
  const list: SeriesRound[] = [];
  for (let r = 1; r <= rounds; r++) list.push(bigRound(r, learners));
  return {
    run: { key: 'local:bench', runId: 'bench', label: 'FedAvg-run-bench', source: 'local', status: 'running', startedAt: 0, strategy: 'FedAvg', rounds, learners, config: {} },
    rounds: list,
    timeline: [{ at: 0, kind: 'build', text: 'Image built' }],
  };
}

function bigRound(r: number, learners: number): SeriesRound {
  const decay = 1 / Math.sqrt(r);
  return {
    round: r,
    aggregate: { eval_loss: 2 * decay, eval_accuracy: 1 - decay * 0.9, train_loss: 1.8 * decay, eval_num_examples: 300 * learners },
    learners: Array.from({ length: learners }, (_, i) => ({
      learner: i + 1,
      metrics: { eval_loss: 2 * decay * (0.8 + (i % 7) / 10) + ((r * 7 + i) % 13) / 400, eval_accuracy: 1 - decay * (0.8 + (i % 5) / 10), train_train_seconds: 1 + (i % 4) * 0.3 + ((r + i) % 9) / 50, train_num_examples: 1200 + i },
    })),
    participation: { sampled: learners, replied: learners - (r % 97 === 0 ? 1 : 0), failed: r % 97 === 0 ? 1 : 0 },
    durationMs: 2000 + (r % 17) * 20,
    timeMs: r * 2000,
  };
}

export async function metricsFigures(say: (line: string) => void, root: string): Promise<void> {
  const dist = path.join(root, 'dist');
  const bundle = readFileSync(path.join(dist, 'webview/metrics.js'));
  const css = statSync(path.join(dist, 'webview/metrics-style.css')).size;
  say('# metrics panel benchmark (replay harness in Chromium, 2 cores; medians)');
  say(`webview bundle: ${(bundle.length / 1024).toFixed(1)} KiB minified, ${(gzipSync(bundle).length / 1024).toFixed(1)} KiB gzipped (goal 250 KiB); stylesheet ${(css / 1024).toFixed(1)} KiB`);

  // The extension side: a live run's view after its latest round, turned into the panel's delta, as
  // MetricsPanel does on every roundFinished (view → record → series → delta).
  const rounds = 10_000;
  const learners = 50;
  const events = demoEvents({ rounds: 300, learners });
  const finished = events.findLastIndex((e) => e.type === 'roundFinished');
  const before = events.slice(0, finished).reduce(reduceRun, emptyRunView('bench', 0));
  const after = reduceRun(before, events[finished] as RunEvent);
  const context = { repo: '/bench', owner: '' };
  const shown = seriesFromRecord(recordFromView(before, context), true);
  const ext: number[] = [];
  const stringify: number[] = [];
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    const delta = deltaMessage(2, shown, seriesFromRecord(recordFromView(after, context), true));
    ext.push(performance.now() - t);
    t = performance.now();
    JSON.stringify(shown.rounds);
    stringify.push(performance.now() - t);
    if (delta === undefined) throw new Error('no delta for a finished round');
  }
  say(`extension side, finished round → delta message (a live 300-round run, ${learners} learners): ${median(ext).toFixed(1)} ms; JSON of the run's rounds (the cost of a full resend): ${median(stringify).toFixed(1)} ms -> ${(median(ext) / median(stringify)).toFixed(2)}x`);

  if (!ReplayHarness.available()) {
    say('webview figures: not measured (Chromium is not installed: apt-get install chromium)');
    return;
  }
  const harness = await new ReplayHarness(dist).start();
  try {
    const snapshot = snapshotMessage(1, [bigSeries(rounds, learners)], [{ kind: 'local', repo: '/bench', runId: 'bench' }]);
    const text = JSON.stringify(snapshot);
    harness.record('big.json', [{ at: 0, message: snapshot }]);
    say(`snapshot: ${rounds.toLocaleString('en')} rounds × ${learners} learners, ${(text.length / 1024 / 1024).toFixed(1)} MiB of JSON`);
    const firstPaint: number[] = [];
    const parse: number[] = [];
    const deltas: number[] = [];
    const redraw: number[] = [];
    const hover: number[] = [];
    const zoom: number[] = [];
    const latency: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const { page, errors } = await harness.open('dark', { width: 1400, height: 1000 });
      const figures = await page.evaluate(
        async ({ url, learners: n, rounds: total }) => {
          const frame = () => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())));
          const line = await (await fetch(url)).text();
          const message = (JSON.parse(line) as { message: unknown }).message;
          let t = performance.now();
          JSON.parse(JSON.stringify(message));
          const parseMs = performance.now() - t;
          t = performance.now();
          window.flopsReplay.deliver(message);
          await frame();
          const paint = (await frame()) - t;
          const host = [...document.querySelectorAll('.wide .u-over')][0] as HTMLElement | undefined;
          // Deltas: one new round for every learner, timed until uPlot's redraw (its commit is a microtask).
          const delta: number[] = [];
          const toFrame: number[] = [];
          for (let i = 0; i < 20; i++) {
            const round = total + 1 + i;
            const learnerRows = Array.from({ length: n }, (_, j) => ({ learner: j + 1, metrics: { eval_loss: 0.01 + j / 1000, eval_accuracy: 0.99, train_train_seconds: 1, train_num_examples: 1200 } }));
            const d = { type: 'delta', seq: 2 + i, runKey: 'local:bench', rounds: [{ round, aggregate: { eval_loss: 0.01, eval_accuracy: 0.99, train_loss: 0.01, eval_num_examples: 300 * n }, learners: learnerRows, participation: { sampled: n, replied: n, failed: 0 }, durationMs: 2000, timeMs: round * 2000 }] };
            await frame();
            t = performance.now();
            window.flopsReplay.deliver(d);
            await Promise.resolve();
            await Promise.resolve();
            delta.push(performance.now() - t);
            toFrame.push((await frame()) - t);
          }
          // Baseline: a bare canvas redraw of the same points (50 lines of 10,000 points).
          const canvas = document.createElement('canvas');
          canvas.width = 1300;
          canvas.height = 300;
          document.body.append(canvas);
          const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
          const base: number[] = [];
          for (let k = 0; k < 10; k++) {
            t = performance.now();
            ctx.clearRect(0, 0, 1300, 300);
            for (let j = 0; j < n; j++) {
              ctx.beginPath();
              for (let x = 0; x < total; x++) ctx.lineTo((x / total) * 1300, 150 + Math.sin(x + j) * 100);
              ctx.stroke();
            }
            ctx.getImageData(0, 0, 1, 1);
            base.push(performance.now() - t);
          }
          canvas.remove();
          // Hover and zoom on the per-learner chart (50 series × 10,020 points).
          const hovers: number[] = [];
          const zooms: number[] = [];
          if (host !== undefined) {
            const box = host.getBoundingClientRect();
            for (let k = 0; k < 20; k++) {
              t = performance.now();
              host.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + (box.width * (k + 1)) / 22, clientY: box.top + box.height / 2, bubbles: true }));
              await Promise.resolve();
              await frame();
              hovers.push(performance.now() - t);
            }
            for (let k = 0; k < 5; k++) {
              t = performance.now();
              host.dispatchEvent(new MouseEvent('mousedown', { clientX: box.left + box.width * 0.3, clientY: box.top + 20, bubbles: true, button: 0 }));
              document.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + box.width * 0.6, clientY: box.top + 20, bubbles: true }));
              document.dispatchEvent(new MouseEvent('mouseup', { clientX: box.left + box.width * 0.6, clientY: box.top + 20, bubbles: true, button: 0 }));
              await Promise.resolve();
              await frame();
              zooms.push(performance.now() - t);
              host.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
              await frame();
            }
          }
          return { parseMs, paint, delta, toFrame, base, hovers, zooms };
        },
        { url: '/recordings/big.json', learners, rounds },
      );
      if (errors.length > 0) say(`page errors: ${errors.slice(0, 3).join(' | ')}`);
      firstPaint.push(figures.paint);
      parse.push(figures.parseMs);
      deltas.push(median(figures.delta));
      latency.push(median(figures.toFrame));
      redraw.push(median(figures.base));
      if (figures.hovers.length > 0) hover.push(median(figures.hovers));
      if (figures.zooms.length > 0) zoom.push(median(figures.zooms));
      // To look at what the level of detail draws at this size (the zoom above was reset by a double-click).
      if (trial === 0) mkdirSync(path.join(root, '.test-output', 'screenshots'), { recursive: true });
      if (trial === 0) await page.screenshot({ path: path.join(root, '.test-output', 'screenshots', 'metrics-10k-rounds.png'), fullPage: false });
      await page.context().close();
    }
    const fp = median(firstPaint);
    const jp = median(parse);
    say(`first paint of the snapshot: ${fp.toFixed(0)} ms (budget 1000 ms); JSON.parse+stringify of it: ${jp.toFixed(0)} ms -> ${(fp / jp).toFixed(2)}x`);
    const dm = median(deltas);
    const rb = median(redraw);
    say(`delta (one new round × ${learners} learners), main thread until redrawn: ${dm.toFixed(1)} ms (budget 16 ms); bare canvas redraw of the same ${learners} lines × ${rounds.toLocaleString('en')} points: ${rb.toFixed(1)} ms -> ${(dm / rb).toFixed(2)}x`);
    say(`delta message → next painted frame: ${median(latency).toFixed(1)} ms (the webview's share of the 250 ms event-to-pixel budget)`);
    if (hover.length > 0) say(`hover on the per-learner chart, until the next frame: ${median(hover).toFixed(1)} ms; drag-zoom: ${median(zoom).toFixed(1)} ms -> ${(median(zoom) / rb).toFixed(2)}x the bare redraw`);
  } finally {
    await harness.stop();
  }
}
