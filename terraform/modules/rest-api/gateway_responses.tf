# API Gateway's own answers (401 from the authorizer, 403 for an unknown route, 429 when
# throttled, 5xx) never reach the function, so they carry no CORS headers unless gateway
# responses add them: without them a browser app sees a CORS failure instead of the status.
# A gateway response cannot test a list: with one allowed origin it names it; with several
# it echoes the request's Origin. These bodies hold only a fixed message, no data.
locals {
  cors_error_headers = length(var.cors_allowed_origins) == 0 ? {} : {
    "gatewayresponse.header.Access-Control-Allow-Origin" = (
      length(var.cors_allowed_origins) == 1 ? "'${var.cors_allowed_origins[0]}'" : "method.request.header.Origin"
    )
    "gatewayresponse.header.Vary" = "'Origin'"
  }
}

resource "aws_api_gateway_gateway_response" "cors" {
  for_each = length(var.cors_allowed_origins) == 0 ? toset([]) : toset(["DEFAULT_4XX", "DEFAULT_5XX"])

  rest_api_id         = aws_api_gateway_rest_api.this.id
  response_type       = each.key
  response_parameters = local.cors_error_headers
}
