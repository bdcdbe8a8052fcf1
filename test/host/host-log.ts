/** A progress line from the runner itself, told apart from the extension host's own output. */
export function hostLog(message: string): void {
  console.log(`[host] ${message}`);
}
