/**
 * A Lambda invocation context as the handler reads it. The remaining time sets the run's
 * lease (the pending parameter's leaseExpiresAt): a crash test gives the first run no time
 * left, so its lease has already expired when the recovery run starts, as it would once a
 * killed Lambda's timeout has passed.
 */
import { randomUUID } from "node:crypto";

export interface FakeContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** A context whose deadline is `remainingMs` from now (default: a 60 s Lambda timeout). */
export function lambdaContext(remainingMs = 60_000, awsRequestId = randomUUID()): FakeContext {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}
