# The module alone, wired to a database, parameters and services that already exist.
module "rotation" {
  source = "../.."

  name = "existing-db-rotation"

  vpc_id                 = var.vpc_id
  subnet_ids             = var.private_subnet_ids
  db_security_group_id   = var.db_security_group_id
  create_db_ingress_rule = true

  db_host           = var.db_host
  db_port           = var.db_port
  db_name           = var.db_name
  db_username       = var.db_username
  db_ca_bundle_file = var.db_ca_bundle_file

  password_parameter_name     = var.password_parameter_name
  database_url_parameter_name = var.database_url_parameter_name
  parameter_kms_key_arn       = var.parameter_kms_key_arn
  use_parameter_kms_key       = var.parameter_kms_key_arn != null

  ecs_cluster_name  = var.ecs_cluster_name
  ecs_service_names = var.ecs_service_names

  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}
