/**
 * docs/design.md §Invariants 4, edge race: the pending parameter's create reaches SSM but its
 * response is lost; the AWS SDK retries and SSM answers ParameterAlreadyExists. The run must
 * recognise its own record (same invocation, same staged password) and finish the rotation
 * instead of skipping itself and leaving a lease that stops rotations until it expires.
 * Real SDK client and retry strategy against the moto server, real PostgreSQL.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { expectRotated } from "./support/expectations";
import { startLostResponseProxy } from "./support/lost-response-proxy";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

test("a pending-parameter create whose response was lost is recognised as the run's own", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const mark = markServerLog(s.h);
  const moto = process.env.AWS_ENDPOINT_URL ?? "";
  const proxy = await startLostResponseProxy(
    moto,
    (target, body) => target === "AmazonSSM.PutParameter" && body.Name === s.parameters.pending,
  );
  try {
    const ssm = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 3 });
    const handler = createHandler({ env: s.env, clients: { ssm } });

    const result = await handler({ action: "rotate" }, lambdaContext());

    expect(proxy.lost).toBe(1);
    expect(result).toMatchObject({ outcome: "rotated" });
    await expectRotated(s, s.initialPassword, before);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  } finally {
    await proxy.stop();
  }
});
