/**
 * The Python peer of the cold-init benchmark: the shape of the Python rotation function this
 * module replaces (boto3 and psycopg2 imported, SSM and ECS clients built at init). Our
 * bundle's cold-init overhead over bare `node` is judged against its overhead over bare
 * `python3`, measured in the same run, so that a busy machine slows both sides alike.
 * boto3 and psycopg2-binary come from test/support/requirements.txt, installed into the
 * project venv by scripts/setup.mjs.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { emulatorTools } from "../../test/support/tools";

/** What the replaced function's module does before its handler runs. */
export const PYTHON_PEER_INIT = [
  "import boto3",
  "import psycopg2",
  'ssm = boto3.client("ssm")',
  'ecs = boto3.client("ecs")',
].join("\n");

/** The project venv's interpreter (beside moto's server, which setup installs there). */
export function venvPython(): string {
  const python = join(dirname(emulatorTools().motoServerBin), "python3");
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: run \`node scripts/setup.mjs bench\``);
  }
  return python;
}
