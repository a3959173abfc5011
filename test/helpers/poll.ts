/**
 * Waiting in tests for something another process does: bounded by a number
 * of looks, never by a deadline (the machines running the suite are busy).
 */

/** Looks at `check` up to `polls` times, `intervalMs` apart; whether it came true. */
export async function pollUntil(check: () => boolean, polls: number, intervalMs: number): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return check();
}

/** Looks a test's usual number of times (600); throws naming `what` when it never came true. */
export async function waitFor(check: () => boolean, what: string, intervalMs = 50): Promise<void> {
  if (!(await pollUntil(check, 600, intervalMs))) throw new Error(`gave up waiting for ${what}`);
}
