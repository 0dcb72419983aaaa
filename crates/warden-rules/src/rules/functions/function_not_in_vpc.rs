use warden_iac::{Node, Template, Value};

use super::common::{code_list, denied};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions on data stores that are only reachable from inside a VPC: ElastiCache and
/// MemoryDB clusters, DAX clusters and EFS mounts have no public endpoint. RDS, OpenSearch
/// and Redshift can be public, so their actions are left out.
const VPC_ONLY_ACTIONS: &[&str] = &[
    "elasticache:Connect",
    "memorydb:Connect",
    "dax:GetItem",
    "dax:PutItem",
    "dax:Query",
    "dax:Scan",
    "dax:UpdateItem",
    "dax:DeleteItem",
    "dax:BatchGetItem",
    "dax:BatchWriteItem",
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
];

declare_rule! {
    /// ## What it does
    /// Points out functions without `VpcConfig` whose execution role is allowed to use a
    /// data store that only exists inside a VPC: ElastiCache or MemoryDB (`*:Connect`),
    /// DAX, or an EFS mount. Only actions named for their service count (`elasticache:*`,
    /// `dax:GetItem`), not `*`. RDS (`rds-db:connect`), OpenSearch and Redshift are left
    /// out because they can have public endpoints. Reported at `info` severity.
    ///
    /// ## Why is this bad?
    /// A function outside the VPC can only reach such a store if the store is exposed some
    /// other way (a public proxy, a peering or NAT path opened for it), which widens the
    /// store's attack surface; more often the permission is a leftover and the function
    /// fails when it tries to connect.
    ///
    /// ## Example
    /// ```yaml
    /// Sessions:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Policies:
    ///       - Statement:
    ///           - Effect: Allow
    ///             Action: elasticache:Connect
    ///             Resource: !GetAtt Cache.ARN
    /// ```
    ///
    /// ## Fix
    /// Attach the function to the store's VPC (`VpcConfig` with private subnets in two
    /// Availability Zones and a security group the store accepts), or remove the unused
    /// permission.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html>
    /// - checkov CKV_AWS_117; cfn_nag W89; Prowler `awslambda_function_inside_vpc` (all flag every function outside a VPC)
    pub struct FunctionNotInVpc {
        code: "WD126",
        name: "function-not-in-vpc",
        risk: InsecureConfiguration,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Attach the function to the data store's VPC with `VpcConfig`, or remove the permission it does not use.",
    }
}

impl Rule for FunctionNotInVpc {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if function.prop("VpcConfig").is_some_and(attached) {
                continue;
            }
            let mut granted: Vec<&str> = Vec::new();
            for statement in info
                .permissions
                .statements
                .iter()
                .filter(|statement| statement.allow && !statement.not_action)
            {
                for action in VPC_ONLY_ACTIONS {
                    let service = action.split(':').next().unwrap_or_default();
                    // Only entries named for the service: `*` says nothing about data stores.
                    let Some(entry) = statement.grants(action).and_then(Node::as_str) else {
                        continue;
                    };
                    let named = entry
                        .to_ascii_lowercase()
                        .starts_with(&format!("{service}:"));
                    if named && !denied(info, action) && !granted.contains(&entry) {
                        granted.push(entry);
                    }
                }
            }
            if !granted.is_empty() {
                checker.report(
                    function,
                    function.span,
                    format!(
                        "`{}` is not in a VPC but may use VPC-only data stores ({})",
                        function.origin.id,
                        code_list(&granted)
                    ),
                );
            }
        }
    }
}

/// True when `VpcConfig` attaches the function to subnets (or cannot be known). SAM and
/// CloudFormation treat empty `SubnetIds` as "no VPC".
fn attached(config: &Node) -> bool {
    config
        .alternatives()
        .into_iter()
        .any(|config| match config.get("SubnetIds") {
            None => !config.is_known(),
            Some(subnets) => match &subnets.value {
                Value::Seq(items) => !items.is_empty(),
                _ => true,
            },
        })
}
