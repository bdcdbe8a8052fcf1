import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { parseCommandArgs, UsageError } from './cli-io';

/** What the `flops sim` commands share: their usage, and the arguments every one of them parses. */

export const simUsage = `Usage: flops sim <command> [DIR] [options]

Runs the repository's generated Flower app as an aggregator plus N learners in Docker.

Commands:
  up [DIR] [--learners N] [--rounds R] [--base-image IMAGE] [--force] [--start-timeout SECONDS] [--verbose]
        Generate .flops/ if needed, build the image when its inputs changed, start the
        run and print one line per round. Ctrl-C stops it; everything is removed at the end.
        --base-image builds FROM IMAGE instead of image.base_image (a prepared offline base).
  status [DIR] [--format text|json]
        The repository's running simulation: its containers and their states.
  logs [DIR] [--learner I | --service NAME] [--follow] [--tail N]
        Logs of the running simulation, each line prefixed by its service.
  down [DIR]
        Remove every container, network and volume of the repository's runs (also after a crash).
  runs [DIR] [--format text|json]
        The run history (.flops/runs/), newest first.
  pause|resume|kill|restart [DIR] --learner I
        What-if controls on a running simulation: stall a learner, let it go on, drop it
        out (the run continues without it), or bring it back.

Exit codes: 0 success, 1 the run failed or was stopped, 2 usage error, no Docker, bad input.`;

/** A `flops sim` command line that cannot be run: the message, then the sim usage. */
export function simUsageError(message: string): UsageError {
  return new UsageError(message, simUsage, 'flops sim');
}

export function parseSimArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseCommandArgs<T>> {
  return parseCommandArgs(config, simUsage, 'flops sim');
}

export function oneDir(positionals: readonly string[]): string {
  if (positionals.length > 1) throw simUsageError(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  return path.resolve(positionals[0] ?? '.');
}

export function positiveInt(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw simUsageError(`${option} takes a whole number of at least 1, got "${value}"`);
  return Number(value);
}

export function fixed(value: number | null | undefined, digits = 3): string {
  return typeof value === 'number' ? value.toFixed(digits) : '-';
}


export function formatOption(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw simUsageError(`Unknown format "${value}"; use text or json.`);
}

/** "; Control API 127.0.0.1:41001, MLflow http://127.0.0.1:41002", or "" when unknown. */
export function endpointsText(endpoints: { readonly control?: string; readonly mlflow?: string } | undefined): string {
  const parts = [endpoints?.control !== undefined ? `Control API ${endpoints.control}` : undefined, endpoints?.mlflow !== undefined ? `MLflow ${endpoints.mlflow}` : undefined].filter((p) => p !== undefined);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}
