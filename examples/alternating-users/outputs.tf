output "function_name" {
  description = "Name of the rotation Lambda."
  value       = module.rotation.function_name
}

output "username_parameter_name" {
  description = "Parameter the applications read the role name from (or use DATABASE_URL, which carries both)."
  value       = aws_ssm_parameter.username.name
}

output "dry_run_command" {
  description = "Check configuration, parameters and database login without changing anything."
  value       = module.rotation.dry_run_command
}

output "manual_rotation_command" {
  description = "Rotate now: switches the applications to the other role."
  value       = module.rotation.manual_rotation_command
}
