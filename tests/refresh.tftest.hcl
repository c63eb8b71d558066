# The ECS refresh and notification settings: their environment keys, the least-privilege IAM
# statements each configuration adds (and only then), the RotationFailed alarm, and the checks
# on each new variable. Run from the repository root: terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                    = "orders-db-rotation"
  vpc_id                  = "vpc-0123456789abcdef0"
  subnet_ids              = ["subnet-0aaaaaaaaaaaaaaaa"]
  db_security_group_id    = "sg-0dddddddddddddddd"
  db_host                 = "orders.abc123.eu-west-1.rds.amazonaws.com"
  db_username             = "orders_app"
  password_parameter_name = "/orders/prod/db/password"
  ecs_cluster_name        = "orders"
  ecs_service_names       = ["orders-api", "orders-worker"]
  alarm_actions           = ["arn:aws:sns:eu-west-1:123456789012:ops"]
}

run "settings_reach_the_lambda" {
  command = plan

  variables {
    ecs_discovery_cluster_names  = ["orders", "payments"]
    ecs_restart_method           = "rolling"
    ecs_service_restart_methods  = { checkout = "stop-tasks", "payments/ledger" = "auto" }
    ecs_refresh_concurrency      = 3
    ecs_wait_timeout_seconds     = 420
    ecs_stop_task_pacing_seconds = 30
    notification_sns_topic_arn   = "arn:aws:sns:eu-west-1:123456789012:rotation-events"
    use_notification_sns_topic   = true
    notification_event_bus       = "ops"
    use_notification_event_bus   = true
    notification_event_source    = "com.example.rotation"
  }

  assert {
    condition = {
      for k, v in aws_lambda_function.this[0].environment[0].variables : k => v
      if startswith(k, "ECS_") || startswith(k, "NOTIFY_")
      } == {
      ECS_CLUSTER                  = "orders"
      ECS_SERVICES                 = "orders-api,orders-worker"
      ECS_DISCOVERY_CLUSTERS       = "orders,payments"
      ECS_RESTART_METHOD           = "rolling"
      ECS_SERVICE_RESTART_METHODS  = "checkout=stop-tasks,payments/ledger=auto"
      ECS_REFRESH_CONCURRENCY      = "3"
      ECS_WAIT_TIMEOUT_SECONDS     = "420"
      ECS_STOP_TASK_PACING_SECONDS = "30"
      NOTIFY_SNS_TOPIC_ARN         = "arn:aws:sns:eu-west-1:123456789012:rotation-events"
      NOTIFY_EVENT_BUS             = "ops"
      NOTIFY_EVENT_SOURCE          = "com.example.rotation"
    }
    error_message = "Each refresh and notification variable must land in its environment key."
  }
}

run "listed_services_with_auto_may_stop_tasks_in_their_cluster_only" {
  command = apply

  assert {
    condition     = toset([for s in data.aws_iam_policy_document.refresh[0].statement : s.sid]) == toset(["ReadEcsTaskDefinitions", "ListEcsServiceTasks", "ReplaceEcsServiceTasks"])
    error_message = "auto can pick stop-tasks (CODE_DEPLOY services): task permissions, and nothing for discovery."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.refresh[0].statement : s if s.sid == "ReplaceEcsServiceTasks"][0].actions == toset(["ecs:DescribeTasks", "ecs:StopTask"]) && [for s in data.aws_iam_policy_document.refresh[0].statement : s if s.sid == "ReplaceEcsServiceTasks"][0].resources == toset([
      "arn:aws:ecs:eu-west-1:123456789012:task/orders/*",
    ])
    error_message = "StopTask only on tasks of the refreshed cluster."
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.refresh[0].statement :
      anytrue([for c in s.condition : c.test == "ArnEquals" && c.variable == "ecs:cluster" && c.values == tolist(["arn:aws:ecs:eu-west-1:123456789012:cluster/orders"])])
      if contains(["ListEcsServiceTasks", "ReplaceEcsServiceTasks"], s.sid)
    ])
    error_message = "ListTasks and StopTask must carry an ecs:cluster condition naming the refreshed cluster."
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.refresh[0].statement : [
        for a in s.actions : contains(["ecs:ListServices", "ecs:ListTasks", "ecs:DescribeTaskDefinition"], a)
      ] if contains(s.resources, "*")
    ]))
    error_message = "A refresh statement with Resource \"*\" holds an action that is not read-only."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.notifications[0].statement) == 0
    error_message = "No notification permission without a topic or a bus."
  }
}

run "rolling_only_needs_no_task_permissions" {
  command = plan

  variables {
    ecs_restart_method = "rolling"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.refresh[0].statement) == 0
    error_message = "Rolling deployments need only UpdateService/DescribeServices on the listed services (iam.tf)."
  }
}

run "one_stop_tasks_service_brings_the_task_permissions_back" {
  command = plan

  variables {
    ecs_restart_method          = "rolling"
    ecs_service_restart_methods = { orders-worker = "stop-tasks" }
  }

  assert {
    condition     = contains([for s in data.aws_iam_policy_document.refresh[0].statement : s.sid], "ReplaceEcsServiceTasks")
    error_message = "A service on stop-tasks needs StopTask."
  }
}

run "nothing_to_refresh_needs_no_ecs_permission" {
  command = plan

  variables {
    ecs_cluster_name  = null
    ecs_service_names = []
  }

  assert {
    condition     = length(data.aws_iam_policy_document.refresh[0].statement) == 0
    error_message = "Without services or discovery, no ECS permission."
  }
}

run "discovery_is_scoped_to_its_clusters" {
  command = apply

  variables {
    ecs_cluster_name            = null
    ecs_service_names           = []
    ecs_discovery_cluster_names = ["orders", "payments"]
  }

  assert {
    condition = (
      [for s in data.aws_iam_policy_document.refresh[0].statement : s.resources if s.sid == "DiscoverEcsServices"] == [toset(["*"])] &&
      [
        for c in flatten([for s in data.aws_iam_policy_document.refresh[0].statement : tolist(s.condition) if s.sid == "DiscoverEcsServices"]) :
        [c.test, c.variable, toset(c.values)]
        ] == [["ArnEquals", "ecs:cluster", toset([
          "arn:aws:ecs:eu-west-1:123456789012:cluster/orders",
          "arn:aws:ecs:eu-west-1:123456789012:cluster/payments",
      ])]]
    )
    error_message = "ListServices has no resource-level permission: \"*\" with an ecs:cluster condition on the discovery clusters."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "RefreshEcsServices"] == [toset([
      "arn:aws:ecs:eu-west-1:123456789012:service/orders/*",
      "arn:aws:ecs:eu-west-1:123456789012:service/payments/*",
    ])]
    error_message = "Discovered services: any service of the discovery clusters, no other (no listed service)."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.refresh[0].statement : s if s.sid == "ReplaceEcsServiceTasks"][0].resources == toset([
      "arn:aws:ecs:eu-west-1:123456789012:task/orders/*",
      "arn:aws:ecs:eu-west-1:123456789012:task/payments/*",
    ])
    error_message = "stop-tasks in the discovery clusters."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.refresh[0].statement : s if contains(s.actions, "ecs:UpdateService")]) == 0
    error_message = "UpdateService is granted in one statement only (iam.tf, RefreshEcsServices)."
  }
}

run "listed_and_discovered_services_share_one_statement" {
  command = apply

  variables {
    ecs_discovery_cluster_names = ["payments"]
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : [s.actions, s.resources] if s.sid == "RefreshEcsServices"] == [[
      toset(["ecs:UpdateService", "ecs:DescribeServices"]),
      toset([
        "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-api",
        "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-worker",
        "arn:aws:ecs:eu-west-1:123456789012:service/payments/*",
      ]),
    ]]
    error_message = "UpdateService/DescribeServices: the listed services and every service of the discovery cluster, in one statement."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.refresh[0].statement : s if contains(s.actions, "ecs:UpdateService") || contains(s.actions, "ecs:DescribeServices")]) == 0
    error_message = "No second statement grants UpdateService or DescribeServices."
  }
}

run "notifications_publish_only_to_the_topic_and_their_own_events" {
  command = apply

  variables {
    notification_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:rotation-events"
    use_notification_sns_topic = true
    notification_event_bus     = "ops"
    use_notification_event_bus = true
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.notifications[0].statement : s if s.sid == "PublishRotationNotifications"][0].actions == toset(["sns:Publish"]) && [for s in data.aws_iam_policy_document.notifications[0].statement : s if s.sid == "PublishRotationNotifications"][0].resources == toset([
      "arn:aws:sns:eu-west-1:123456789012:rotation-events",
    ])
    error_message = "sns:Publish only on the notification topic."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.notifications[0].statement : s if s.sid == "PutRotationEvents"][0].resources == toset([
      "arn:aws:events:eu-west-1:123456789012:event-bus/ops",
    ])
    error_message = "events:PutEvents only on the bus (its name made an ARN)."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.notifications[0].statement : s if s.sid == "PutRotationEvents"][0].condition == toset([
      { test = "StringEquals", variable = "events:source", values = ["rds-secret-rotation"] },
      { test = "StringEquals", variable = "events:detail-type", values = ["RotationSucceeded", "RotationFailed"] },
    ])
    error_message = "Only events with the module's source and its two detail types."
  }
}

run "an_event_bus_arn_is_used_as_given" {
  command = plan

  variables {
    notification_event_bus     = "arn:aws:events:eu-west-1:210987654321:event-bus/central-ops"
    use_notification_event_bus = true
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.notifications[0].statement : s if s.sid == "PutRotationEvents"][0].resources == toset(["arn:aws:events:eu-west-1:210987654321:event-bus/central-ops"])
    error_message = "Another account's bus is addressed by its ARN."
  }
}

run "rotation_failed_alarm" {
  command = apply

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.rotation_failed[0].namespace == "RdsSecretRotation" &&
      aws_cloudwatch_metric_alarm.rotation_failed[0].metric_name == "RotationFailed" &&
      aws_cloudwatch_metric_alarm.rotation_failed[0].dimensions == tomap({ service = "orders-db-rotation" }) &&
      aws_cloudwatch_metric_alarm.rotation_failed[0].threshold == 1 &&
      aws_cloudwatch_metric_alarm.rotation_failed[0].treat_missing_data == "notBreaching"
    )
    error_message = "The alarm must watch the Lambda's own RotationFailed EMF metric (Powertools dimension service = name)."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.rotation_failed[0].alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops"]) && length(aws_cloudwatch_metric_alarm.errors) == 1
    error_message = "It notifies alarm_actions, besides the errors alarm."
  }
}

run "rotation_failed_alarm_can_be_switched_off" {
  command = plan

  variables {
    create_rotation_failed_alarm = false
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.rotation_failed) == 0 && output.rotation_failed_alarm_arn == null
    error_message = "create_rotation_failed_alarm = false creates no alarm."
  }
}

run "refresh_inputs_are_checked" {
  command = plan

  variables {
    ecs_discovery_cluster_names  = ["arn:aws:ecs:eu-west-1:123456789012:cluster/orders"]
    ecs_restart_method           = "blue-green"
    ecs_service_restart_methods  = { orders-api = "fast" }
    ecs_refresh_concurrency      = 0
    ecs_wait_timeout_seconds     = 901
    ecs_stop_task_pacing_seconds = -1
  }

  expect_failures = [
    var.ecs_discovery_cluster_names, var.ecs_restart_method, var.ecs_service_restart_methods,
    var.ecs_refresh_concurrency, var.ecs_wait_timeout_seconds, var.ecs_stop_task_pacing_seconds,
  ]
}

run "refresh_numbers_must_be_whole" {
  command = plan

  variables {
    ecs_discovery_cluster_names  = ["orders", "orders"]
    ecs_service_restart_methods  = { "a/b/c" = "auto" }
    ecs_refresh_concurrency      = 2.5
    ecs_wait_timeout_seconds     = 0
    ecs_stop_task_pacing_seconds = 0.5
  }

  expect_failures = [
    var.ecs_discovery_cluster_names, var.ecs_service_restart_methods, var.ecs_refresh_concurrency,
    var.ecs_wait_timeout_seconds, var.ecs_stop_task_pacing_seconds,
  ]
}

run "refresh_concurrency_has_a_ceiling" {
  command = plan

  variables {
    ecs_refresh_concurrency = 501
  }

  expect_failures = [var.ecs_refresh_concurrency]
}

run "notification_inputs_are_checked" {
  command = plan

  variables {
    notification_sns_topic_arn = "rotation-events"
    use_notification_sns_topic = true
    notification_event_bus     = "arn:aws:sns:eu-west-1:123456789012:ops"
    use_notification_event_bus = true
    notification_event_source  = "aws.rds"
  }

  expect_failures = [
    var.notification_sns_topic_arn, var.notification_event_bus, var.notification_event_source,
  ]
}

run "deployment_events_of_listed_services_reach_the_function" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.deployments[0].event_pattern) == {
      source        = ["aws.ecs"]
      "detail-type" = ["ECS Deployment State Change"]
      resources = [
        "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-api",
        "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-worker",
      ]
      detail = { eventName = ["SERVICE_DEPLOYMENT_COMPLETED", "SERVICE_DEPLOYMENT_FAILED"] }
    }
    error_message = "The deployment rule must match the ends of the listed services' deployments, by ARN."
  }
  assert {
    condition     = aws_cloudwatch_event_target.deployments[0].target_id == "in-flight-refresh" && aws_lambda_permission.deployments[0].principal == "events.amazonaws.com"
    error_message = "The deployment rule must target the function, with its own invoke permission."
  }
  assert {
    condition = one([
      for s in data.aws_iam_policy_document.this[0].statement : s if s.sid == "TrackInFlightRefresh"
      ]) != null && one([
      for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "TrackInFlightRefresh"
      ]) == toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/rds-secret-rotation/orders-db-rotation/refresh"]) && one([
      for s in data.aws_iam_policy_document.this[0].statement : s.actions if s.sid == "TrackInFlightRefresh"
    ]) == toset(["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"])
    error_message = "The in-flight refresh record is read, written and deleted on exactly its own parameter."
  }
  assert {
    condition = one([
      for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "TrackInFlightRefreshParts"
      ]) == toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/rds-secret-rotation/orders-db-rotation/refresh/part-*"]) && one([
      for s in data.aws_iam_policy_document.this[0].statement : s.actions if s.sid == "TrackInFlightRefreshParts"
    ]) == toset(["ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameters"])
    error_message = "A record in parts reads, writes and deletes exactly the parts under its own parameter's path."
  }
  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["REFRESH_STATE_PARAMETER"] == "/rds-secret-rotation/orders-db-rotation/refresh"
    error_message = "The record's parameter defaults to /rds-secret-rotation/<name>/refresh."
  }
}

run "deployment_events_of_discovery_clusters_match_by_prefix" {
  command = plan

  variables {
    ecs_service_names            = []
    ecs_discovery_cluster_names  = ["payments", "ledger"]
    refresh_state_parameter_name = "/orders/prod/db/refresh-in-flight"
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.deployments[0].event_pattern).resources == [
      { prefix = "arn:aws:ecs:eu-west-1:123456789012:service/payments/" },
      { prefix = "arn:aws:ecs:eu-west-1:123456789012:service/ledger/" },
    ]
    error_message = "Discovered services are unknown at plan time: their clusters match by ARN prefix."
  }
  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["REFRESH_STATE_PARAMETER"] == "/orders/prod/db/refresh-in-flight"
    error_message = "refresh_state_parameter_name overrides the default."
  }
}

run "nothing_to_refresh_has_no_deployment_rule" {
  command = plan

  variables {
    ecs_cluster_name  = null
    ecs_service_names = []
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.deployments) == 0 && length(aws_lambda_permission.deployments) == 0
    error_message = "Without services to refresh there are no deployments to follow."
  }
  assert {
    condition     = length(setintersection([for s in data.aws_iam_policy_document.this[0].statement : s.sid], ["TrackInFlightRefresh", "TrackInFlightRefreshParts"])) == 0
    error_message = "Without services to refresh the record is never used: no grant."
  }
}

run "refresh_state_parameter_name_is_checked" {
  command = plan

  variables {
    refresh_state_parameter_name = "aws/reserved"
  }

  expect_failures = [var.refresh_state_parameter_name]
}

run "refresh_state_parameter_name_leaves_room_for_its_parts" {
  command = plan

  variables {
    # 15 levels, SSM's maximum: the parts' "/part-<n>" would be a 16th.
    refresh_state_parameter_name = "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o"
  }

  expect_failures = [var.refresh_state_parameter_name]
}
