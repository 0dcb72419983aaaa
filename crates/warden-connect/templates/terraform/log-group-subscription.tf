
resource "aws_cloudwatch_log_subscription_filter" "{{resource_name}}" {
  name            = "{{name}}"
  log_group_name  = "{{log_group}}"
  filter_pattern  = ""
  distribution    = "Random"
  destination_arn = aws_kinesis_firehose_delivery_stream.warden.arn
  role_arn        = aws_iam_role.logs.arn
  depends_on      = [aws_iam_role_policy.logs]
}
