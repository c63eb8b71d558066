resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-db-rotation-alarms"
  kms_master_key_id = aws_kms_key.this.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

module "rotation" {
  source = "../.."

  name = "${local.name}-db-rotation"

  vpc_id                 = aws_vpc.this.id
  subnet_ids             = aws_subnet.private[*].id
  db_security_group_id   = aws_security_group.db.id
  create_db_ingress_rule = true

  # prod: interface endpoints and no Internet egress; dev: through the NAT gateway.
  create_vpc_endpoints     = var.create_vpc_endpoints
  https_egress_cidr_blocks = var.create_vpc_endpoints ? [] : ["0.0.0.0/0"]

  db_host     = aws_db_instance.this.address
  db_port     = aws_db_instance.this.port
  db_name     = local.db_name
  db_username = local.db_username

  password_parameter_name     = aws_ssm_parameter.db_password.name
  database_url_parameter_name = aws_ssm_parameter.database_url.name
  parameter_kms_key_arn       = aws_kms_key.this.arn
  # The key is created in this run: its ARN is unknown at plan time, the switch is not.
  use_parameter_kms_key = true

  ecs_cluster_name  = aws_ecs_cluster.this.name
  ecs_service_names = [aws_ecs_service.app.name]

  schedule_expression   = var.rotation_schedule_expression
  schedule_enabled      = var.rotation_schedule_enabled
  log_level             = var.log_level
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = aws_kms_key.this.arn
  alarm_actions         = [aws_sns_topic.alarms.arn]
  ok_actions            = [aws_sns_topic.alarms.arn]
}
