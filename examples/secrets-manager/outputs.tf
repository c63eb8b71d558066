output "function_name" {
  description = "Name of the rotation Lambda, the secret's rotation function."
  value       = module.rotation.function_name
}

output "app_service_name" {
  description = "ECS service that reads the secret and is redeployed after each rotation."
  value       = aws_ecs_service.app.name
}

output "manual_rotation_command" {
  description = "Rotate now: Secrets Manager runs the four steps (follow with aws secretsmanager describe-secret)."
  value       = module.rotation.manual_rotation_command
}

output "dry_run_command" {
  description = "Check configuration, secret and database login without changing anything."
  value       = module.rotation.dry_run_command
}
