/**
 * Which strategy a service gets. `auto` follows the deployment controller: only the ECS
 * controller accepts UpdateService forceNewDeployment; CODE_DEPLOY and EXTERNAL services
 * take new tasks only through CodeDeploy or task sets, so their tasks are replaced one by one.
 */
import type { RefreshStrategy, StrategySetting } from "./types";

export type StrategyChoice =
  | { readonly strategy: RefreshStrategy }
  | { readonly strategy: undefined; readonly problem: string };

/** `controller` is the service's deploymentController.type; ECS when absent (the API's default). */
export function chooseStrategy(
  setting: StrategySetting,
  controller: string | undefined,
): StrategyChoice {
  const type = controller ?? "ECS";
  if (setting === "stop-tasks") return { strategy: "stop-tasks" };
  if (type === "ECS") return { strategy: "rolling" };
  if (setting === "auto") return { strategy: "stop-tasks" };
  return {
    strategy: undefined,
    problem: `strategy "rolling" cannot refresh a ${type} service (UpdateService cannot force a new deployment there); set its strategy to "stop-tasks" or "auto" (module variable ecs_service_strategies or ecs_refresh_strategy)`,
  };
}

/** The configured setting for one service: its own entry (by name or cluster/name), else the default. */
export function settingFor(
  cluster: string,
  service: string,
  byService: Readonly<Record<string, StrategySetting>>,
  fallback: StrategySetting,
): StrategySetting {
  return byService[`${cluster}/${service}`] ?? byService[service] ?? fallback;
}
