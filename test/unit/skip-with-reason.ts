/**
 * Mocha's `this.skip()` takes no message, so every skip goes through here and says why first
 * (testing.md: "Every skip prints a reason"). Use it only for what cannot exist on this machine; a
 * missing prerequisite that the project's scripts install must fail instead.
 */
export function skipWithReason(ctx: Mocha.Context, reason: string): never {
  console.log(`SKIP ${ctx.test?.title ?? ctx.currentTest?.title ?? '(unknown test)'}: ${reason}`);
  ctx.skip();
}

/** Root reads every file whatever its mode bits, so permission tests cannot fail a read there. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
