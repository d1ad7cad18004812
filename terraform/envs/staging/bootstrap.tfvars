# The bootstrap stack of staging's account (`just bootstrap staging`, once, with admin rights).
aws_account_id    = "222222222222"
region            = "eu-west-1"
environments      = ["staging"]
github_repository = "example-org/healthtech"
