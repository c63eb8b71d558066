# Development: small, single-AZ, disposable; rotates daily so problems show early.
environment                  = "dev"
vpc_cidr                     = "10.30.0.0/16"
db_instance_class            = "db.t4g.micro"
db_allocated_storage         = 20
db_multi_az                  = false
db_deletion_protection       = false
db_backup_retention_days     = 1
app_desired_count            = 1
rotation_schedule_expression = "cron(0 6 ? * MON-FRI *)"
rotation_schedule_enabled    = true
log_retention_in_days        = 30
log_level                    = "DEBUG"
create_vpc_endpoints         = false
