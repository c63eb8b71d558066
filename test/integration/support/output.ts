/**
 * Captures what the Lambda prints in this process. Powertools' logger and metrics write
 * through a Console bound to process.stdout/stderr, so wrapping their `write` sees every line;
 * the captured text is kept from jest's output (a rotation logs a dozen JSON lines).
 */
export interface CapturedOutput {
  text(): string;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return {
    text: () => chunks.join(""),
    restore: () =>
      streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write)),
  };
}

/** Captures each test's output in the calling file (or describe block); `text()` reads it. */
export function useCapturedOutput(): Pick<CapturedOutput, "text"> {
  let current: CapturedOutput | undefined;
  beforeEach(() => {
    current = captureOutput();
  });
  afterEach(() => current?.restore());
  return {
    text: () => {
      if (current === undefined) throw new Error("output is captured from beforeEach on");
      return current.text();
    },
  };
}
