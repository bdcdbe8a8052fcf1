import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Copies a workspace folder (by default test/integration/workspace/, owned by the integration tests)
 * into `dest`, so tests may write into it freely, and returns the absolute path of the
 * `.code-workspace` file in the copy.
 */
export function copyWorkspace(source: string, dest: string): string {
  cpSync(source, dest, { recursive: true });
  const files = readdirSync(dest).filter((name) => name.endsWith('.code-workspace'));
  const [file] = files;
  if (file === undefined || files.length > 1) {
    throw new Error(`${source} must hold exactly one .code-workspace file, found ${files.length}`);
  }
  return path.join(dest, file);
}
