import type { Finding } from '../findings/finding';
import type { RemovalReport } from '../ports';
import type { RunEvent } from '../runs/run-events';
import type { RunRecord } from '../runs/run-record';
import type { RunView } from '../runs/run-view';
import type { SimulationSession } from './session';

/**
 * What the editor and the CLI ask of the local simulation, implemented in io/local-simulation.ts
 * (Docker, the file system, git). The UI receives it from the composition root, never imports io.
 */

export interface PrepareSimulationOptions {
  readonly learners?: number;
  readonly rounds?: number;
  /** Build FROM this image instead of flops.json's image.base_image (e.g. a prepared air-gapped base). */
  readonly baseImage?: string;
  /** Simulate although the repository has lint errors. */
  readonly force?: boolean;
  readonly startTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Progress of the preparation (generate, hash, clean up leftovers) for a progress display. */
  readonly onStep?: (message: string) => void;
  readonly onEvent?: (event: RunEvent, view: RunView) => void;
  readonly onLog?: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
}

export type SimulationStart =
  | { readonly kind: 'lintErrors'; readonly errors: readonly Finding[] }
  | { readonly kind: 'invalid'; readonly message: string }
  | {
      readonly kind: 'ready';
      readonly session: SimulationSession;
      /** Generated files the user edited: kept and used as they are. */
      readonly keptEdited: readonly string[];
      /** Leftovers of earlier runs whose process had died, removed before this one. */
      readonly removedLeftovers: readonly string[];
      /** Where the run's history record is written. */
      readonly recordPath: string;
      /** Resolves once the record holds everything the session reported so far (await it after `run()`). */
      readonly recorded: () => Promise<void>;
    };

export interface SimulationLauncher {
  /**
   * Generates `.flops/` if needed (never overwriting edited files), hashes the build context, plans the
   * run and removes leftovers of dead runs of the same repository. Rejects with
   * `FlError('dockerUnavailable')` when no engine answers and with `FlError('invalidInput')` when a run
   * of this repository is still alive. `session.run()` starts it.
   */
  prepare(dir: string, options?: PrepareSimulationOptions): Promise<SimulationStart>;
  /** Runs of the repository from its history, newest first. */
  runs(dir: string, signal?: AbortSignal): Promise<RunRecord[]>;
  /** Removes every container, network and volume of the repository's runs, live or dead. */
  down(dir: string, signal?: AbortSignal): Promise<RemovalReport>;
}
