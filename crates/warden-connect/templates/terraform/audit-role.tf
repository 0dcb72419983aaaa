
# Read-only: exactly the calls `warden audit` makes (`warden audit --print-policy`).
resource "aws_iam_role" "audit" {
  name_prefix          = "{{name}}-audit-"
  description          = "Read-only role for `warden audit`."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = var.audit_principal_arn }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.audit_external_id } }
    }]
  })
}

resource "aws_iam_role_policy" "audit" {
  name = "warden-audit-read-only"
  role = aws_iam_role.audit.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "WardenAuditReadOnly"
      Effect = "Allow"
      Action = [
{{actions}}
      ]
      Resource = "*"
    }]
  })
}
