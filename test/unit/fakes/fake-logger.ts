import type { Logger } from '../../../extension/core/ports';

/** A Logger that keeps every line by level, for asserting what was logged (and that nothing was logged as an error). */
export class FakeLogger implements Logger {
  readonly lines: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; readonly message: string }[] = [];

  trace(message: string): void {
    this.lines.push({ level: 'trace', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string | Error): void {
    this.lines.push({ level: 'error', message: message instanceof Error ? (message.stack ?? message.message) : message });
  }

  /** The messages logged at one level. */
  at(level: FakeLogger['lines'][number]['level']): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }
}
