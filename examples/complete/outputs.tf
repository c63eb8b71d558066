output "db_address" {
  description = "Host name of the database."
  value       = aws_db_instance.this.address
}

output "password_parameter_name" {
  description = "SSM parameter holding the current password."
  value       = aws_ssm_parameter.db_password.name
}

output "database_url_parameter_name" {
  description = "SSM parameter holding the DATABASE_URL."
  value       = aws_ssm_parameter.database_url.name
}

output "rotation_function_name" {
  description = "Name of the rotation Lambda."
  value       = module.rotation.function_name
}

output "manual_rotation_command" {
  description = "Rotate now."
  value       = module.rotation.manual_rotation_command
}

output "dry_run_command" {
  description = "Check configuration, parameters and database login without changing anything."
  value       = module.rotation.dry_run_command
}
