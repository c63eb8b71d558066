# Zero-downtime rotation for an existing database: two roles take turns (alternating-users).

# The role the applications use right now. The rotation overwrites it with the other role's
# name each time, so Terraform sets only the first value and then leaves it alone.
resource "aws_ssm_parameter" "username" {
  #checkov:skip=CKV2_AWS_34:A role name is not a secret; a String lets tasks read it without a KMS grant, and the password stays in its SecureString.
  name        = var.username_parameter_name
  description = "PostgreSQL role the applications log in as; switched by the rotation Lambda"
  type        = "String"
  value       = var.db_username

  lifecycle {
    ignore_changes = [value]
  }
}

module "rotation" {
  source = "../.."

  name = "orders-db-rotation"

  vpc_id                 = var.vpc_id
  subnet_ids             = var.private_subnet_ids
  db_security_group_id   = var.db_security_group_id
  create_db_ingress_rule = true

  db_host     = var.db_host
  db_name     = var.db_name
  db_username = var.db_username

  strategy                    = "alternating-users"
  admin_parameter_name        = var.admin_parameter_name
  admin_parameter_kms_key_arn = var.admin_parameter_kms_key_arn
  use_admin_parameter_kms_key = var.admin_parameter_kms_key_arn != null
  username_parameter_name     = aws_ssm_parameter.username.name
  db_twin_username            = var.db_twin_username

  password_parameter_name     = var.password_parameter_name
  database_url_parameter_name = var.database_url_parameter_name
  parameter_kms_key_arn       = var.parameter_kms_key_arn
  use_parameter_kms_key       = var.parameter_kms_key_arn != null

  ecs_cluster_name  = var.ecs_cluster_name
  ecs_service_names = var.ecs_service_names

  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}
