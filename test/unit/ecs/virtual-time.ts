/** Virtual time for the refresh's unit tests (jest's fake timers). */

/** Drive jest's clock, 100 ms at a time, until `promise` settles. */
export async function settle<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; !settled; i++) {
    if (i > 100_000) throw new Error("did not settle within 10000 virtual seconds");
    await jest.advanceTimersByTimeAsync(100);
  }
  return promise;
}
