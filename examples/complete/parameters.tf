# The parameters the application reads and the Lambda rotates. Their first values come from
# the same ephemeral password as the database, through write-only arguments: Terraform never
# stores them and never overwrites what the Lambda writes later.
resource "aws_ssm_parameter" "db_password" {
  name        = "/orders/${var.environment}/db/password"
  description = "Password of ${local.db_username}; rotated by ${local.name}-db-rotation"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn

  value_wo         = ephemeral.aws_secretsmanager_random_password.db.random_password
  value_wo_version = var.initial_password_version
}

resource "aws_ssm_parameter" "database_url" {
  name        = "/orders/${var.environment}/db/url"
  description = "DATABASE_URL of ${local.db_username}; rewritten on each rotation"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn

  # Same form as the Lambda's default template, so the first value and rotated ones agree.
  value_wo = format(
    "postgresql://%s:%s@%s:%d/%s?sslmode=verify-full",
    local.db_username,
    urlencode(ephemeral.aws_secretsmanager_random_password.db.random_password),
    aws_db_instance.this.address,
    aws_db_instance.this.port,
    local.db_name,
  )
  value_wo_version = var.initial_password_version
}
