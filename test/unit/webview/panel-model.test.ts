import assert from 'node:assert/strict';
import type { DeltaMessage, SnapshotMessage } from '../../../extension/protocol/metrics-protocol';
import { deltaMessage, snapshotMessage } from '../../../extension/ui/metrics/panel-messages';
import { RunColumns } from '../../../webview/chart-data';
import { initialModel, reduce, type PanelModel } from '../../../webview/panel-model';
import { demoSeries } from '../../webview/demo-run';

/** The metrics page's state reducer: snapshot, then deltas; duplicates, stale and out-of-order deltas. */

const source = { kind: 'local' as const, repo: '/r', runId: 'mnist-sklearn-m3x1' };

function snapshotOf(rounds: number, seq = 1): { message: SnapshotMessage; key: string } {
  const series = demoSeries({ rounds: 8, learners: 3 });
  const cut = { ...series, rounds: series.rounds.slice(0, rounds) };
  return { message: snapshotMessage(seq, [cut], [source]), key: series.run.key };
}

function delta(seq: number, rounds: number[], status?: 'running' | 'succeeded'): DeltaMessage {
  const series = demoSeries({ rounds: 8, learners: 3 });
  const message = deltaMessage(seq, { ...series, rounds: [] }, { ...series, rounds: series.rounds.filter((r) => rounds.includes(r.round)), run: { ...series.run, status: status ?? 'running' } });
  if (message === undefined) throw new Error('no delta');
  return message;
}

function fold(model: PanelModel, ...messages: Parameters<typeof reduce>[1][]): PanelModel {
  return messages.reduce((m, message) => reduce(m, message).model, model);
}

describe('webview: panel state', () => {
  it('starts loading, takes the snapshot whole, then appends deltas', () => {
    const { message, key } = snapshotOf(3);
    const model = fold(initialModel(), { type: 'loading', text: 'Reading…' }, message);
    assert.equal(model.phase, 'ready');
    assert.deepEqual(model.runs[0]?.rounds.map((r) => r.round), [1, 2, 3]);
    const step = reduce(model, delta(2, [4]));
    assert.deepEqual(step.change, { kind: 'rounds', runKey: key, appended: true });
    assert.deepEqual(step.model.runs[0]?.rounds.map((r) => r.round), [1, 2, 3, 4]);
  });

  it('drops duplicates and deltas older than the snapshot, merges out-of-order ones', () => {
    const { message } = snapshotOf(2, 5);
    let model = fold(initialModel(), message);
    assert.equal(reduce(model, delta(5, [3])).change.kind, 'none', 'not newer than the snapshot');
    model = fold(model, delta(7, [4], 'running'), delta(6, [3], 'running'));
    assert.deepEqual(model.runs[0]?.rounds.map((r) => r.round), [1, 2, 3, 4], 'round 3 arrived after 4 and is inserted in order');
    assert.equal(reduce(model, delta(7, [4])).change.kind, 'none', 'a duplicate');
    // The status of the newest delta wins, whatever the arrival order.
    model = fold(model, delta(9, [5], 'succeeded'), delta(8, [], 'running'));
    assert.equal(model.runs[0]?.run.status, 'succeeded');
    const again = fold(model, delta(10, [4, 5]));
    assert.deepEqual(again.runs[0]?.rounds.map((r) => r.round), [1, 2, 3, 4, 5], 'replaced rounds stay unique');
  });

  it('ignores deltas before a snapshot and for unknown runs; an older snapshot never replaces a newer one', () => {
    assert.equal(reduce(initialModel(), delta(3, [1])).change.kind, 'none');
    const { message } = snapshotOf(2, 4);
    const model = fold(initialModel(), message);
    assert.equal(reduce(model, { ...delta(5, [3]), runKey: 'local:other' }).change.kind, 'none');
    assert.equal(reduce(model, snapshotOf(1, 3).message).change.kind, 'none');
    const error = fold(model, { type: 'error', title: 'x', text: 'y', retry: true });
    assert.equal(error.phase, 'error');
    assert.equal(fold(error, snapshotOf(2, 6).message).phase, 'ready', 'a retry that succeeds clears the error');
  });

  it('keeps columns as long as the rounds, with gaps for what a round did not report', () => {
    const series = demoSeries({ rounds: 6, learners: 3, failRound: 2 });
    const model = fold(initialModel(), snapshotMessage(1, [series], [source]));
    const run = model.runs[0];
    assert.ok(run !== undefined);
    const columns = RunColumns.from(run);
    assert.equal(columns.length, 6);
    assert.deepEqual(columns.learnerKeys(), ['1', '2', '3']);
    const learner2 = columns.learnerColumn('2', 'eval_loss');
    assert.equal(learner2.length, 6);
    assert.equal(learner2[1], null, 'learner 2 failed round 2: a gap');
    assert.deepEqual(columns.failed, [null, 1, null, null, null, null]);
    for (const column of columns.aggregate.values()) assert.equal(column.length, 6);
  });
});
