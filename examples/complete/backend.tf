# State lives in S3; env/<env>.backend.hcl fills in the bucket, key and region
# (`make init ENV=dev`). `make validate` runs init -backend=false and needs none of it.
terraform {
  backend "s3" {}
}
