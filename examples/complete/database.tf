# The initial password exists only during a plan or apply: the ephemeral resource asks Secrets
# Manager for random characters (no secret is created), and the write-only arguments pass them
# to RDS and SSM without storing them in the plan or the state. From then on the rotation
# Lambda owns the password.
ephemeral "aws_secretsmanager_random_password" "db" {
  password_length            = 32
  exclude_characters         = "/@\"'\\:` " # the Lambda's default exclusions
  require_each_included_type = true
}

locals {
  db_name     = "orders"
  db_username = "orders_app"
}

resource "aws_db_subnet_group" "this" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_security_group" "db" {
  name_prefix = "${local.name}-db-"
  description = "PostgreSQL of ${local.name}"
  vpc_id      = aws_vpc.this.id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the application tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${local.name}-"
  family      = "postgres16"
  description = "TLS only, SCRAM passwords, statement logging of DDL"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "password_encryption"
    value = "scram-sha-256"
  }
  # DDL includes ALTER ROLE: the log then shows the rotation, never a password (the Lambda sends a SCRAM verifier).
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_118:Enhanced monitoring needs an extra IAM role and is not what this example shows; Performance Insights is on.
  identifier     = local.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = var.db_instance_class

  allocated_storage = var.db_allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.this.arn

  db_name  = local.db_name
  username = local.db_username
  # Write-only: sent to RDS, never stored. Bump var.initial_password_version to send a new one.
  password_wo         = ephemeral.aws_secretsmanager_random_password.db.random_password
  password_wo_version = var.initial_password_version

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  multi_az                            = var.db_multi_az
  deletion_protection                 = var.db_deletion_protection
  backup_retention_period             = var.db_backup_retention_days
  skip_final_snapshot                 = !var.db_deletion_protection
  final_snapshot_identifier           = "${local.name}-final"
  copy_tags_to_snapshot               = true
  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]

  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.this.arn
}
