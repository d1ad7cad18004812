# State of prod: terraform -chdir=terraform init -reconfigure -backend-config=envs/prod/backend.hcl
# (`just plan prod` does it). The bucket is the state_bucket output of this account's bootstrap.
bucket       = "healthtech-tfstate-333333333333-eu-west-1"
key          = "healthtech/prod/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
