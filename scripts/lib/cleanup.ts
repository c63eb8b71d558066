/**
 * Teardown for scripts that start servers and child processes: tasks run in reverse order of
 * registration, once, whether the script succeeds, fails or is interrupted (Ctrl-C, SIGTERM).
 */
type Task = () => void | Promise<void>;

export class Cleanup {
  private readonly tasks: { label: string; task: Task }[] = [];
  private running: Promise<void> | undefined;

  /** Registers a teardown task; the last one added runs first. */
  add(label: string, task: Task): void {
    this.tasks.push({ label, task });
  }

  /** Runs every task once; a failing task is reported and does not stop the others. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { label, task } of this.tasks.reverse()) {
        try {
          await task();
        } catch (error) {
          console.error(
            `cleanup: could not ${label}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit with the conventional 128 + signal number. */
  onSignals(): void {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up…`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }
}

/** Runs `main` with a Cleanup; exits 1 (after cleanup) when it throws or returns false. */
export function runScript(name: string, main: (cleanup: Cleanup) => Promise<boolean>): void {
  const cleanup = new Cleanup();
  cleanup.onSignals();
  main(cleanup)
    .then(
      (ok) => (ok ? 0 : 1),
      (error: unknown) => {
        console.error(
          `\n${name}: FAILED: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        );
        return 1;
      },
    )
    .then(async (code) => {
      await cleanup.run();
      process.exit(code);
    });
}
