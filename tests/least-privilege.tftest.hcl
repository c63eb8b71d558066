# Grants that depend on the configuration, decided from plan-time values (lists and switches):
# ssm:DescribeParameters only without a KMS key, ecs:DescribeTaskDefinition only for
# discovery or stop-tasks, and the function's own code kept off the account's network
# interfaces.

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
  ecs_service_names       = ["orders-api"]
}

run "without_a_kms_key_the_function_may_look_up_the_parameter_key" {
  command = plan

  assert {
    condition     = contains([for s in data.aws_iam_policy_document.this[0].statement : s.sid], "FindParameterKey")
    error_message = "Without parameter_kms_key_arn the Lambda reads the password parameter's key: it needs ssm:DescribeParameters."
  }
}

run "with_a_kms_key_no_describe_parameters" {
  command = plan

  variables {
    parameter_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"
    use_parameter_kms_key = true
  }

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this[0].statement : [for a in s.actions : a != "ssm:DescribeParameters"]
    ]))
    error_message = "With a configured key the Lambda never calls DescribeParameters: no grant."
  }
}

run "rolling_without_discovery_cannot_read_task_definitions" {
  command = plan

  variables {
    ecs_restart_method = "rolling"
  }

  assert {
    condition = alltrue(flatten([
      for s in concat(data.aws_iam_policy_document.this[0].statement, data.aws_iam_policy_document.refresh[0].statement) :
      [for a in s.actions : a != "ecs:DescribeTaskDefinition"]
    ]))
    error_message = "ecs:DescribeTaskDefinition (every task definition's environment) only for discovery or stop-tasks."
  }
}

run "discovery_reads_task_definitions_even_with_rolling" {
  command = plan

  variables {
    ecs_restart_method          = "rolling"
    ecs_discovery_cluster_names = ["orders"]
  }

  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.refresh[0].statement : s.actions]), "ecs:DescribeTaskDefinition")
    error_message = "Discovery reads the task definitions' secrets."
  }
}

run "function_code_may_not_change_network_interfaces" {
  command = apply

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this[0].statement :
      s.effect == "Deny" &&
      s.actions == toset(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]) &&
      anytrue([
        for c in s.condition :
        c.test == "ArnEquals" && c.variable == "lambda:SourceFunctionArn" &&
        c.values == tolist(["arn:aws:lambda:eu-west-1:123456789012:function:orders-db-rotation"])
      ])
    ])
    error_message = "Calls from the function's code (lambda:SourceFunctionArn) must be denied the network interface changes Lambda itself needs."
  }
}
