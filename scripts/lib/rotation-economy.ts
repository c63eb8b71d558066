/**
 * The benchmark's rotation economy numbers (issue 12): the AWS calls of one rotation counted
 * on the wire (api-calls.ts), and the cold init judged against the Python peer's on a paired
 * ratio (cold-start.ts, python-peer.ts). The field names are those of the `rotation` object
 * in bench/results.json.
 */
import { countRotationCalls } from "./api-calls";
import { measureColdStart, summarizeColdStart } from "./cold-start";
import { venvPython } from "./python-peer";

export interface RotationEconomy {
  /** AWS calls of one rotation publishing DATABASE_URL and the password, one ECS service. */
  readonly apiCalls: number;
  readonly apiCallsByOperation: Readonly<Record<string, number>>;
  readonly coldStartRuns: number;
  readonly coldInitBareMs: number;
  readonly coldInitBundleMs: number;
  readonly coldInitOverheadMs: number;
  readonly pythonBareMs: number;
  readonly pythonPeerMs: number;
  readonly pythonPeerOverheadMs: number;
  readonly coldInitRatioVsPython: number;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

export async function measureRotationEconomy(
  indexPath: string,
  env: Readonly<Record<string, string>>,
  coldStartRuns: number,
): Promise<RotationEconomy> {
  const calls = await countRotationCalls(indexPath, env);
  const cold = summarizeColdStart(measureColdStart(indexPath, env, venvPython(), coldStartRuns));
  return {
    apiCalls: calls.total,
    apiCallsByOperation: calls.byOperation,
    coldStartRuns: cold.runs,
    coldInitBareMs: round(cold.bareNodeMs),
    coldInitBundleMs: round(cold.bundleMs),
    coldInitOverheadMs: round(cold.coldInitOverheadMs),
    pythonBareMs: round(cold.barePythonMs),
    pythonPeerMs: round(cold.pythonPeerMs),
    pythonPeerOverheadMs: round(cold.pythonPeerOverheadMs),
    coldInitRatioVsPython: round(cold.coldInitRatioVsPython, 3),
  };
}
