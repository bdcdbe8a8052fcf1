import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lastJsonLine, pythonFixtures, requireTestPython, runPython, writeGeneratedApp } from './python-run';

/**
 * The learner host (flops_app/learner_host.py) under Flower's subprocess isolation: every message in a
 * fresh process, yet ModelManager() and set_model_data() run once per learner and run, learner state
 * survives rounds, and failures (the user's exception, a killed host, a failed data load) are reported
 * and recovered from.
 */

interface Summary {
  train_examples: number[];
  loads_after_three_rounds: number;
  host_is_not_a_client: boolean;
  hosts_run1: number;
  folder_mode: string;
  fit_error: { error: string; message: string };
  after_error: number;
  loads_after_error: number;
  new_run_examples: number;
  loads_after_new_run: number;
  hosts_after_new_run: number;
  after_kill: number;
  loads_after_kill: number;
  build_error: { error: string; message: string };
  hosts_after_build_error: number;
  other_learner_examples: number;
  loads_with_other_learner: number;
  after_build_error: number;
  loads_total: number;
}

describe('learner host: the ModelManager built once per learner across per-message processes', function () {
  this.timeout(120_000);
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flops-learner-host-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('loads data once, keeps learner state between rounds, and reports and recovers from failures', async function () {
    requireTestPython(this);
    const app = path.join(work, 'app');
    writeGeneratedApp(app, 'sklearn');
    const scratch = path.join(work, 'run');
    mkdirSync(scratch);
    const run = await runPython([path.join(pythonFixtures, 'learner_host_check.py'), app, scratch], scratch);
    assert.equal(run.status, 0, `${run.stderr.slice(-3000)}\n${run.stdout.slice(-1000)}`);
    const s = lastJsonLine<Summary>(run);
    // fit_model returns 4 × (fits so far): the same ModelManager object answered all three rounds.
    assert.deepEqual(s.train_examples, [4, 8, 12]);
    assert.equal(s.loads_after_three_rounds, 1);
    assert.equal(s.host_is_not_a_client, true);
    assert.equal(s.hosts_run1, 1);
    assert.equal(s.folder_mode, '0o700');
    assert.equal(s.fit_error.error, 'LearnerError');
    assert.match(s.fit_error.message, /^ZeroDivisionError: integer division or modulo by zero \(model_manager\.py, line \d+\)$/);
    assert.equal(s.after_error, 16, 'the host keeps serving (and its state) after the user code raised');
    assert.equal(s.loads_after_error, 1);
    assert.equal(s.other_learner_examples, 4, 'another learner (partition) has its own host and model');
    assert.equal(s.loads_with_other_learner, 2);
    assert.equal(s.new_run_examples, 4, 'a new run gets a fresh ModelManager');
    assert.equal(s.loads_after_new_run, 3);
    assert.equal(s.hosts_after_new_run, 2, 'the earlier run\'s host of this learner exited; the other learner\'s stays');
    assert.equal(s.after_kill, 4, 'a killed host is replaced by a fresh one');
    assert.equal(s.loads_after_kill, 4);
    assert.equal(s.build_error.error, 'LearnerError');
    assert.match(s.build_error.message, /^building the learner failed: FileNotFoundError: no data here \(model_manager\.py, line \d+\)$/);
    assert.equal(s.hosts_after_build_error, 0, 'a host whose learner could not be built exits (the other hosts were stopped)');
    assert.equal(s.after_build_error, 4);
    assert.equal(s.loads_total, 6);
  });
});
