output "function_name" {
  description = "Name of the rotation Lambda."
  value       = module.rotation.function_name
}

output "security_group_id" {
  description = "Security group of the rotation Lambda."
  value       = module.rotation.security_group_id
}

output "manual_rotation_command" {
  description = "Rotate now."
  value       = module.rotation.manual_rotation_command
}

output "dry_run_command" {
  description = "Check configuration, parameters and database login without changing anything."
  value       = module.rotation.dry_run_command
}
