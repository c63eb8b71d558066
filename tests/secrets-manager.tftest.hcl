# secret_store = "secretsmanager": what is created and what is not, the environment keys, the
# least-privilege statements and the checks (secrets-manager.tf, validations.tf).
# Run from the repository root: terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                 = "orders-db-rotation"
  vpc_id               = "vpc-0123456789abcdef0"
  subnet_ids           = ["subnet-0aaaaaaaaaaaaaaaa"]
  db_security_group_id = "sg-0dddddddddddddddd"
  db_host              = "orders.abc123.eu-west-1.rds.amazonaws.com"
  db_username          = "orders_app"
  secret_store         = "secretsmanager"
  secret_arn           = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"
  ecs_cluster_name     = "orders"
  ecs_service_names    = ["orders-api"]
}

run "secrets_manager_is_the_schedule" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_event_rule.this) == 0 && length(aws_cloudwatch_event_target.this) == 0 && length(aws_lambda_permission.schedule) == 0
    error_message = "With Secrets Manager the module's own rotate rule, its target and its permission are not created."
  }
  assert {
    condition     = output.schedule_rule_arn == null
    error_message = "No rotate rule, no rule ARN."
  }
  assert {
    condition     = length(aws_cloudwatch_event_rule.resume) == 1 && length(aws_lambda_permission.resume) == 1
    error_message = "The hourly resume schedule stays with Secrets Manager."
  }
  assert {
    condition = (
      aws_secretsmanager_secret_rotation.this[0].secret_id == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf" &&
      aws_secretsmanager_secret_rotation.this[0].rotation_lambda_arn == aws_lambda_function.this[0].arn
    )
    error_message = "The secret's rotation function must be the module's function."
  }
  assert {
    condition     = aws_secretsmanager_secret_rotation.this[0].rotation_rules[0].schedule_expression == "cron(0 3 ? * SUN *)" && aws_secretsmanager_secret_rotation.this[0].rotation_rules[0].duration == null
    error_message = "schedule_expression becomes the secret's rotation_rules; no window unless secret_rotation_duration is set."
  }
  assert {
    condition     = aws_secretsmanager_secret_rotation.this[0].rotate_immediately == false
    error_message = "Applying the module must not rotate the password (as with SSM)."
  }
  assert {
    condition = (
      aws_lambda_permission.secrets_manager[0].principal == "secretsmanager.amazonaws.com" &&
      aws_lambda_permission.secrets_manager[0].action == "lambda:InvokeFunction" &&
      aws_lambda_permission.secrets_manager[0].source_account == "123456789012" &&
      aws_lambda_permission.secrets_manager[0].function_name == aws_lambda_function.this[0].function_name
    )
    error_message = "Secrets Manager may invoke the function, for secrets of this account only."
  }
  assert {
    condition     = output.pending_parameter_name == null
    error_message = "No pending parameter with Secrets Manager: AWSPENDING stages the password."
  }
  assert {
    condition     = output.manual_rotation_command == "aws secretsmanager rotate-secret --region eu-west-1 --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"
    error_message = "A manual rotation goes through Secrets Manager: ${output.manual_rotation_command}"
  }
  assert {
    condition     = aws_lambda_function.this[0].description == "Rotates the PostgreSQL password of orders_app@orders.abc123.eu-west-1.rds.amazonaws.com stored in Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"
    error_message = "The description names the secret: ${aws_lambda_function.this[0].description}"
  }
}

run "secrets_manager_environment" {
  command = apply

  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["SECRET_STORE"] == "secretsmanager" &&
      aws_lambda_function.this[0].environment[0].variables["SECRET_ARN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf" &&
      aws_lambda_function.this[0].environment[0].variables["ADMIN_SECRET_ARN"] == ""
    )
    error_message = "The store and the secret reach the Lambda; single-user has no admin secret."
  }
  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["PASSWORD_PARAMETER"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["PENDING_PARAMETER"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["DATABASE_URL_PARAMETER"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["KMS_KEY_ID"] == ""
    )
    error_message = "No SSM setting reaches the Lambda with Secrets Manager."
  }
}

run "secrets_manager_permissions_are_least_privilege" {
  command = apply

  assert {
    condition = [
      for s in data.aws_iam_policy_document.secrets_manager[0].statement : [s.actions, s.resources, length(s.condition)] if s.sid == "ReadOwnSecret"
      ] == [[
        toset(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]),
        toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"]),
        0,
    ]]
    error_message = "Reading: only the rotated secret, also while rotation is off (dry and resume runs)."
  }
  assert {
    condition = [
      for s in data.aws_iam_policy_document.secrets_manager[0].statement : [s.actions, s.resources] if s.sid == "StageAndLabelOwnSecret"
      ] == [[
        toset(["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]),
        toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"]),
    ]]
    error_message = "Writing: stage and label only the rotated secret (no GetRandomPassword: the function makes its own)."
  }
  assert {
    condition = jsonencode([
      for c in [for s in data.aws_iam_policy_document.secrets_manager[0].statement : s if s.sid == "StageAndLabelOwnSecret"][0].condition :
      [c.test, c.variable, c.values]
      ]) == jsonencode([
      ["StringEquals", "secretsmanager:resource/AllowRotationLambdaArn", ["arn:aws:lambda:eu-west-1:123456789012:function:orders-db-rotation"]],
    ])
    error_message = "Writing only while this function is the secret's rotation function."
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.secrets_manager[0].statement : [for r in s.resources : r != "*"]
    ]))
    error_message = "No Secrets Manager statement may name every resource."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.secrets_manager[0].statement : s if s.sid == "ReadAdministrativeSecret" || s.sid == "UseSecretKeyThroughSecretsManager"]) == 0
    error_message = "single-user without a key: no admin secret and no KMS grant."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this[0].statement : s if anytrue([for a in s.actions : startswith(a, "ssm:")]) && !contains(["TrackInFlightRefresh", "TrackInFlightRefreshParts"], s.sid)]) == 0
    error_message = "No SSM grant but the in-flight refresh record's: with Secrets Manager the parameters do not exist."
  }
  assert {
    condition = [
      for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "TrackInFlightRefresh"
    ] == [toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/rds-secret-rotation/${var.name}/refresh"])]
    error_message = "The in-flight refresh record (a String, no secret) is the one SSM parameter with Secrets Manager."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this[0].statement : s if anytrue([for a in s.actions : startswith(a, "kms:")])]) == 0
    error_message = "No SSM key grant with Secrets Manager."
  }
}

run "alternating_users_reads_the_admin_secret_and_uses_the_key_through_secrets_manager" {
  command = apply

  variables {
    rotation_strategy  = "alternating-users"
    admin_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-QwErTy"
    secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
    use_secret_kms_key = true
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["ADMIN_SECRET_ARN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-QwErTy"
    error_message = "The admin secret reaches the Lambda with alternating-users."
  }
  assert {
    condition = [
      for s in data.aws_iam_policy_document.secrets_manager[0].statement : [s.actions, s.resources, length(s.condition)] if s.sid == "ReadAdministrativeSecret"
      ] == [[
        toset(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]),
        toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-QwErTy"]),
        0,
    ]]
    error_message = "The admin secret is read-only and alone."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.secrets_manager[0].statement : s if s.sid == "UseSecretKeyThroughSecretsManager"][0].resources == toset([
      "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666",
    ])
    error_message = "Only the secrets' key."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.secrets_manager[0].statement : s if s.sid == "UseSecretKeyThroughSecretsManager"][0].actions == toset([
      "kms:Decrypt", "kms:GenerateDataKey",
    ])
    error_message = "Decrypt to read, GenerateDataKey to write a version; nothing else."
  }
  assert {
    condition = toset([
      for c in [for s in data.aws_iam_policy_document.secrets_manager[0].statement : s if s.sid == "UseSecretKeyThroughSecretsManager"][0].condition :
      [c.test, c.variable, sort(c.values)]
      ]) == toset([
      ["StringEquals", "kms:ViaService", ["secretsmanager.eu-west-1.amazonaws.com"]],
      ["StringEquals", "kms:EncryptionContext:SecretARN", [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-QwErTy",
      ]],
    ])
    error_message = "The key only through Secrets Manager, and only for these two secrets."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.strategy[0].statement) == 0
    error_message = "No SSM admin parameter grant with Secrets Manager."
  }
}

run "rotation_window_and_schedule_reach_the_rules" {
  command = apply

  variables {
    schedule_expression      = "rate(12 hours)"
    secret_rotation_duration = "2h"
  }

  assert {
    condition     = aws_secretsmanager_secret_rotation.this[0].rotation_rules[0].schedule_expression == "rate(12 hours)" && aws_secretsmanager_secret_rotation.this[0].rotation_rules[0].duration == "2h"
    error_message = "schedule_expression and secret_rotation_duration make the rotation_rules."
  }
}

run "schedule_disabled_means_no_rotation_configuration" {
  command = apply

  variables {
    schedule_enabled = false
  }

  assert {
    condition     = length(aws_secretsmanager_secret_rotation.this) == 0 && length(aws_lambda_permission.secrets_manager) == 1
    error_message = "schedule_enabled = false removes the secret's rotation configuration; the function and its permission stay."
  }
}

run "ssm_mode_creates_nothing_of_secrets_manager" {
  command = apply

  variables {
    secret_store            = "ssm"
    secret_arn              = null
    password_parameter_name = "/orders/prod/db/password"
  }

  assert {
    condition     = length(aws_secretsmanager_secret_rotation.this) == 0 && length(aws_lambda_permission.secrets_manager) == 0 && length(aws_cloudwatch_event_rule.this) == 1
    error_message = "With SSM: the module's rotate rule, no Secrets Manager rotation or permission."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.secrets_manager[0].statement) == 0
    error_message = "With SSM: no Secrets Manager statement."
  }
  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["SECRET_STORE"] == "ssm" &&
      aws_lambda_function.this[0].environment[0].variables["SECRET_ARN"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["ADMIN_SECRET_ARN"] == ""
    )
    error_message = "With SSM the secret keys are \"\"."
  }
}

# Checks. Each run triggers one check; the messages are read by test/module/secrets-manager-checks.test.ts.

run "secret_inputs_are_checked" {
  command = plan

  variables {
    secret_store             = "vault"
    secret_arn               = "orders/prod/db"
    admin_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin"
    secret_kms_key_arn       = "alias/aws/secretsmanager"
    secret_rotation_duration = "90m"
  }

  expect_failures = [
    var.secret_store,
    var.secret_arn,
    var.admin_secret_arn,
    var.secret_kms_key_arn,
    var.secret_rotation_duration,
  ]
}

run "secrets_manager_needs_the_secret" {
  command = plan

  variables {
    secret_arn = null
  }

  expect_failures = [terraform_data.validations]
}

run "ssm_needs_the_password_parameter" {
  command = plan

  variables {
    secret_store = "ssm"
    secret_arn   = null
  }

  expect_failures = [terraform_data.validations]
}

run "ssm_refuses_secrets_manager_settings" {
  command = plan

  variables {
    secret_store            = "ssm"
    password_parameter_name = "/orders/prod/db/password"
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_refuses_ssm_settings" {
  command = plan

  variables {
    database_url_parameter_name = "/orders/prod/db/url"
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_refuses_the_parameter_key" {
  command = plan

  variables {
    parameter_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
    use_parameter_kms_key = true
  }

  expect_failures = [terraform_data.validations]
}

run "a_secret_key_arn_needs_its_switch" {
  command = plan

  variables {
    secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
  }

  expect_failures = [terraform_data.validations]
}

run "a_secret_key_switch_needs_its_arn" {
  command = plan

  variables {
    use_secret_kms_key = true
  }

  expect_failures = [terraform_data.validations]
}

run "alternating_users_needs_the_admin_secret" {
  command = plan

  variables {
    rotation_strategy = "alternating-users"
  }

  expect_failures = [terraform_data.validations]
}

run "the_admin_secret_must_be_another_secret" {
  command = plan

  variables {
    rotation_strategy = "alternating-users"
    admin_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf"
  }

  expect_failures = [terraform_data.validations]
}

run "the_secret_must_be_in_the_function_region" {
  command = plan

  variables {
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/prod/db-AbCdEf"
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_takes_no_rate_in_minutes" {
  command = plan

  variables {
    schedule_expression = "rate(30 minutes)"
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_rotates_at_most_every_four_hours" {
  command = plan

  variables {
    schedule_expression = "rate(2 hours)"
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_endpoints_need_secretsmanager" {
  command = plan

  variables {
    create_vpc_endpoints = true
  }

  expect_failures = [terraform_data.validations]
}

run "secrets_manager_with_its_endpoint_plans" {
  command = plan

  variables {
    create_vpc_endpoints  = true
    vpc_endpoint_services = ["secretsmanager", "ecs", "kms", "logs"]
    schedule_expression   = "rate(4 hours)"
  }
}
