//! The generated stacks are the contract users review and deploy: any change to them is
//! reviewed as a snapshot diff.

mod support;

use warden_connect::Format;

#[test]
fn cloudformation_stacks() {
    for (name, options) in support::variants() {
        insta::assert_snapshot!(
            format!("cloudformation_{name}"),
            support::render(&options, Format::CloudFormation)
        );
    }
}

#[test]
fn terraform_stacks() {
    for (name, options) in support::variants() {
        insta::assert_snapshot!(
            format!("terraform_{name}"),
            support::render(&options, Format::Terraform)
        );
    }
}
