import assert from 'node:assert/strict';
import type { RoundMetrics } from '../../../../extension/core/runs/run-events';
import { replyFailuresText, roundsLine } from '../../../../extension/core/runs/run-text';

const round = (n: number, nodes: [number, number], failures: [number, number]): RoundMetrics => ({
  round: n, rounds: 3, strategy: 'FedAvg', train: null, evaluate: { loss: 0.5, accuracy: 0.75 },
  nodes: { train: nodes[0], evaluate: nodes[1] }, failures: { train: failures[0], evaluate: failures[1] }, timeMs: n, learners: [],
});

describe('run text: partial learner failures per round', () => {
  it('names the rounds whose replies failed, per phase, and nothing when none did', () => {
    assert.equal(replyFailuresText([round(1, [2, 2], [0, 0])]), '');
    assert.equal(
      replyFailuresText([round(1, [2, 2], [0, 0]), round(2, [1, 2], [1, 0]), round(3, [2, 1], [0, 1])]),
      '; learner replies failed in round 2 (1 of 2 train), round 3 (1 of 2 evaluate)',
    );
    assert.equal(roundsLine(2, 3, [round(1, [2, 2], [0, 0]), round(2, [1, 1], [1, 1])]), 'Round 2 of 3; last loss 0.500 · accuracy 0.750; learner replies failed in round 2 (1 of 2 train, 1 of 2 evaluate)');
  });
});
