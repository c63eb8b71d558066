# The rotation strategy: its environment keys, its least-privilege statements and its checks.
# Run from the repository root: terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                        = "orders-db-rotation"
  vpc_id                      = "vpc-0123456789abcdef0"
  subnet_ids                  = ["subnet-0aaaaaaaaaaaaaaaa"]
  db_security_group_id        = "sg-0dddddddddddddddd"
  db_host                     = "orders.abc123.eu-west-1.rds.amazonaws.com"
  db_username                 = "orders_app"
  password_parameter_name     = "/orders/prod/db/password"
  database_url_parameter_name = "/orders/prod/db/url"
  rotation_strategy           = "alternating-users"
  admin_parameter_name        = "/orders/prod/db/admin"
  username_parameter_name     = "/orders/prod/db/username"
}

run "single_user_is_the_default_and_grants_nothing_more" {
  command = apply

  variables {
    rotation_strategy       = null
    admin_parameter_name    = null
    username_parameter_name = null
  }

  assert {
    condition     = aws_lambda_function.this[0].environment[0].variables["ROTATION_STRATEGY"] == "single-user"
    error_message = "The default strategy is single-user."
  }
  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["ADMIN_PARAMETER"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["USERNAME_PARAMETER"] == "" &&
      aws_lambda_function.this[0].environment[0].variables["DB_TWIN_USER"] == ""
    )
    error_message = "Unset strategy settings reach the Lambda as \"\"."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.strategy[0].statement) == 0
    error_message = "single-user without a username parameter needs no extra statement."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "ReadAndPublishParameters"] == [toset([
      "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/password",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/url",
    ])]
    error_message = "Without a username parameter, only the password and URL parameters may be written."
  }
}

run "alternating_users_environment" {
  command = apply

  variables {
    db_twin_username = "orders_app_b"
  }

  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["ROTATION_STRATEGY"] == "alternating-users" &&
      aws_lambda_function.this[0].environment[0].variables["ADMIN_PARAMETER"] == "/orders/prod/db/admin" &&
      aws_lambda_function.this[0].environment[0].variables["USERNAME_PARAMETER"] == "/orders/prod/db/username" &&
      aws_lambda_function.this[0].environment[0].variables["DB_TWIN_USER"] == "orders_app_b"
    )
    error_message = "Each strategy variable must land in its environment key."
  }
}

run "alternating_users_permissions_are_least_privilege" {
  command = apply

  variables {
    admin_parameter_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-1111-2222-3333-444455556666"
    use_admin_parameter_kms_key = true
  }

  # The administrative credentials: read, never written.
  assert {
    condition     = [for s in data.aws_iam_policy_document.strategy[0].statement : s if s.sid == "ReadAdministrativeCredentials"][0].actions == toset(["ssm:GetParameter"]) && [for s in data.aws_iam_policy_document.strategy[0].statement : s if s.sid == "ReadAdministrativeCredentials"][0].resources == toset(["arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/admin"])
    error_message = "The admin parameter must be readable only (ssm:GetParameter on its ARN)."
  }
  # The username parameter is published like the password and URL ones (iam.tf).
  assert {
    condition = [for s in data.aws_iam_policy_document.this[0].statement : [s.actions, s.resources] if s.sid == "ReadAndPublishParameters"] == [[
      toset(["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"]),
      toset([
        "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/password",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/url",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/username",
      ]),
    ]]
    error_message = "The username parameter must be readable and writable, next to the password and URL parameters and nothing else."
  }
  assert {
    condition = alltrue(flatten([
      for doc in [data.aws_iam_policy_document.this[0], data.aws_iam_policy_document.strategy[0]] : [
        for s in doc.statement : !contains(s.resources, "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/username") || s.sid == "ReadAndPublishParameters"
      ]
    ]))
    error_message = "No other statement may grant anything on the username parameter."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.strategy[0].statement : s.sid] == ["ReadAdministrativeCredentials", "DecryptAdministrativeCredentialsThroughSsm"]
    error_message = "The strategy's own statements are the admin credentials' read and decrypt, nothing else."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.strategy[0].statement : s if s.sid == "DecryptAdministrativeCredentialsThroughSsm"][0].actions == toset(["kms:Decrypt"]) && [for s in data.aws_iam_policy_document.strategy[0].statement : s if s.sid == "DecryptAdministrativeCredentialsThroughSsm"][0].resources == toset(["arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-1111-2222-3333-444455556666"])
    error_message = "The admin parameter's key may only decrypt."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.strategy[0].statement : !contains(s.resources, "*")])
    error_message = "No strategy statement may use a * resource."
  }
  assert {
    condition     = contains(data.aws_iam_policy_document.this[0].source_policy_documents, data.aws_iam_policy_document.strategy[0].json)
    error_message = "The strategy's statements must be merged into the function's policy."
  }
}

run "username_parameter_alone_is_published_with_single_user" {
  command = apply

  variables {
    rotation_strategy    = "single-user"
    admin_parameter_name = null
  }

  assert {
    condition     = length(data.aws_iam_policy_document.strategy[0].statement) == 0
    error_message = "single-user reads no admin credentials."
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.this[0].statement : s.resources if s.sid == "ReadAndPublishParameters"][0], "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/prod/db/username")
    error_message = "single-user with a username parameter may write it."
  }
}

run "strategy_inputs_are_checked" {
  command = plan

  variables {
    rotation_strategy           = "dual"
    admin_parameter_name        = "aws/admin"
    username_parameter_name     = "has spaces"
    db_twin_username            = ""
    admin_parameter_kms_key_arn = "alias/admin"
    use_admin_parameter_kms_key = true
  }

  expect_failures = [
    var.rotation_strategy,
    var.admin_parameter_name,
    var.username_parameter_name,
    var.db_twin_username,
    var.admin_parameter_kms_key_arn,
  ]
}

# Checks across variables, the one on all parameter names included, live in validations.tf.

run "alternating_users_needs_the_admin_parameter" {
  command = plan

  variables {
    admin_parameter_name = null
  }

  expect_failures = [terraform_data.validations]
}

run "default_twin_name_must_fit_63_characters" {
  command = plan

  variables {
    # 58 characters: "<name>_clone" would be 64.
    db_username = "a_very_long_application_role_name_that_is_fifty_eight_abcd"
  }

  expect_failures = [terraform_data.validations]
}

run "an_admin_key_arn_needs_its_switch" {
  command = plan

  variables {
    admin_parameter_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-1111-2222-3333-444455556666"
  }

  expect_failures = [terraform_data.validations]
}

run "an_admin_key_switch_needs_its_arn" {
  command = plan

  variables {
    use_admin_parameter_kms_key = true
  }

  expect_failures = [terraform_data.validations]
}

run "twin_must_differ_from_the_primary" {
  command = plan

  variables {
    db_twin_username = "orders_app"
  }

  expect_failures = [terraform_data.validations]
}

run "strategy_parameters_must_differ_from_the_others" {
  command = plan

  variables {
    username_parameter_name = "/orders/prod/db/url"
  }

  expect_failures = [terraform_data.validations]
}

run "admin_parameter_must_differ_from_the_password" {
  command = plan

  variables {
    admin_parameter_name = "/orders/prod/db/password"
  }

  expect_failures = [terraform_data.validations]
}

run "username_parameter_must_differ_from_the_pending_one" {
  command = plan

  variables {
    username_parameter_name = "/orders/prod/db/password-pending"
  }

  expect_failures = [terraform_data.validations]
}

run "admin_parameter_must_differ_from_the_username" {
  command = plan

  variables {
    admin_parameter_name = "/orders/prod/db/username"
  }

  expect_failures = [terraform_data.validations]
}

# single-user never reads the admin parameter, so its name clashes with nothing.
run "single_user_ignores_the_admin_parameter" {
  command = plan

  variables {
    rotation_strategy    = "single-user"
    admin_parameter_name = "/orders/prod/db/password"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.strategy[0].statement) == 0
    error_message = "single-user grants nothing on the admin parameter."
  }
}
