output "function_name" {
  description = "Name of the rotation Lambda function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "ARN of the rotation Lambda function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "role_name" {
  description = "Name of the function's IAM role, to attach more policies."
  value       = try(aws_iam_role.this[0].name, null)
}

output "security_group_id" {
  description = "ID of the function's security group; admit it on the database port if create_db_ingress_rule is false."
  value       = try(aws_security_group.this[0].id, null)
}

output "schedule_rule_arn" {
  description = "ARN of the EventBridge rule that starts rotations; null with Secrets Manager, whose rotation_rules are the schedule."
  value       = try(aws_cloudwatch_event_rule.this[0].arn, null)
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "errors_alarm_arn" {
  description = "ARN of the alarm on the function's errors, or null."
  value       = try(aws_cloudwatch_metric_alarm.errors[0].arn, null)
}

output "pending_parameter_name" {
  description = "SSM parameter that holds the new password while a rotation runs; if it outlives a run, the next run resumes from it. Null with Secrets Manager (the AWSPENDING version plays that part)."
  value       = local.derived_names.pending_parameter
}

output "vpc_endpoint_ids" {
  description = "IDs of the interface VPC endpoints created by the module, by service."
  value       = { for service, endpoint in aws_vpc_endpoint.this : service => endpoint.id }
}

output "manual_rotation_command" {
  description = "AWS CLI command that rotates the password now: with SSM it invokes the function (one attempt, waits for the result); with Secrets Manager it asks Secrets Manager to run the four steps (aws secretsmanager rotate-secret; follow it with describe-secret)."
  value       = local.create ? (local.secrets_manager ? local.rotate_secret_command : local.invoke_command["rotate"]) : null
}

output "dry_run_command" {
  description = "AWS CLI command that checks the configuration, the parameters and the database login without changing anything."
  value       = local.create ? local.invoke_command["dry-run"] : null
}

output "vpc_endpoint_security_group_id" {
  description = "Security group of the interface VPC endpoints, or null. Other workloads in the VPC that resolve the same service names must be admitted on port 443."
  value       = try(aws_security_group.endpoints[0].id, null)
}

output "rotation_failed_alarm_arn" {
  description = "ARN of the alarm on the function's RotationFailed metric, or null."
  value       = try(aws_cloudwatch_metric_alarm.rotation_failed[0].arn, null)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or null when create_dashboard is false."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}
