import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * What every `flops` command writes to and reads its environment from, injected by the dispatcher
 * (main.ts): the process's streams and environment in the binary, buffers in tests.
 */
export interface CliIo {
  readonly out: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly err: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A command line that cannot be run as given: the dispatcher prints `<prefix>: <message>`, then the
 * command's usage (or the top-level one), and exits with 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage text shown after the message; the top-level usage when absent. */
    readonly usage?: string,
    /** How the message starts: `flops`, or `flops sim` for the sim commands. */
    readonly prefix = 'flops',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `parseArgs`, with its errors (unknown option, missing value) as a `UsageError` showing `usage`. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, usage?: string, prefix?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(error.message, usage, prefix);
    throw error;
  }
}

/** Whether output may be coloured: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColor(io: CliIo): boolean {
  return io.out.isTTY === true && io.env['NO_COLOR'] === undefined;
}

/** A signal that aborts on Ctrl-C until `dispose()` removes the handler (call it in a `finally`). */
export function interruptSignal(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSignal) };
}
