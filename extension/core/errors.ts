/**
 * Failures the core can foresee. The UI maps each `kind` to one sentence and helpful buttons; `detail`
 * goes to the log only. Findings are not errors: lint problems are returned as data.
 */
export type FlErrorKind =
  | 'cancelled'
  | 'invalidInput'
  | 'unreadable'
  | 'parserUnavailable'
  | 'invalidConfig'
  | 'dockerUnavailable'
  /** Oakestra (or the FLOps manager) answered with an error: refused credentials, a rejected SLA, ... */
  | 'orchestratorRejected'
  /** Oakestra (or the FLOps manager) could not be reached or did not answer like Oakestra. */
  | 'orchestratorUnavailable'
  /** A metrics tracker (MLflow) could not be read: unreachable, refused, not a tracking server. */
  | 'trackerUnavailable'
  /** Something asked for by name or id does not exist (an MLflow experiment or run). */
  | 'notFound';

export class FlError extends Error {
  override readonly name = 'FlError';
  constructor(
    readonly kind: FlErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Throws `FlError('cancelled')` when the signal is aborted; call it between steps of a use case. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new FlError('cancelled', 'The operation was cancelled.');
}

/** Whether what was thrown is a cancellation (the user's Ctrl-C or Cancel, an aborted signal). */
export function isCancelled(error: unknown): boolean {
  return error instanceof FlError && error.kind === 'cancelled';
}

/** The message of whatever was thrown (an Error's message, anything else as a string). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whatever was thrown, as an Error (for loggers and rejections that need one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
