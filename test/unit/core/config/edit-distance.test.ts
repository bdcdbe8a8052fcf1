import assert from 'node:assert/strict';
import { closestMatch, editDistance } from '../../../../extension/core/config/edit-distance';

describe('editDistance and closestMatch', () => {
  it('counts insertions, deletions, substitutions and swaps', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('bandwith_out', 'bandwidth_out'), 1);
    assert.equal(editDistance('tarining', 'training'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the closest candidate for plausible typos only', () => {
    const keys = ['training_rounds', 'training_cycles', 'min_fit_clients', 'min_available_clients'];
    assert.equal(closestMatch('trainig_rounds', keys), 'training_rounds');
    assert.equal(closestMatch('minFitClients', keys), 'min_fit_clients');
    assert.equal(closestMatch('min-available-clients', keys), 'min_available_clients');
    assert.equal(closestMatch('learning_rate', keys), undefined);
    assert.equal(closestMatch('FedAVG', ['FedAvg', 'FedProx']), 'FedAvg');
  });
});
