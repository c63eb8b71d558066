# The module's wiring, planned and "applied" against a mocked AWS provider (no credentials, no network).
# Run from the repository root: terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                        = "orders-db-rotation"
  vpc_id                      = "vpc-0123456789abcdef0"
  subnet_ids                  = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  db_security_group_id        = "sg-0dddddddddddddddd"
  create_db_ingress_rule      = true
  db_host                     = "orders.abc123.eu-west-1.rds.amazonaws.com"
  db_username                 = "orders_app"
  db_name                     = "orders"
  password_parameter_name     = "/orders/prod/db/password"
  database_url_parameter_name = "/orders/prod/db/url"
  parameter_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
  use_parameter_kms_key       = true
  ecs_cluster_name            = "orders"
  ecs_service_names           = ["orders-api", "orders-worker"]
  alarm_actions               = ["arn:aws:sns:eu-west-1:123456789012:ops"]
  tags                        = { Team = "orders" }
}

run "function_settings" {
  command = apply

  assert {
    condition     = aws_lambda_function.this[0].reserved_concurrent_executions == 1
    error_message = "Reserved concurrency must be 1: two rotations must never run at once."
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this[0].maximum_retry_attempts == 0
    error_message = "Async retries must be 0: a failed rotation must not run again on its own."
  }
  assert {
    condition     = aws_cloudwatch_event_target.this[0].retry_policy[0].maximum_retry_attempts == 0
    error_message = "EventBridge must not retry a failed delivery."
  }
  assert {
    condition     = aws_lambda_function.this[0].architectures == tolist(["arm64"]) && aws_lambda_function.this[0].runtime == "nodejs22.x"
    error_message = "Defaults must be arm64 and nodejs22.x."
  }
  assert {
    condition     = aws_lambda_function.this[0].handler == "index.handler"
    error_message = "The bundle exports index.handler."
  }
  assert {
    condition     = aws_lambda_function.this[0].source_code_hash == filebase64sha256(aws_lambda_function.this[0].filename)
    error_message = "source_code_hash must follow the zip, or a new build would never be deployed."
  }
  assert {
    condition     = aws_lambda_function.this[0].vpc_config[0].security_group_ids == toset([aws_security_group.this[0].id])
    error_message = "The function must run in the module's security group."
  }
  assert {
    condition     = alltrue([for t in aws_lambda_function.this[0].tracing_config : t.mode != "Active"])
    error_message = "X-Ray tracing is off by default."
  }
  assert {
    condition     = aws_lambda_function.this[0].tags["Team"] == "orders" && aws_iam_role.this[0].tags["Team"] == "orders" && aws_cloudwatch_log_group.this[0].tags["Team"] == "orders" && aws_security_group.this[0].tags["Team"] == "orders"
    error_message = "Tags must reach every taggable resource."
  }
}

run "environment_matches_the_lambda_config" {
  command = apply

  assert {
    condition = keys(aws_lambda_function.this[0].environment[0].variables) == sort([
      "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_TLS_MODE", "DB_CA_BUNDLE_FILE",
      "DB_CONNECT_TIMEOUT_MS", "DB_STATEMENT_TIMEOUT_MS", "PASSWORD_PARAMETER", "PENDING_PARAMETER",
      "DATABASE_URL_PARAMETER", "DATABASE_URL_TEMPLATE", "KMS_KEY_ID", "PASSWORD_LENGTH",
      "PASSWORD_EXCLUDE_CHARACTERS", "ECS_CLUSTER", "ECS_SERVICES", "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_TRACE_ENABLED",
      "ROTATION_STRATEGY", "ADMIN_PARAMETER", "USERNAME_PARAMETER", "DB_TWIN_USER",
      "ECS_DISCOVERY_CLUSTERS", "ECS_RESTART_METHOD", "ECS_SERVICE_RESTART_METHODS",
      "ECS_REFRESH_CONCURRENCY", "ECS_WAIT_TIMEOUT_SECONDS", "ECS_STOP_TASK_PACING_SECONDS",
      "REFRESH_STATE_PARAMETER", "NOTIFY_SNS_TOPIC_ARN", "NOTIFY_EVENT_BUS", "NOTIFY_EVENT_SOURCE",
      "SECRET_STORE", "SECRET_ARN", "ADMIN_SECRET_ARN",
    ])
    error_message = "The environment must hold exactly the keys of CONFIG_KEYS in lambda-src/config/keys.ts."
  }
  assert {
    condition = aws_lambda_function.this[0].environment[0].variables == tomap({
      DB_HOST                      = "orders.abc123.eu-west-1.rds.amazonaws.com"
      DB_PORT                      = "5432"
      DB_NAME                      = "orders"
      DB_USER                      = "orders_app"
      DB_TLS_MODE                  = "verify-full"
      DB_CA_BUNDLE_FILE            = "/var/runtime/ca-cert.pem"
      DB_CONNECT_TIMEOUT_MS        = "5000"
      DB_STATEMENT_TIMEOUT_MS      = "10000"
      PASSWORD_PARAMETER           = "/orders/prod/db/password"
      PENDING_PARAMETER            = "/orders/prod/db/password-pending"
      DATABASE_URL_PARAMETER       = "/orders/prod/db/url"
      DATABASE_URL_TEMPLATE        = ""
      KMS_KEY_ID                   = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
      PASSWORD_LENGTH              = "32"
      PASSWORD_EXCLUDE_CHARACTERS  = ""
      ECS_CLUSTER                  = "orders"
      ECS_SERVICES                 = "orders-api,orders-worker"
      POWERTOOLS_SERVICE_NAME      = "orders-db-rotation"
      POWERTOOLS_METRICS_NAMESPACE = "RdsSecretRotation"
      POWERTOOLS_LOG_LEVEL         = "INFO"
      POWERTOOLS_TRACE_ENABLED     = "false"
      ROTATION_STRATEGY            = "single-user"
      ADMIN_PARAMETER              = ""
      USERNAME_PARAMETER           = ""
      DB_TWIN_USER                 = ""
      ECS_DISCOVERY_CLUSTERS       = ""
      ECS_RESTART_METHOD           = "auto"
      ECS_SERVICE_RESTART_METHODS  = ""
      ECS_REFRESH_CONCURRENCY      = "100"
      ECS_WAIT_TIMEOUT_SECONDS     = "600"
      ECS_STOP_TASK_PACING_SECONDS = "10"
      REFRESH_STATE_PARAMETER      = "/rds-secret-rotation/orders-db-rotation/refresh"
      NOTIFY_SNS_TOPIC_ARN         = ""
      NOTIFY_EVENT_BUS             = ""
      NOTIFY_EVENT_SOURCE          = "rds-secret-rotation"
      SECRET_STORE                 = "ssm"
      SECRET_ARN                   = ""
      ADMIN_SECRET_ARN             = ""
    })
    error_message = "Each variable must land in its environment key; unset optional ones as \"\"."
  }
  assert {
    condition     = output.pending_parameter_name == "/orders/prod/db/password-pending"
    error_message = "The pending parameter defaults to <password parameter>-pending."
  }
}

run "iam_policy_is_least_privilege" {
  command = apply

  # SSM: only the three parameters; Delete only on the pending one.
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : toset(s.resources) if s.sid == "ReadAndPublishParameters"][0] == toset([
      "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/password",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/url",
    ])
    error_message = "Password and URL parameters: exactly their ARNs (no leading slash after parameter/)."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : s if s.sid == "StageAndClearPendingParameter"][0].resources == toset([
      "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/password-pending",
    ])
    error_message = "Pending parameter: exactly its ARN."
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this[0].statement :
      !contains(s.actions, "ssm:DeleteParameter") || contains([
        toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/password-pending"]),
        toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/rds-secret-rotation/orders-db-rotation/refresh"]),
      ], s.resources)
    ])
    error_message = "Only the pending parameter and the in-flight refresh record may be deleted."
  }
  # KMS: only the given key, only through SSM of this region.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this[0].statement :
      s.resources == toset([var.parameter_kms_key_arn]) &&
      s.actions == toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]) &&
      anytrue([for c in s.condition : c.variable == "kms:ViaService" && c.test == "StringEquals" && c.values == tolist(["ssm.eu-west-1.amazonaws.com"])])
    ])
    error_message = "KMS must be limited to parameter_kms_key_arn with kms:ViaService = ssm.<region>.amazonaws.com."
  }
  # ECS: only the configured services.
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : s if s.sid == "RefreshEcsServices"][0].resources == toset([
      "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-api",
      "arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-worker",
    ])
    error_message = "ECS permissions must be scoped to the configured service ARNs."
  }
  # Logs: only the module's own group.
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : s if s.sid == "WriteOwnLogs"][0].resources == toset([
      "${aws_cloudwatch_log_group.this[0].arn}:*",
    ])
    error_message = "Logs permissions must be scoped to the function's own log group."
  }
  # No wildcard resource on any mutating action: "*" only for these read-only calls.
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this[0].statement : [
        for a in s.actions : contains(["ssm:DescribeParameters", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], a)
      ] if contains(s.resources, "*")
    ]))
    error_message = "A statement with Resource \"*\" holds an action that is not read-only."
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this[0].statement : [
        for a in s.actions : !strcontains(a, "*")
      ]
    ]))
    error_message = "Actions must be named one by one, never with a wildcard."
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.this[0].statement :
      alltrue([for r in s.resources : r == "*" || startswith(r, "arn:aws:")]) && alltrue([for r in s.resources : !endswith(r, ":*:*")])
    ])
    error_message = "Every resource is an ARN of this partition."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.assume_role[0].statement : s.principals][0] == toset([{ type = "Service", identifiers = toset(["lambda.amazonaws.com"]) }])
    error_message = "Only Lambda may assume the role."
  }
}

run "schedule_wiring" {
  command = apply

  assert {
    condition     = aws_cloudwatch_event_rule.this[0].schedule_expression == "cron(0 3 ? * SUN *)" && aws_cloudwatch_event_rule.this[0].state == "ENABLED"
    error_message = "Default schedule: weekly, Sunday 03:00 UTC, enabled."
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.this[0].input) == { action = "rotate" }
    error_message = "The schedule must send {\"action\":\"rotate\"}."
  }
  assert {
    condition     = aws_cloudwatch_event_target.this[0].arn == aws_lambda_function.this[0].arn && aws_cloudwatch_event_target.this[0].rule == aws_cloudwatch_event_rule.this[0].name
    error_message = "The rule must target the rotation function."
  }
  assert {
    condition     = aws_lambda_permission.schedule[0].source_arn == aws_cloudwatch_event_rule.this[0].arn && aws_lambda_permission.schedule[0].principal == "events.amazonaws.com"
    error_message = "Only this rule may invoke the function."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.errors[0].alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops"]) && aws_cloudwatch_metric_alarm.errors[0].dimensions["FunctionName"] == "orders-db-rotation"
    error_message = "The errors alarm must watch the function and notify alarm_actions."
  }
  assert {
    condition     = output.manual_rotation_command == "AWS_MAX_ATTEMPTS=1 aws lambda invoke --region eu-west-1 --function-name orders-db-rotation --cli-binary-format raw-in-base64-out --cli-read-timeout 630 --payload '{\"action\":\"rotate\"}' rotate-result.json"
    error_message = "manual_rotation_command is wrong: ${output.manual_rotation_command}"
  }
  assert {
    condition     = strcontains(output.dry_run_command, "--payload '{\"action\":\"dry-run\"}'")
    error_message = "dry_run_command must send {\"action\":\"dry-run\"}."
  }
}

# The longest names the variables accept still give descriptions AWS accepts: Lambda caps a
# function's at 256 characters and EventBridge a rule's at 512, and a plan does not check either.
run "longest_valid_names_keep_descriptions_within_aws_limits" {
  command = plan

  variables {
    db_username = join("", [for i in range(63) : "u"])
    # Four DNS labels: 63 + 63 + 63 + 61 characters and three dots.
    db_host = join(".", [for n in [63, 63, 63, 61] : join("", [for i in range(n) : "h"])])
    # "/" and ten 99-character segments joined by "/", plus "abc".
    password_parameter_name = "/${join("/", [for s in range(10) : join("", [for i in range(99) : "p"])])}abc"
  }

  assert {
    condition     = length(var.db_username) == 63 && length(var.db_host) == 253 && length(var.password_parameter_name) == 1003
    error_message = "The inputs must sit at their variables' upper limits, or this run proves less than it claims."
  }
  assert {
    condition     = length(aws_lambda_function.this[0].description) <= 256 && startswith(aws_lambda_function.this[0].description, "Rotates the PostgreSQL password of ${var.db_username}@")
    error_message = "The function's description must fit Lambda's 256 characters (it is ${length(aws_lambda_function.this[0].description)})."
  }
  assert {
    condition     = length(aws_cloudwatch_event_rule.this[0].description) <= 512 && startswith(aws_cloudwatch_event_rule.this[0].description, "Rotates the password in /ppp")
    error_message = "The schedule rule's description must fit EventBridge's 512 characters (it is ${length(aws_cloudwatch_event_rule.this[0].description)})."
  }
}

run "descriptions_name_what_is_rotated" {
  command = plan

  assert {
    condition     = aws_lambda_function.this[0].description == "Rotates the PostgreSQL password of orders_app@orders.abc123.eu-west-1.rds.amazonaws.com stored in SSM /orders/prod/db/password"
    error_message = "Names that fit must reach the function's description whole: ${aws_lambda_function.this[0].description}"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.this[0].description == "Rotates the password in /orders/prod/db/password on a schedule"
    error_message = "Names that fit must reach the rule's description whole: ${aws_cloudwatch_event_rule.this[0].description}"
  }
}

run "resume_schedule_wiring" {
  command = apply

  assert {
    condition     = aws_cloudwatch_event_rule.resume[0].schedule_expression == "rate(1 hour)" && aws_cloudwatch_event_rule.resume[0].state == "ENABLED" && aws_cloudwatch_event_rule.resume[0].name == "orders-db-rotation-resume"
    error_message = "Default resume schedule: hourly, enabled, its own rule."
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.resume[0].input) == { action = "resume" } && aws_cloudwatch_event_target.resume[0].arn == aws_lambda_function.this[0].arn && aws_cloudwatch_event_target.resume[0].rule == aws_cloudwatch_event_rule.resume[0].name
    error_message = "The resume rule must send {\"action\":\"resume\"} to the rotation function."
  }
  assert {
    condition     = aws_lambda_permission.resume[0].source_arn == aws_cloudwatch_event_rule.resume[0].arn && aws_lambda_permission.resume[0].principal == "events.amazonaws.com" && aws_lambda_permission.resume[0].statement_id != aws_lambda_permission.schedule[0].statement_id
    error_message = "The resume rule gets its own permission, scoped to that rule."
  }
}

run "skipped_runs_alarm" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.rotation_skipped[0].metric_name == "RotationSkipped" && aws_cloudwatch_metric_alarm.rotation_skipped[0].dimensions["service"] == "orders-db-rotation" && aws_cloudwatch_metric_alarm.rotation_skipped[0].period == 3600
    error_message = "The skipped-runs alarm must watch the function's RotationSkipped metric per hour."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.rotation_skipped[0].evaluation_periods == 3 && aws_cloudwatch_metric_alarm.rotation_skipped[0].datapoints_to_alarm == 3 && aws_cloudwatch_metric_alarm.rotation_skipped[0].treat_missing_data == "notBreaching"
    error_message = "The skipped-runs alarm fires on 3 consecutive hours with skipped runs by default, and an hour without one breaks the streak."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.rotation_skipped[0].alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops"])
    error_message = "The skipped-runs alarm notifies alarm_actions."
  }
}

run "resume_schedule_can_be_disabled" {
  command = plan

  variables {
    resume_schedule_enabled    = false
    resume_schedule_expression = "cron(*/15 * * * ? *)"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.resume[0].state == "DISABLED" && aws_cloudwatch_event_rule.resume[0].schedule_expression == "cron(*/15 * * * ? *)"
    error_message = "resume_schedule_enabled = false keeps the rule, disabled."
  }
}

run "schedule_can_be_disabled" {
  command = plan

  variables {
    schedule_enabled    = false
    schedule_expression = "rate(1 day)"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this[0].state == "DISABLED" && aws_cloudwatch_event_rule.this[0].schedule_expression == "rate(1 day)"
    error_message = "schedule_enabled = false keeps the rule, disabled."
  }
}

run "network" {
  command = apply

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.this)) == toset(["database", "https-0.0.0.0/0"]) && alltrue([for r in aws_vpc_security_group_egress_rule.this : r.security_group_id == aws_security_group.this[0].id && r.ip_protocol == "tcp"])
    error_message = "The function's group has exactly two egress rules (TCP): the database and HTTPS."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.this["database"].referenced_security_group_id == "sg-0dddddddddddddddd" && aws_vpc_security_group_egress_rule.this["database"].from_port == 5432 && aws_vpc_security_group_egress_rule.this["database"].to_port == 5432
    error_message = "Egress to the database security group on the database port."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.database[0].security_group_id == "sg-0dddddddddddddddd" && aws_vpc_security_group_ingress_rule.database[0].referenced_security_group_id == aws_security_group.this[0].id
    error_message = "create_db_ingress_rule admits the function on the database's security group."
  }
  assert {
    condition     = [for k, r in aws_vpc_security_group_egress_rule.this : [r.from_port, r.to_port, r.cidr_ipv4] if startswith(k, "https-")] == [[443, 443, "0.0.0.0/0"]]
    error_message = "HTTPS egress for the AWS APIs."
  }
  assert {
    condition     = length(aws_vpc_endpoint.this) == 0
    error_message = "No VPC endpoints unless asked."
  }
}

run "vpc_endpoints_without_nat" {
  command = apply

  variables {
    create_vpc_endpoints     = true
    https_egress_cidr_blocks = []
    create_db_ingress_rule   = false
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.this)) == toset(["ssm", "ecs", "kms", "logs"]) && aws_vpc_endpoint.this["ssm"].service_name == "com.amazonaws.eu-west-1.ssm"
    error_message = "One interface endpoint per service, in this region."
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.this : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    error_message = "Endpoints must be interface endpoints with private DNS, so the SDK's default host names resolve to them."
  }
  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.this)) == toset(["database", "endpoints"]) && aws_vpc_security_group_egress_rule.this["endpoints"].referenced_security_group_id == aws_security_group.endpoints[0].id && aws_vpc_security_group_egress_rule.this["endpoints"].from_port == 443
    error_message = "Without CIDR egress, HTTPS goes only to the endpoints."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.database) == 0
    error_message = "No rule on the database's group unless asked."
  }
}

run "optional_settings" {
  command = apply

  variables {
    tracing_enabled        = true
    kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-1111-2222-3333-444455556666"
    log_kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/bbbbbbbb-1111-2222-3333-444455556666"
    architecture           = "x86_64"
    db_ca_bundle_file      = null
    pending_parameter_name = "/orders/prod/db/rotation-lock"
    parameter_kms_key_arn  = null
    use_parameter_kms_key  = false
    ecs_cluster_name       = null
    ecs_service_names      = []
    create_errors_alarm    = false
  }

  assert {
    condition     = aws_lambda_function.this[0].tracing_config[0].mode == "Active" && anytrue([for s in data.aws_iam_policy_document.this[0].statement : s.sid == "WriteTraces"])
    error_message = "tracing_enabled turns on X-Ray and grants the trace writes."
  }
  assert {
    condition     = aws_lambda_function.this[0].kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.this[0].kms_key_id == var.log_kms_key_arn
    error_message = "KMS keys for the environment and the log group."
  }
  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["DB_CA_BUNDLE_FILE"] == "" && aws_lambda_function.this[0].environment[0].variables["KMS_KEY_ID"] == "" && aws_lambda_function.this[0].environment[0].variables["ECS_SERVICES"] == ""
    error_message = "Null optional settings become \"\"."
  }
  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["PENDING_PARAMETER"] == "/orders/prod/db/rotation-lock"
    error_message = "pending_parameter_name overrides the default."
  }
  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.this[0].statement : anytrue([for a in s.actions : startswith(a, "kms:") || startswith(a, "ecs:")])])
    error_message = "No KMS or ECS permission without a key or services."
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.errors) == 0
    error_message = "create_errors_alarm = false."
  }
}

run "create_false_creates_nothing" {
  command = apply

  variables {
    create = false
    # Switches that would add resources must not reach a group that does not exist.
    create_vpc_endpoints = true
  }

  assert {
    condition     = length(aws_lambda_function.this) == 0 && length(aws_iam_role.this) == 0 && length(aws_security_group.this) == 0 && length(aws_cloudwatch_event_rule.this) == 0 && length(aws_cloudwatch_log_group.this) == 0
    error_message = "create = false must create nothing."
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.this) == 0 && length(aws_vpc_endpoint.this) == 0 && length(aws_security_group.endpoints) == 0
    error_message = "create = false must create no network rule or endpoint either."
  }
  assert {
    condition     = output.function_arn == null && output.manual_rotation_command == null
    error_message = "Outputs are null when nothing is created."
  }
}

run "no_dashboard_by_default" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0
    error_message = "create_dashboard defaults to false."
  }
}

run "dashboard_graphs_what_the_function_emits" {
  command = plan

  variables {
    create_dashboard  = true
    metrics_namespace = "Orders/Rotation"
  }

  # Every metric series: the function's own EMF metrics in its namespace with its service
  # dimension, or the Lambda service's Errors of this function.
  assert {
    condition = alltrue([
      for series in flatten([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.metrics if w.type == "metric"]) :
      (series[0] == "Orders/Rotation" && contains(["RotationSucceeded", "RotationFailed", "RotationSkipped", "RotationDuration", "PublishGap"], series[1]) && series[2] == "service" && series[3] == "orders-db-rotation") ||
      (series[0] == "AWS/Lambda" && series[1] == "Errors" && series[2] == "FunctionName" && series[3] == "orders-db-rotation")
      if can(series[0])
    ])
    error_message = "The dashboard may graph only the metrics the function emits, with its namespace and service dimension."
  }
  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : [for series in w.properties.metrics : series[1]] if w.type == "metric"
    ])) == toset(["RotationSucceeded", "RotationFailed", "RotationSkipped", "RefreshInProgress", "RotationDuration", "PublishGap", "Errors"])
    error_message = "The dashboard graphs rotations, failures, skips, refreshes handed over, duration and the publish gap."
  }
  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets :
      startswith(w.properties.query, "SOURCE '/aws/lambda/orders-db-rotation' |") if w.type == "log"
    ]) && length([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w if w.type == "log"]) == 2
    error_message = "The failures-by-kind and restart-time widgets query the function's own log group."
  }
  assert {
    condition     = output.dashboard_name == "orders-db-rotation"
    error_message = "The dashboard is named after the function and its name is an output."
  }
}
