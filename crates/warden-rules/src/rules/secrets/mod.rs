//! Rules on Secrets and parameters (WD6xx).
mod literal_secret_string;
mod noecho_parameter_in_outputs;
mod secret_in_plain_ssm_parameter;
mod secret_parameter_without_noecho;
mod secret_resource_policy_public;
mod secret_without_customer_managed_key;
mod secret_without_rotation;

pub use literal_secret_string::*;
pub use noecho_parameter_in_outputs::*;
pub use secret_in_plain_ssm_parameter::*;
pub use secret_parameter_without_noecho::*;
pub use secret_resource_policy_public::*;
pub use secret_without_customer_managed_key::*;
pub use secret_without_rotation::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &SecretParameterWithoutNoecho,
    &LiteralSecretString,
    &SecretWithoutCustomerManagedKey,
    &SecretWithoutRotation,
    &SecretResourcePolicyPublic,
    &SecretInPlainSsmParameter,
    &NoechoParameterInOutputs,
];
