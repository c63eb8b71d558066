/**
 * Run `work` over `items` with at most `limit` at a time, results in input order. Bounded, so
 * that a rotation never restarts every service of a cluster at once (capacity, connection
 * storms on the database), yet twenty services do not take twenty deployments' time.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
