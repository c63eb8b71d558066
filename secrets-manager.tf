# secret_store = "secretsmanager": the function becomes the rotation function of one RDS-format
# secret. Secrets Manager runs the schedule (the secret's rotation_rules) and invokes the function
# once per step (createSecret, setSecret, testSecret, finishSecret); the module's own rotate rule
# is not created (schedule.tf), the hourly resume rule stays. The function may read, stage and
# label only that secret, read the admin secret (alternating-users), and use their KMS key only
# through Secrets Manager. Its checks are in validations.tf.

locals {
  secrets_manager = var.secret_store == "secretsmanager"

  # Where the password lives, for descriptions. "" stands in for a missing name or ARN only until
  # the check in validations.tf fails: a null in a template would fail first, with a worse message.
  password_store_name = (
    local.secrets_manager ? (var.secret_arn == null ? "" : var.secret_arn) :
    var.password_parameter_name == null ? "" : var.password_parameter_name
  )
  password_location = "${local.secrets_manager ? "Secrets Manager" : "SSM"} ${local.password_store_name}"

  # Secrets Manager calls KMS on the function's behalf: the kms:ViaService value of the key grant.
  secretsmanager_via_service = "secretsmanager.${local.region}.${data.aws_partition.current.dns_suffix}"

  # The secrets the function reads: the rotated one, and the admin one for alternating-users.
  # Lists decided by switches known at plan time, holding ARNs that may be unknown until apply.
  rotated_secret_arns = local.secrets_manager ? compact([var.secret_arn]) : []
  admin_secret_arns   = local.secrets_manager && local.alternating_users ? compact([var.admin_secret_arn]) : []

  # The function's ARN, known at plan time: the condition that ties the secret grants to the
  # secrets whose rotation function this is.
  function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.name}"

  # A rotation now goes through Secrets Manager, which drives the four steps and the labels.
  rotate_secret_command = "aws secretsmanager rotate-secret --region ${local.region} --secret-id ${local.password_store_name}"
}

data "aws_iam_policy_document" "secrets_manager" {
  count = local.create ? 1 : 0

  # Read the secret's versions and labels: every step, and the dry and resume runs, which also
  # run while rotation is switched off (schedule_enabled = false), hence no condition here.
  dynamic "statement" {
    for_each = local.secrets_manager ? [1] : []
    content {
      sid     = "ReadOwnSecret"
      actions = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
      # compact (in the local): a missing ARN must reach the check in validations.tf, not fail here.
      resources = local.rotated_secret_arns
    }
  }

  # Stage the new version under the request token (PutSecretValue) and move the labels
  # (UpdateSecretVersionStage), only while this function is the secret's rotation function.
  # No GetRandomPassword: the function generates its own passwords.
  dynamic "statement" {
    for_each = local.secrets_manager ? [1] : []
    content {
      sid       = "StageAndLabelOwnSecret"
      actions   = ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
      resources = local.rotated_secret_arns

      condition {
        test     = "StringEquals"
        variable = "secretsmanager:resource/AllowRotationLambdaArn"
        values   = [local.function_arn]
      }
    }
  }

  # Read-only: the administrative credentials are managed elsewhere (e.g. RDS's master user secret).
  dynamic "statement" {
    for_each = local.secrets_manager && local.alternating_users ? [1] : []
    content {
      sid       = "ReadAdministrativeSecret"
      actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
      resources = local.admin_secret_arns
    }
  }

  # The secrets' customer managed key, only through Secrets Manager and only for these secrets
  # (Secrets Manager passes the secret's ARN as encryption context). A switch, not "is the ARN
  # null": a key created in the same run has no ARN until apply.
  dynamic "statement" {
    for_each = local.secrets_manager && var.use_secret_kms_key ? [var.secret_kms_key_arn] : []
    content {
      sid     = "UseSecretKeyThroughSecretsManager"
      actions = ["kms:Decrypt", "kms:GenerateDataKey"]
      # compact: a switch on without its ARN must reach the check in validations.tf, not fail here.
      resources = compact([statement.value])

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.secretsmanager_via_service]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:SecretARN"
        values   = concat(local.rotated_secret_arns, local.admin_secret_arns)
      }
    }
  }
}

# Secrets Manager may invoke the function, for secrets of this account only (confused-deputy guard).
resource "aws_lambda_permission" "secrets_manager" {
  count = local.create && local.secrets_manager ? 1 : 0

  statement_id   = "AllowSecretsManagerRotation"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this[0].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = local.account_id
}

resource "aws_secretsmanager_secret_rotation" "this" {
  count = local.create && local.secrets_manager && var.schedule_enabled ? 1 : 0

  secret_id           = var.secret_arn
  rotation_lambda_arn = aws_lambda_function.this[0].arn

  # No rotation at apply time, as with SSM: the first one runs in the first window, or at once with
  # the manual_rotation_command output (aws secretsmanager rotate-secret).
  rotate_immediately = false

  rotation_rules {
    schedule_expression = var.schedule_expression
    duration            = var.secret_rotation_duration
  }

  # Secrets Manager checks that it may invoke the function; the first invocation needs the grants.
  depends_on = [
    aws_lambda_permission.secrets_manager,
    aws_iam_role_policy.this,
  ]
}
