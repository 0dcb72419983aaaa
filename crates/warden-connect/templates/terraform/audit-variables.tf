
variable "audit_principal_arn" {
  type        = string
  description = "The IAM role or user that runs `warden audit` and may assume the audit role."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", var.audit_principal_arn))
    error_message = "audit_principal_arn must be an IAM role, user or account root ARN."
  }
}

variable "audit_external_id" {
  type        = string
  description = "The external id `warden audit --external-id` passes when it assumes the audit role."

  validation {
    condition     = length(var.audit_external_id) >= 2 && length(var.audit_external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.audit_external_id))
    error_message = "audit_external_id must be 2 to 1224 characters of letters, digits and +=,.@:/-_."
  }
}
