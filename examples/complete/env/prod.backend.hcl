# S3 state of the prod environment: `make init ENV=prod` passes this file to terraform init.
# Example values: create the bucket first (versioning on, public access blocked, default
# encryption), once per account; each environment keeps its own state object.
bucket       = "example-org-terraform-state-111122223333"
key          = "rds-secret-rotation/complete/prod.tfstate"
region       = "eu-west-1"
encrypt      = true
# Lock with a conditional write next to the state (Terraform >= 1.10): no DynamoDB table.
use_lockfile = true
