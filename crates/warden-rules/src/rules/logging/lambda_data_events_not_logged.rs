use warden_iac::{Node, Resource, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Points out CloudTrail trails declared in the stack when none of them records Lambda data
    /// events (function invocations). A trail records them with an
    /// `EventSelectors[].DataResources[]` entry of `Type: AWS::Lambda::Function`, or an
    /// `AdvancedEventSelectors` entry that selects `eventCategory: Data` with `resources.type:
    /// AWS::Lambda::Function`. Stacks without a trail are not judged (the account's trail usually
    /// lives elsewhere), and selectors the scanner cannot read count as recording. A trail
    /// with `IsLogging: false` (stopped) records nothing. Reported at `info` severity.
    ///
    /// ## Why is this bad?
    /// Management events show who changed a function, not who invoked it. Without data
    /// events there is no audit record of `Invoke` calls made with stolen credentials or
    /// from an unexpected account.
    ///
    /// ## Example
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsLogging: true
    ///     S3BucketName: !Ref TrailBucket
    /// ```
    ///
    /// ## Fix
    /// Add an event selector with `DataResources: [{Type: AWS::Lambda::Function, Values:
    /// [arn:aws:lambda]}]` (all functions) or the ARNs of the functions to audit, or the
    /// equivalent advanced event selector. Data events are billed per event: select the
    /// functions that matter.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
    /// - Prowler `awslambda_function_invoke_api_operations_cloudtrail_logging_enabled`
    pub struct LambdaDataEventsNotLogged {
        code: "WD809",
        name: "lambda-data-events-not-logged",
        risk: InsufficientLogging,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Add an event selector with `DataResources: [{Type: AWS::Lambda::Function, Values: [arn:aws:lambda]}]` to the trail.",
    }
}

impl Rule for LambdaDataEventsNotLogged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let trails: Vec<&Resource> = template
            .resources_of_type("AWS::CloudTrail::Trail")
            .collect();
        if trails.iter().any(|trail| records_lambda_data(trail)) {
            return;
        }
        for trail in trails {
            checker.report(
                trail,
                trail.span,
                format!(
                    "trail `{}` does not record Lambda data events: function invocations are not audited",
                    trail.origin.id
                ),
            );
        }
    }
}

fn records_lambda_data(trail: &Resource) -> bool {
    // A stopped trail records nothing (a live audit reads `IsLogging` from the trail status).
    if trail
        .prop("IsLogging")
        .is_some_and(|logging| logging.as_bool() == Some(false))
    {
        return false;
    }
    let basic = trail.prop("EventSelectors").is_some_and(|selectors| {
        !selectors.is_fully_known()
            || selectors.items().iter().any(|selector| {
                selector.get("DataResources").is_some_and(|resources| {
                    resources
                        .items()
                        .iter()
                        .any(|resource| is_lambda_type(resource.get("Type")))
                })
            })
    });
    let advanced = trail
        .prop("AdvancedEventSelectors")
        .is_some_and(|selectors| {
            !selectors.is_fully_known()
                || selectors.items().iter().any(|selector| {
                    let fields = selector
                        .get("FieldSelectors")
                        .map(Node::items)
                        .unwrap_or_default();
                    let equals = |field: &str, value: &str| {
                        fields.iter().any(|selector| {
                            selector.get("Field").and_then(Node::as_str) == Some(field)
                                && selector.get("Equals").is_some_and(|equals| {
                                    equals
                                        .items()
                                        .iter()
                                        .any(|item| item.as_str() == Some(value))
                                })
                        })
                    };
                    equals("eventCategory", "Data")
                        && equals("resources.type", "AWS::Lambda::Function")
                })
        });
    basic || advanced
}

fn is_lambda_type(node: Option<&Node>) -> bool {
    node.is_some_and(|node| {
        node.alternatives()
            .into_iter()
            .any(|value| value.as_str() == Some("AWS::Lambda::Function"))
    })
}
