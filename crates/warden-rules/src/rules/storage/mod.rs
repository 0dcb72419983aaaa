//! Rules on storage and messaging: S3, SQS, SNS, DynamoDB and KMS (WD7xx).
mod bucket_access_logging_disabled;
mod bucket_versioning_disabled;
mod bucket_without_encryption_configuration;
pub(crate) mod common;
mod dynamodb_deletion_protection_disabled;
mod dynamodb_point_in_time_recovery_disabled;
mod dynamodb_without_customer_managed_key;
mod kinesis_stream_not_encrypted;
mod kms_key_policy_public;
mod kms_key_rotation_disabled;
mod mq_broker_publicly_accessible;
mod s3_bucket_policy_public;
mod s3_bucket_public_acl;
mod s3_bucket_without_tls_policy;
mod s3_public_access_block_incomplete;
mod sns_subscription_over_http;
mod sns_subscription_without_redrive;
mod sns_topic_not_encrypted;
mod sns_topic_policy_public;
mod sqs_queue_not_encrypted;
mod sqs_queue_policy_public;
mod sqs_queue_without_dead_letter_queue;

pub use bucket_access_logging_disabled::*;
pub use bucket_versioning_disabled::*;
pub use bucket_without_encryption_configuration::*;
pub use dynamodb_deletion_protection_disabled::*;
pub use dynamodb_point_in_time_recovery_disabled::*;
pub use dynamodb_without_customer_managed_key::*;
pub use kinesis_stream_not_encrypted::*;
pub use kms_key_policy_public::*;
pub use kms_key_rotation_disabled::*;
pub use mq_broker_publicly_accessible::*;
pub use s3_bucket_policy_public::*;
pub use s3_bucket_public_acl::*;
pub use s3_bucket_without_tls_policy::*;
pub use s3_public_access_block_incomplete::*;
pub use sns_subscription_over_http::*;
pub use sns_subscription_without_redrive::*;
pub use sns_topic_not_encrypted::*;
pub use sns_topic_policy_public::*;
pub use sqs_queue_not_encrypted::*;
pub use sqs_queue_policy_public::*;
pub use sqs_queue_without_dead_letter_queue::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &S3BucketPublicAcl,
    &S3PublicAccessBlockIncomplete,
    &S3BucketPolicyPublic,
    &S3BucketWithoutTlsPolicy,
    &SqsQueueNotEncrypted,
    &SqsQueuePolicyPublic,
    &SnsTopicNotEncrypted,
    &SnsTopicPolicyPublic,
    &DynamodbPointInTimeRecoveryDisabled,
    &DynamodbWithoutCustomerManagedKey,
    &KmsKeyPolicyPublic,
    &KmsKeyRotationDisabled,
    &SqsQueueWithoutDeadLetterQueue,
    &BucketWithoutEncryptionConfiguration,
    &BucketAccessLoggingDisabled,
    &BucketVersioningDisabled,
    &SnsSubscriptionOverHttp,
    &SnsSubscriptionWithoutRedrive,
    &DynamodbDeletionProtectionDisabled,
    &MqBrokerPubliclyAccessible,
    &KinesisStreamNotEncrypted,
];
