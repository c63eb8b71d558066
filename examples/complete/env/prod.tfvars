# Production: multi-AZ, protected, rotates weekly at night, alarms go to the on-call address.
environment                  = "prod"
vpc_cidr                     = "10.20.0.0/16"
availability_zone_count      = 3
db_instance_class            = "db.m7g.large"
db_allocated_storage         = 200
db_multi_az                  = true
db_deletion_protection       = true
db_backup_retention_days     = 35
app_desired_count            = 3
rotation_schedule_expression = "cron(0 3 ? * SUN *)"
rotation_schedule_enabled    = true
log_retention_in_days        = 365
log_level                    = "INFO"
create_vpc_endpoints         = true
alarm_email                  = "oncall@example.com"
