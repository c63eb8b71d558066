# The ECS refresh's permissions beyond UpdateService/DescribeServices (iam.tf, RefreshEcsServices,
# on refresh_service_arns below): discovery of services in whole clusters, and the stop-tasks
# strategy for CODE_DEPLOY and EXTERNAL services. Merged into the function's one policy document;
# each statement exists only when the configuration can use it, and is scoped to the refreshed
# clusters as far as ECS allows.

locals {
  # Whether anything is refreshed is decided by the service and cluster lists, known at plan
  # time. "" stands in for a missing cluster only until the check in the security group fails.
  ecs_cluster_name = var.ecs_cluster_name == null ? "" : var.ecs_cluster_name

  # Clusters whose services a rotation may refresh: the listed services' and the discovery ones.
  refresh_cluster_names = distinct(concat(
    length(var.ecs_service_names) > 0 ? [local.ecs_cluster_name] : [],
    var.ecs_discovery_cluster_names,
  ))
  refresh_cluster_arns   = [for c in local.refresh_cluster_names : "${local.arn_prefix.ecs}:cluster/${c}"]
  discovery_cluster_arns = [for c in var.ecs_discovery_cluster_names : "${local.arn_prefix.ecs}:cluster/${c}"]

  # The services a rotation may update: the listed ones, and every service of the discovery
  # clusters (discovered services are not known when Terraform runs).
  refresh_service_arns = concat(
    [for service in var.ecs_service_names : "${local.arn_prefix.ecs}:service/${local.ecs_cluster_name}/${service}"],
    [for c in var.ecs_discovery_cluster_names : "${local.arn_prefix.ecs}:service/${c}/*"],
  )

  # stop-tasks is possible unless every service is forced onto rolling deployments ("auto" picks
  # it for any CODE_DEPLOY or EXTERNAL service, which Terraform cannot know in advance).
  refresh_may_stop_tasks = length(var.ecs_service_names) + length(var.ecs_discovery_cluster_names) > 0 && (
    var.ecs_refresh_strategy != "rolling" ||
    anytrue([for strategy in values(var.ecs_service_strategies) : strategy != "rolling"])
  )
}

data "aws_iam_policy_document" "refresh" {
  count = local.create ? 1 : 0

  # ListServices has no resource-level permission: "*", limited to the discovery clusters.
  dynamic "statement" {
    for_each = length(local.discovery_cluster_arns) > 0 ? [1] : []
    content {
      sid       = "DiscoverEcsServices"
      actions   = ["ecs:ListServices"]
      resources = ["*"]

      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = local.discovery_cluster_arns
      }
    }
  }

  # Read-only and without resource-level permissions: which secrets a task definition reads
  # (discovery) and which containers have health checks (stop-tasks).
  dynamic "statement" {
    for_each = length(local.discovery_cluster_arns) > 0 || local.refresh_may_stop_tasks ? [1] : []
    content {
      sid       = "ReadEcsTaskDefinitions"
      actions   = ["ecs:DescribeTaskDefinition"]
      resources = ["*"]
    }
  }

  # ListTasks authorizes against the cluster only: "*", limited to the refreshed clusters.
  dynamic "statement" {
    for_each = local.refresh_may_stop_tasks ? [1] : []
    content {
      sid       = "ListEcsServiceTasks"
      actions   = ["ecs:ListTasks"]
      resources = ["*"]

      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = local.refresh_cluster_arns
      }
    }
  }

  # Task ARNs carry the cluster but not the service, so IAM cannot narrow StopTask further than
  # the refreshed clusters; the function only stops tasks of group "service:<refreshed service>".
  dynamic "statement" {
    for_each = local.refresh_may_stop_tasks ? [1] : []
    content {
      sid       = "ReplaceEcsServiceTasks"
      actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
      resources = [for c in local.refresh_cluster_names : "${local.arn_prefix.ecs}:task/${c}/*"]

      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = local.refresh_cluster_arns
      }
    }
  }
}
