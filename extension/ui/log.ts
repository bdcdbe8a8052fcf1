import type * as vscode from 'vscode';
import type { Logger } from '../core/ports';

/** The core's Logger port over the extension's one LogOutputChannel (users pick the level). */
export function createLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
}
