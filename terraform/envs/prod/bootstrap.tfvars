# The bootstrap stack of prod's account (`just bootstrap prod`, once, with admin rights).
aws_account_id    = "333333333333"
region            = "eu-west-1"
environments      = ["prod"]
github_repository = "example-org/healthtech"
