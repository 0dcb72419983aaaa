
# One account-level subscription filter policy covers every log group of this region,
# new functions included. CloudWatch Logs selects log groups only by exclusion
# (`LogGroupName NOT IN [...]`), so non-Lambda groups are subscribed too unless listed.
resource "aws_cloudwatch_log_account_policy" "subscription" {
  policy_name        = "{{name}}"
  policy_type        = "SUBSCRIPTION_FILTER_POLICY"
  scope              = "ALL"
  selection_criteria = "{{selection_criteria}}"
  policy_document = jsonencode({
    DestinationArn = aws_kinesis_firehose_delivery_stream.warden.arn
    RoleArn        = aws_iam_role.logs.arn
    FilterPattern  = ""
    Distribution   = "Random"
  })
  depends_on = [aws_iam_role_policy.logs]
}
