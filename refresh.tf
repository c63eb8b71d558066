# The ECS restart's permissions beyond UpdateService/DescribeServices (iam.tf, RefreshEcsServices,
# on refresh_service_arns below): discovery of services in whole clusters, and the stop-tasks
# restart method for CODE_DEPLOY and EXTERNAL services. Merged into the function's one policy document;
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
    var.ecs_restart_method != "rolling" ||
    anytrue([for method in values(var.ecs_service_restart_methods) : method != "rolling"])
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

# In-flight refresh (docs/design.md §In-flight refresh): a refresh that outlives the invocation is
# recorded (refresh_state_parameter_name) and finished by ECS's own deployment events. The rule
# matches the end of a deployment of the services a rotation may refresh: the listed ones by ARN,
# and every service of a discovery cluster by prefix (discovered services are not known when
# Terraform runs). Events for a service not in the record cost one GetParameter and are ignored.
locals {
  deployment_event_resources = concat(
    [for service in var.ecs_service_names : "${local.arn_prefix.ecs}:service/${local.ecs_cluster_name}/${service}"],
    [for c in var.ecs_discovery_cluster_names : { prefix = "${local.arn_prefix.ecs}:service/${c}/" }],
  )
  deployment_event_pattern = {
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = local.deployment_event_resources
    # A deployment's start settles nothing; the function would only ignore it.
    detail = { eventName = ["SERVICE_DEPLOYMENT_COMPLETED", "SERVICE_DEPLOYMENT_FAILED"] }
  }
  track_deployments = local.create && length(local.refresh_service_arns) > 0
}

resource "aws_cloudwatch_event_rule" "deployments" {
  count = local.track_deployments ? 1 : 0

  name          = "${var.name}-deployments"
  description   = "Ends of the ECS deployments ${var.name} may start, to finish a refresh that outlived its invocation"
  event_pattern = jsonencode(local.deployment_event_pattern)

  tags = var.tags

  depends_on = [terraform_data.validations]
}

resource "aws_cloudwatch_event_target" "deployments" {
  count = local.track_deployments ? 1 : 0

  rule      = aws_cloudwatch_event_rule.deployments[0].name
  target_id = "in-flight-refresh"
  arn       = aws_lambda_function.this[0].arn

  # A lost event is not lost work: the resume schedule asks ECS directly.
  retry_policy {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "deployments" {
  count = local.track_deployments ? 1 : 0

  statement_id  = "AllowDeploymentEventsRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.deployments[0].arn
}
