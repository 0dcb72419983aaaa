
output "audit_role_arn" {
  description = "Pass to `warden audit --role-arn`, with `--external-id`."
  value       = aws_iam_role.audit.arn
}
