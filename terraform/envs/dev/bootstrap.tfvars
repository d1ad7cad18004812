# The bootstrap stack of dev's account (`just bootstrap dev`, once, with admin rights).
aws_account_id    = "111111111111"
region            = "eu-west-1"
environments      = ["dev"]
github_repository = "example-org/healthtech"
