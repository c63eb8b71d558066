# An RDS-format secret in Secrets Manager, read by an ECS service, rotated by the module: the
# module's function becomes the secret's rotation function, Secrets Manager runs it on the
# secret's own schedule, and each rotation ends with a new deployment of the service.
module "rotation" {
  source = "../.."

  name = "orders-secret-rotation"

  vpc_id                 = var.vpc_id
  subnet_ids             = var.private_subnet_ids
  db_security_group_id   = var.db_security_group_id
  create_db_ingress_rule = true

  db_host           = var.db_host
  db_port           = var.db_port
  db_name           = var.db_name
  db_username       = var.db_username
  db_ca_bundle_file = var.db_ca_bundle_file

  secret_store        = "secretsmanager"
  secret_arn          = var.secret_arn
  secret_kms_key_arn  = var.secret_kms_key_arn
  use_secret_kms_key  = var.secret_kms_key_arn != null
  schedule_expression = var.schedule_expression

  ecs_cluster_name  = var.ecs_cluster_name
  ecs_service_names = [aws_ecs_service.app.name]

  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}
