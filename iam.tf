data "aws_iam_policy_document" "assume_role" {
  count = local.create ? 1 : 0

  statement {
    sid     = "LambdaAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Only functions of this account may assume the role (confused-deputy guard).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.create ? 1 : 0

  name                 = var.name
  description          = "Execution role of the ${var.name} password rotation Lambda"
  assume_role_policy   = data.aws_iam_policy_document.assume_role[0].json
  permissions_boundary = var.role_permissions_boundary_arn

  tags = var.tags

  depends_on = [terraform_data.validations]
}

data "aws_iam_policy_document" "this" {
  count = local.create ? 1 : 0

  # The rotation strategy's statements (strategy.tf): admin credentials.
  # The ECS refresh's (refresh.tf): discovery and stop-tasks. Notifications' (notifications.tf).
  # Secrets Manager's (secrets-manager.tf): the secret, its admin secret and their key.
  source_policy_documents = [
    data.aws_iam_policy_document.strategy[0].json,
    data.aws_iam_policy_document.refresh[0].json,
    data.aws_iam_policy_document.notifications[0].json,
    data.aws_iam_policy_document.secrets_manager[0].json,
  ]

  # Read the current password, DATABASE_URL and username; publish the new values (docs/design.md
  # §Data flow, steps 1 and 5). The username parameter is a String: a role name is no secret.
  # SSM only: with Secrets Manager these parameters do not exist.
  # GetParameters: step 1 reads the password and pending parameters in one call.
  dynamic "statement" {
    for_each = local.secrets_manager ? [] : [1]
    content {
      sid     = "ReadAndPublishParameters"
      actions = ["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"]
      resources = [
        for role, arn in local.parameter_arns : arn if contains(["password", "database_url", "username"], role)
      ]
    }
  }

  # The pending parameter is created (Overwrite=false, the lock), read on recovery and deleted at the end.
  dynamic "statement" {
    for_each = local.secrets_manager ? [] : [1]
    content {
      sid       = "StageAndClearPendingParameter"
      actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameter"]
      resources = compact([lookup(local.parameter_arns, "pending", "")])
    }
  }

  # Without parameter_kms_key_arn the Lambda looks up the KMS key the password parameter uses
  # (SSM DescribeParameters, which has no resource-level permission in IAM and lists every
  # parameter's metadata), so that the pending and a new DATABASE_URL parameter get the same
  # key and an overwrite keeps it. With a key configured it passes that key and never looks.
  dynamic "statement" {
    for_each = var.use_parameter_kms_key || local.secrets_manager ? [] : [1]
    content {
      sid       = "FindParameterKey"
      actions   = ["ssm:DescribeParameters"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    # A switch, not "is the ARN null": a key created in the same run has no ARN until apply.
    for_each = var.use_parameter_kms_key ? [var.parameter_kms_key_arn] : []
    content {
      sid     = "UseParameterKeyThroughSsm"
      actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      # compact: a switch on without its ARN must reach the check in validations.tf, not fail here.
      resources = compact([statement.value])

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ssm_via_service]
      }
    }
  }

  # The in-flight refresh record (refresh.tf): written when a refresh outlives the invocation,
  # read and updated by ECS deployment events and the resume sweep, deleted when it settles.
  dynamic "statement" {
    for_each = length(local.refresh_service_arns) > 0 ? [1] : []
    content {
      sid       = "TrackInFlightRefresh"
      actions   = ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"]
      resources = [local.parameter_arns.refresh_state]
    }
  }

  # A record too large for one parameter keeps its parts under the record's own path
  # (lambda-src/secrets/refresh-record-codec.ts): read ten per call at pinned versions, written
  # before the record, deleted ten per call after it.
  dynamic "statement" {
    for_each = length(local.refresh_service_arns) > 0 ? [1] : []
    content {
      sid       = "TrackInFlightRefreshParts"
      actions   = ["ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameters"]
      resources = ["${local.parameter_arns.refresh_state}/part-*"]
    }
  }

  # The listed services and, with discovery, every service of its clusters (refresh.tf).
  dynamic "statement" {
    for_each = length(local.refresh_service_arns) > 0 ? [1] : []
    content {
      sid       = "RefreshEcsServices"
      actions   = ["ecs:UpdateService", "ecs:DescribeServices"]
      resources = local.refresh_service_arns
    }
  }

  # Lambda creates the function's network interfaces with this role. The Describe calls have no
  # resource-level permissions (IAM requires "*"); the mutating ones are scoped to this
  # account and region, and creation to the function's own subnets and security groups.
  statement {
    sid       = "DescribeNetworkInterfaces"
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    resources = ["*"]
  }

  statement {
    sid     = "CreateNetworkInterfaces"
    actions = ["ec2:CreateNetworkInterface"]
    resources = concat(
      ["${local.arn_prefix.ec2}:network-interface/*"],
      [for id in var.subnet_ids : "${local.arn_prefix.ec2}:subnet/${id}"],
      [for id in local.security_group_ids : "${local.arn_prefix.ec2}:security-group/${id}"],
    )
  }

  statement {
    sid = "ManageNetworkInterfaces"
    actions = [
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["${local.arn_prefix.ec2}:network-interface/*"]
  }

  # Lambda needs the grants above, but the function's own code must not use them on other
  # network interfaces of the account. Calls made with the function's runtime credentials
  # carry lambda:SourceFunctionArn; Lambda's own calls with this role do not (AWS Lambda
  # Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC").
  statement {
    sid    = "DenyNetworkInterfaceChangesFromFunctionCode"
    effect = "Deny"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["${local.arn_prefix.ec2}:network-interface/*"]

    condition {
      test     = "ArnEquals"
      variable = "lambda:SourceFunctionArn"
      values   = ["arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.name}"]
    }
  }

  # Logs only into the module's own group (created in main.tf, so no logs:CreateLogGroup).
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[0].arn}:*"]
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      # X-Ray has no resource-level permissions; these only write trace segments.
      sid       = "WriteTraces"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = local.create ? 1 : 0

  name   = "rotate-password"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this[0].json
}
