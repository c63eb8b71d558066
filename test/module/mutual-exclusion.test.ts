/**
 * docs/design.md §Invariants 4: reserved concurrency 1 is the real mutual exclusion of
 * rotations (the pending parameter's lease only covers what it cannot: a manual run racing a
 * crashed one). The module fixes it: the function's reserved concurrency is the literal 1,
 * no variable reaches it, and asynchronous invocations are never retried. What the module
 * cannot see at plan, two modules on one parameter, is documented in docs/operations.md.
 */
import { parseHcl } from "./module-files";

type Block = Record<string, unknown>;

async function resource(file: string, type: string, name: string): Promise<Block> {
  const hcl = (await parseHcl(file)) as { resource: Record<string, Record<string, Block[]>> };
  const block = hcl.resource[type]?.[name]?.[0];
  if (block === undefined) throw new Error(`${file} has no ${type}.${name}`);
  return block;
}

test("the function's reserved concurrency is the literal 1, set by no variable", async () => {
  const fn = await resource("main.tf", "aws_lambda_function", "this");
  expect(fn.reserved_concurrent_executions).toBe(1);
  const variables = (await parseHcl("variables.tf")) as { variable: Record<string, unknown> };
  expect(Object.keys(variables.variable).filter((v) => /reserved|concurren/.test(v))).toEqual([
    "ecs_refresh_concurrency",
  ]);
});

test("asynchronous invocations and schedule deliveries are never retried", async () => {
  const invoke = await resource("main.tf", "aws_lambda_function_event_invoke_config", "this");
  expect(invoke.maximum_retry_attempts).toBe(0);
  for (const name of ["this", "resume"]) {
    const target = await resource("schedule.tf", "aws_cloudwatch_event_target", name);
    expect(target.retry_policy).toEqual([expect.objectContaining({ maximum_retry_attempts: 0 })]);
  }
});
