/**
 * Which restart method a service gets. `auto` follows the deployment controller: only the ECS
 * controller accepts UpdateService forceNewDeployment; CODE_DEPLOY and EXTERNAL services
 * take new tasks only through CodeDeploy or task sets, so their tasks are replaced one by one.
 */
import type { RestartMethod, RestartMethodSetting } from "../config";

export type RestartMethodChoice =
  | { readonly restartMethod: RestartMethod }
  | { readonly restartMethod: undefined; readonly problem: string };

/** `controller` is the service's deploymentController.type; ECS when absent (the API's default). */
export function chooseRestartMethod(
  setting: RestartMethodSetting,
  controller: string | undefined,
): RestartMethodChoice {
  const type = controller ?? "ECS";
  if (setting === "stop-tasks") return { restartMethod: "stop-tasks" };
  if (type === "ECS") return { restartMethod: "rolling" };
  if (setting === "auto") return { restartMethod: "stop-tasks" };
  return {
    restartMethod: undefined,
    problem:
      `restart method "rolling" cannot refresh a ${type} service (UpdateService cannot force ` +
      'a new deployment there); set its restart method to "stop-tasks" or "auto" (module ' +
      "variable ecs_service_restart_methods or ecs_restart_method)",
  };
}

/** The setting for one service: its own entry (by name or cluster/name), else the default. */
export function settingFor(
  cluster: string,
  service: string,
  byService: Readonly<Record<string, RestartMethodSetting>>,
  fallback: RestartMethodSetting,
): RestartMethodSetting {
  return byService[`${cluster}/${service}`] ?? byService[service] ?? fallback;
}
