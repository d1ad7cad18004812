# State of staging: terraform -chdir=terraform init -reconfigure -backend-config=envs/staging/backend.hcl
# (`just plan staging` does it). The bucket is the state_bucket output of this account's bootstrap.
bucket       = "healthtech-tfstate-222222222222-eu-west-1"
key          = "healthtech/staging/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
