use warden_iac::{Node, Template, Value};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags functions attached to a VPC through a single subnet: `VpcConfig.SubnetIds` a
    /// list of exactly one entry, or of subnets declared in the stack whose literal
    /// `AvailabilityZone` is the same. Lists the scanner cannot count (a
    /// `List<AWS::EC2::Subnet::Id>` parameter without default, `Fn::Split`) are not judged;
    /// an empty list means "no VPC" and is not reported.
    ///
    /// ## Why is this bad?
    /// A VPC function runs only in the Availability Zones of its subnets. With one zone an
    /// outage of that zone, or IP exhaustion in that subnet, stops the function entirely,
    /// although Lambda itself would keep running in the other zones.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     VpcConfig:
    ///       SecurityGroupIds: [sg-0123456789abcdef0]
    ///       SubnetIds: [subnet-0aaa1111bbbb2222c]
    /// ```
    ///
    /// ## Fix
    /// List at least two subnets in different Availability Zones in `SubnetIds`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html>
    /// - Prowler `awslambda_function_vpc_multi_az`; PureSec SAS-8
    pub struct VpcFunctionSingleSubnet {
        code: "WD123",
        name: "vpc-function-single-subnet",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "List subnets in at least two Availability Zones in `VpcConfig.SubnetIds`.",
    }
}

impl Rule for VpcFunctionSingleSubnet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(subnets) = function.prop("VpcConfig.SubnetIds") else {
                continue;
            };
            for subnets in subnets.alternatives() {
                let Value::Seq(items) = &subnets.value else {
                    continue;
                };
                if items.len() == 1 && !may_hold_several(template, &items[0]) {
                    checker.report(
                        function,
                        subnets.span,
                        format!(
                            "`{}` is attached to one subnet (`{}`): it stops when that Availability Zone fails",
                            function.origin.id,
                            subnet_name(template, &items[0])
                        ),
                    );
                } else if items.len() > 1 {
                    if let Some(zone) = single_zone(template, items) {
                        checker.report(
                            function,
                            subnets.span,
                            format!(
                                "`{}` is attached to {} subnets all in `{zone}`: it stops when that Availability Zone fails",
                                function.origin.id,
                                items.len()
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// True for an entry that may stand for several subnets: a nested list, a list-typed
/// parameter, or a value the scanner cannot know.
fn may_hold_several(template: &Template, node: &Node) -> bool {
    if matches!(node.value, Value::Seq(_)) {
        return true;
    }
    node.parameter.as_deref().is_some_and(|name| {
        template.parameter(name).is_none_or(|parameter| {
            parameter.parameter_type.starts_with("List<")
                || parameter.parameter_type.contains("CommaDelimitedList")
        })
    }) || (!node.is_known() && node.parameter.is_none())
}

fn subnet_name(template: &Template, node: &Node) -> String {
    template
        .referenced(node)
        .map_or_else(|| node.display(), |subnet| subnet.origin.id.clone())
}

/// The one Availability Zone of subnets declared in the stack, when every subnet's zone is
/// a literal and they are all the same.
fn single_zone(template: &Template, items: &[Node]) -> Option<String> {
    let mut zones = items.iter().map(|item| {
        let subnet = template
            .referenced(item)
            .filter(|subnet| subnet.resource_type == "AWS::EC2::Subnet")?;
        subnet
            .prop("AvailabilityZone")
            .and_then(Node::as_str)
            .map(str::to_string)
    });
    let first = zones.next()??;
    zones
        .all(|zone| zone.as_deref() == Some(first.as_str()))
        .then_some(first)
}
