use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Kinesis data streams (`AWS::Kinesis::Stream`) without server-side encryption
    /// (`StreamEncryption` with `EncryptionType: KMS`). Streams are event sources of Lambda
    /// functions. A `StreamEncryption` that cannot be read is not judged.
    ///
    /// ## Why is this bad?
    /// Kinesis does not encrypt stream records at rest unless asked to: the events that reach
    /// the functions (often personal or payment data) sit in clear text on the service's
    /// storage for the retention period.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   Type: AWS::Kinesis::Stream
    ///   Properties:
    ///     ShardCount: 1
    /// ```
    ///
    /// ## Fix
    /// Add `StreamEncryption: {EncryptionType: KMS, KeyId: alias/aws/kinesis}` (or a
    /// customer managed key), and grant the consumers `kms:Decrypt` on it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/streams/latest/dev/what-is-sse.html>
    /// - checkov CKV_AWS_43
    pub struct KinesisStreamNotEncrypted {
        code: "WD721",
        name: "kinesis-stream-not-encrypted",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `StreamEncryption` with `EncryptionType: KMS` (`alias/aws/kinesis` or a customer managed key).",
    }
}

impl Rule for KinesisStreamNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stream in template.resources_of_type("AWS::Kinesis::Stream") {
            match stream.prop("StreamEncryption") {
                None => {
                    checker.report(
                        stream,
                        stream.span,
                        format!(
                            "Kinesis stream `{}` has no `StreamEncryption`: records are stored unencrypted",
                            stream.origin.id
                        ),
                    );
                }
                Some(encryption) => {
                    let Some(kind) = encryption.get("EncryptionType") else {
                        continue;
                    };
                    for kind in kind.alternatives() {
                        if kind
                            .as_str()
                            .is_some_and(|text| text.eq_ignore_ascii_case("NONE"))
                        {
                            checker.report(
                                stream,
                                kind.span,
                                format!(
                                    "Kinesis stream `{}` sets `EncryptionType: NONE`: records are stored unencrypted",
                                    stream.origin.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}
