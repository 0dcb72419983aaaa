//! Rules on how a Serverless Framework service is deployed (WD9xx).
mod cloudformation_service_role_missing;
mod deployment_bucket_not_hardened;

pub use cloudformation_service_role_missing::*;
pub use deployment_bucket_not_hardened::*;

use warden_iac::{Resource, Template};

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &DeploymentBucketNotHardened,
    &CloudformationServiceRoleMissing,
];

/// The resource the Serverless loader makes of the deployment settings.
fn deployment(template: &Template) -> Option<&Resource> {
    template
        .resources_of_type(warden_iac::serverless::DEPLOYMENT_TYPE)
        .next()
}
