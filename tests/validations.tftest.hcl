# Every input check fires at plan time, before anything is created.
# Each run sets bad values and lists exactly the checks that must reject them: a run fails
# both when an expected check stays silent and when an unexpected one fires.

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
}

run "valid_inputs_plan" {
  command = plan
}

run "function_settings_are_checked" {
  command = plan

  variables {
    name                          = "has spaces"
    runtime                       = "python3.12"
    architecture                  = "arm"
    memory_size                   = 64
    timeout                       = 901
    lambda_zip_path               = "dist/rotator.tar.gz"
    log_level                     = "VERBOSE"
    metrics_namespace             = "AWS/Lambda"
    log_retention_in_days         = 10
    kms_key_arn                   = "alias/my-key"
    log_kms_key_arn               = "1234abcd-12ab-34cd-56ef-1234567890ab"
    code_signing_config_arn       = "csc-0123"
    role_permissions_boundary_arn = "boundary"
  }

  expect_failures = [
    var.name, var.runtime, var.architecture, var.memory_size, var.timeout, var.lambda_zip_path,
    var.log_level, var.metrics_namespace, var.log_retention_in_days, var.kms_key_arn,
    var.log_kms_key_arn, var.code_signing_config_arn, var.role_permissions_boundary_arn,
  ]
}

# nodejs20.x (deprecated by AWS Lambda on 2026-04-30) is refused with its own message naming the
# fix; nodejs24.x passes the module's check, but the mocked provider (5.x) predates it, so a plan
# with it is checked by test/module/runtime.test.ts with terraform validate.
run "retired_node_runtime_is_refused" {
  command = plan

  variables {
    runtime = "nodejs20.x"
  }

  expect_failures = [var.runtime]
}

run "timeout_must_be_whole_seconds" {
  command = plan

  variables {
    timeout     = 29
    memory_size = 256.5
  }

  expect_failures = [var.timeout, var.memory_size]
}

run "network_inputs_are_checked" {
  command = plan

  variables {
    vpc_id                        = "my-vpc"
    subnet_ids                    = []
    additional_security_group_ids = ["default"]
    db_security_group_id          = "database"
    db_cidr_blocks                = ["0.0.0.0/0"]
    https_egress_cidr_blocks      = ["everywhere"]
    vpc_endpoint_services         = ["s3"]
    vpc_endpoint_subnet_ids       = []
  }

  expect_failures = [
    var.vpc_id, var.subnet_ids, var.additional_security_group_ids, var.db_security_group_id,
    var.db_cidr_blocks, var.https_egress_cidr_blocks, var.vpc_endpoint_services, var.vpc_endpoint_subnet_ids,
  ]
}

run "subnet_ids_must_be_subnet_ids" {
  command = plan

  variables {
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "10.0.1.0/24"]
  }

  expect_failures = [var.subnet_ids]
}

run "database_inputs_are_checked" {
  command = plan

  variables {
    db_host                 = "postgres://orders.example.com"
    db_port                 = 70000
    db_name                 = ""
    db_username             = "a_role_name_that_is_far_longer_than_the_sixty_three_bytes_postgres_allows"
    db_tls_mode             = "disable"
    db_ca_bundle_file       = "ca.pem"
    db_connect_timeout_ms   = 50
    db_statement_timeout_ms = 600001
  }

  expect_failures = [
    var.db_host, var.db_port, var.db_name, var.db_username, var.db_tls_mode,
    var.db_ca_bundle_file, var.db_connect_timeout_ms, var.db_statement_timeout_ms,
  ]
}

run "parameter_inputs_are_checked" {
  command = plan

  variables {
    password_parameter_name     = "orders/db/password"
    pending_parameter_name      = "/aws/orders/pending"
    database_url_parameter_name = "/orders/db/url with space"
    database_url_template       = "postgresql://{username}@{host}/{database}"
    parameter_kms_key_arn       = "alias/aws/ssm"
    use_parameter_kms_key       = true
    password_length             = 12
    password_exclude_characters = ""
  }

  expect_failures = [
    var.password_parameter_name, var.pending_parameter_name, var.database_url_parameter_name,
    var.database_url_template, var.parameter_kms_key_arn, var.password_length, var.password_exclude_characters,
  ]
}

run "reserved_parameter_prefixes_are_rejected" {
  command = plan

  variables {
    password_parameter_name = "ssm.orders.password"
  }

  expect_failures = [var.password_parameter_name]
}

run "ecs_schedule_and_alarm_inputs_are_checked" {
  command = plan

  variables {
    ecs_cluster_name    = "arn:aws:ecs:eu-west-1:123456789012:cluster/orders"
    ecs_service_names   = ["orders-api", "orders-api"]
    schedule_expression = "every sunday"
    alarm_actions       = ["ops-topic"]
    ok_actions          = ["ops-topic"]
  }

  expect_failures = [
    var.ecs_cluster_name, var.ecs_service_names, var.schedule_expression, var.alarm_actions, var.ok_actions,
  ]
}

run "resume_schedule_is_checked_like_the_schedule" {
  command = plan

  variables {
    resume_schedule_expression = "rate(1 hours)"
  }

  expect_failures = [var.resume_schedule_expression]
}

run "skipped_alarm_needs_two_hours_or_more" {
  command = plan

  variables {
    rotation_skipped_alarm_hours = 1
  }

  expect_failures = [var.rotation_skipped_alarm_hours]
}

run "resume_cron_needs_one_question_mark" {
  command = plan

  variables {
    resume_schedule_expression = "cron(0 * * * * *)"
  }

  expect_failures = [var.resume_schedule_expression]
}

run "cron_needs_six_fields" {
  command = plan

  variables {
    schedule_expression = "cron(0 3 * * SUN)"
  }

  expect_failures = [var.schedule_expression]
}

run "a_rate_of_one_takes_the_singular_unit" {
  command = plan

  variables {
    schedule_expression = "rate(1 days)"
  }

  expect_failures = [var.schedule_expression]
}

run "a_rate_above_one_takes_the_plural_unit" {
  command = plan

  variables {
    schedule_expression = "rate(5 minute)"
  }

  expect_failures = [var.schedule_expression]
}

run "a_rate_of_zero_is_rejected" {
  command = plan

  variables {
    schedule_expression = "rate(0 minutes)"
  }

  expect_failures = [var.schedule_expression]
}

run "a_rate_is_in_minutes_hours_or_days" {
  command = plan

  variables {
    schedule_expression = "rate(2 weeks)"
  }

  expect_failures = [var.schedule_expression]
}

run "cron_needs_a_question_mark_in_a_day_field" {
  command = plan

  variables {
    schedule_expression = "cron(0 3 * * SUN *)"
  }

  expect_failures = [var.schedule_expression]
}

run "cron_takes_a_question_mark_in_one_day_field_only" {
  command = plan

  variables {
    schedule_expression = "cron(0 3 ? * ? *)"
  }

  expect_failures = [var.schedule_expression]
}

run "rate_of_one_minute_is_accepted" {
  command = plan

  variables {
    schedule_expression = "rate(1 minute)"
  }
}

run "rate_of_twelve_hours_is_accepted" {
  command = plan

  variables {
    schedule_expression = "rate(12 hours)"
  }
}

run "cron_on_weekdays_is_accepted" {
  command = plan

  variables {
    schedule_expression = "cron(0 6 ? * MON-FRI *)"
  }
}

run "cron_on_a_day_of_the_month_is_accepted" {
  command = plan

  variables {
    schedule_expression = "cron(0 0 1 * ? *)"
  }
}

run "alarm_actions_must_be_whole_arns" {
  command = plan

  variables {
    alarm_actions = ["arn:aws:sns:ops"]
    ok_actions    = ["arn:aws:sns:eu-west-1:123456789012:ops topic"]
  }

  expect_failures = [var.alarm_actions, var.ok_actions]
}

run "alarm_actions_of_every_kind_are_accepted" {
  command = plan

  variables {
    alarm_actions = [
      "arn:aws:sns:eu-west-1:123456789012:ops",
      "arn:aws:lambda:eu-west-1:123456789012:function:page-on-call",
      "arn:aws:ssm:eu-west-1:123456789012:opsitem:2#CATEGORY=Security",
      "arn:aws:automate:eu-west-1:ec2:reboot",
    ]
    ok_actions = ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops"]
  }
}

# Checks across variables live in validations.tf (terraform_data.validations).

run "database_target_is_required" {
  command = plan

  variables {
    db_security_group_id = null
    db_cidr_blocks       = []
  }

  expect_failures = [terraform_data.validations]
}

run "database_target_is_exactly_one" {
  command = plan

  variables {
    db_cidr_blocks = ["10.0.16.0/20"]
  }

  expect_failures = [terraform_data.validations]
}

run "db_ingress_rule_needs_the_database_group" {
  command = plan

  variables {
    db_security_group_id   = null
    db_cidr_blocks         = ["10.0.16.0/20"]
    create_db_ingress_rule = true
  }

  expect_failures = [terraform_data.validations]
}

run "ecs_services_need_a_cluster" {
  command = plan

  variables {
    ecs_service_names = ["orders-api"]
  }

  expect_failures = [terraform_data.validations]
}

run "parameters_must_differ" {
  command = plan

  variables {
    pending_parameter_name = "/orders/prod/db/password"
  }

  expect_failures = [terraform_data.validations]
}

run "url_parameter_must_differ_from_password" {
  command = plan

  variables {
    database_url_parameter_name = "/orders/prod/db/password"
  }

  expect_failures = [terraform_data.validations]
}

run "aws_apis_must_be_reachable" {
  command = plan

  variables {
    https_egress_cidr_blocks = []
  }

  expect_failures = [terraform_data.validations]
}

run "a_key_arn_needs_its_switch" {
  command = plan

  variables {
    parameter_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
  }

  expect_failures = [terraform_data.validations]
}

run "a_key_switch_needs_its_arn" {
  command = plan

  variables {
    use_parameter_kms_key = true
  }

  expect_failures = [terraform_data.validations]
}

run "a_topic_switch_needs_its_topic" {
  command = plan

  variables {
    use_notification_sns_topic = true
  }

  expect_failures = [terraform_data.validations]
}

run "an_event_bus_needs_its_switch" {
  command = plan

  variables {
    notification_event_bus = "ops"
  }

  expect_failures = [terraform_data.validations]
}

run "an_event_bus_switch_needs_its_bus" {
  command = plan

  variables {
    use_notification_event_bus = true
  }

  expect_failures = [terraform_data.validations]
}

# The password policy must give 128 bits (length × log2(alphabet size)), like the Lambda checks.
run "password_policy_under_128_bits_is_refused" {
  command = plan

  variables {
    # 19 × log2(85) = 121.8 bits with the default exclusions.
    password_length = 19
  }

  expect_failures = [terraform_data.validations]
}

run "password_policy_narrowed_by_exclusions_is_refused" {
  command = plan

  variables {
    # 24 × log2(38) = 125.9 bits: the lowercase letters, the digits, "A" and "!".
    password_length             = 24
    password_exclude_characters = "BCDEFGHIJKLMNOPQRSTUVWXYZ\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
  }

  expect_failures = [terraform_data.validations]
}

run "password_policy_of_128_bits_plans" {
  command = plan

  variables {
    # 20 × log2(85) = 128.2 bits.
    password_length = 20
  }
}
