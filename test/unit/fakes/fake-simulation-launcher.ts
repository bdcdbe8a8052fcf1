import { systemClock } from '../../../extension/io/system-clock';
import { throwIfCancelled } from '../../../extension/core/errors';
import type { Finding } from '../../../extension/core/findings/finding';
import type { Clock, RemovalReport } from '../../../extension/core/ports';
import type { RunRecord } from '../../../extension/core/runs/run-record';
import type { PrepareSimulationOptions, SimulationLauncher, SimulationStart } from '../../../extension/core/simulate/launcher';
import type { PlannedMember, SimulationPlan } from '../../../extension/core/simulate/plan';
import { SimulationSession } from '../../../extension/core/simulate/session';
import { FakeContainerRuntime } from './fake-container-runtime';

/** A plan as planSimulation makes it, reduced to what a session uses: aggregator, learners, starter. */
export function fakePlan(runId: string, learners: number, rounds: number): SimulationPlan {
  const runLabels = { 'flops.run': runId };
  const network = `${runId}_default`;
  const member = (service: string, role: PlannedMember['role'], extra: { learner?: number; profile?: string } = {}): PlannedMember => ({
    service,
    role,
    ...extra,
    spec: { name: `${runId}-${service}-1`, image: 'flops-test/fake:1', cmd: [], env: [], labels: { ...runLabels, 'flops.role': role }, network, aliases: [service], ...(role === 'learner' ? { cpus: 0.5, memoryMb: 512 } : {}) },
  });
  return {
    runId,
    project: runId,
    network,
    outputVolume: `${runId}_flops-output`,
    image: { tag: 'flops-test/fake:1', dockerfile: '.flops/Dockerfile', buildArgs: {} },
    members: [
      member('aggregator', 'aggregator'),
      ...Array.from({ length: learners }, (_, i) => member(`learner-${i + 1}`, 'learner', { learner: i + 1, profile: 'pi-class' })),
      member('run', 'starter'),
    ],
    learners,
    rounds,
    minAvailable: learners,
    strategy: 'FedAvg',
    runLabels,
    endpoints: { control: '127.0.0.1:39093' },
  };
}

/**
 * The SimulationLauncher port over a FakeContainerRuntime: real sessions (the core's SimulationSession)
 * against a fake engine the test drives. Generation and history files are not involved: `history` is
 * what `runs` answers (`historyError` makes it reject), `lintErrors` what `prepare` reports unless forced.
 */
export class FakeLauncher implements SimulationLauncher {
  readonly runtime = new FakeContainerRuntime();
  /** The sessions' clock: the real one in the extension host, a FakeClock in unit tests. */
  constructor(private readonly clock: Clock = systemClock) {}

  history: RunRecord[] = [];
  lintErrors: Finding[] | undefined;
  runsCalls = 0;
  private count = 0;

  prepare(dir: string, options: PrepareSimulationOptions = {}): Promise<SimulationStart> {
    throwIfCancelled(options.signal);
    options.onStep?.('generating .flops/ (fake)');
    if (this.lintErrors !== undefined && options.force !== true) return Promise.resolve({ kind: 'lintErrors', errors: this.lintErrors });
    const runId = `fake-run-${++this.count}`;
    const plan = fakePlan(runId, options.learners ?? 2, options.rounds ?? 2);
    const session = new SimulationSession(
      plan,
      { runtime: this.runtime, clock: this.clock },
      { build: { contextDir: dir, files: [] }, ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}), ...(options.onLog !== undefined ? { onLog: options.onLog } : {}) },
    );
    return Promise.resolve({ kind: 'ready', session, keptEdited: [], removedLeftovers: [], recordPath: `${dir}/.flops/runs/${runId}.json`, recorded: () => Promise.resolve() });
  }

  historyError: Error | undefined;

  runs(): Promise<RunRecord[]> {
    this.runsCalls++;
    if (this.historyError !== undefined) return Promise.reject(this.historyError);
    return Promise.resolve([...this.history]);
  }

  down(): Promise<RemovalReport> {
    return Promise.resolve({ containers: [], networks: [], volumes: [], failures: [] });
  }
}

/** The ServerApp's per-round line (README "Metrics line format", version 1). */
export function metricsLine(runId: string, round: number, rounds: number, loss: number, accuracy: number): string {
  return JSON.stringify({ flops: 'round', v: 1, run_id: runId, round, rounds, strategy: 'FedAvg', time_ms: round * 1000, train: null, evaluate: { loss, accuracy }, nodes: { train: 2, evaluate: 2 } });
}
