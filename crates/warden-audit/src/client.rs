//! Credentials, region, endpoint and retry: one `SdkConfig`, one client per service and region.

use std::time::Duration;

use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;

use crate::AuditOptions;

/// The loaded configuration and the regions to read.
pub struct Clients {
    config: SdkConfig,
    pub regions: Vec<String>,
    /// Where global services are asked.
    pub home_region: String,
    /// Buckets are addressed by path (`endpoint/bucket`) when the endpoint is not AWS's.
    path_style: bool,
}

impl Clients {
    /// The default credential chain (environment, profiles, SSO, web identity, IMDS/ECS),
    /// then the role to assume, if any.
    pub async fn load(options: &AuditOptions) -> anyhow::Result<Self> {
        // rustls with ring over hyper 1: the TLS stack the rest of Warden uses.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let retry = RetryConfig::adaptive().with_max_attempts(options.max_attempts.unwrap_or(3));
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(options.attempt_timeout.unwrap_or(Duration::from_secs(20)))
            .connect_timeout(Duration::from_secs(5))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client.clone())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &options.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(region) = options.regions.first() {
            loader = loader.region(Region::new(region.clone()));
        }
        let mut config = loader.load().await;
        if let Some(role_arn) = &options.role_arn {
            let mut assume = aws_config::sts::AssumeRoleProvider::builder(role_arn)
                .session_name("warden-audit")
                .configure(&config);
            if let Some(external_id) = &options.external_id {
                assume = assume.external_id(external_id);
            }
            let provider = assume.build().await;
            config = config
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        let regions = if options.all_regions {
            // Found by `ListRegions` once the credentials are known.
            Vec::new()
        } else if options.regions.is_empty() {
            let region = config.region().context(
                "no region: pass --regions or --all-regions, or set AWS_REGION or a profile's `region`",
            )?;
            vec![region.to_string()]
        } else {
            options.regions.clone()
        };
        // Global services (IAM, the bucket list, the account) are asked through one region:
        // the first named, else the configured one, else the partition's first.
        let home_region = options
            .regions
            .first()
            .cloned()
            .or_else(|| config.region().map(|region| region.to_string()))
            .unwrap_or_else(|| "us-east-1".to_string());
        let path_style = options.endpoint_url.is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        Ok(Clients {
            config,
            regions,
            home_region,
            path_style,
        })
    }

    fn in_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.in_region(region))
    }

    pub fn iam(&self, region: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.in_region(region))
    }

    pub fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.in_region(region))
    }

    pub fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.in_region(region))
    }

    pub fn dynamodb(&self, region: &str) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.in_region(region))
    }

    pub fn secrets_manager(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.in_region(region))
    }

    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.in_region(region))
    }

    pub fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.in_region(region))
    }

    pub fn apigatewayv2(&self, region: &str) -> aws_sdk_apigatewayv2::Client {
        aws_sdk_apigatewayv2::Client::new(&self.in_region(region))
    }

    pub fn account(&self, region: &str) -> aws_sdk_account::Client {
        aws_sdk_account::Client::new(&self.in_region(region))
    }

    pub fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.in_region(region))
    }

    pub fn s3control(&self, region: &str) -> aws_sdk_s3control::Client {
        let mut config = aws_sdk_s3control::config::Builder::from(&self.in_region(region));
        // On AWS the account id is a host label (`ACCOUNT.s3-control.REGION.amazonaws.com`);
        // a local endpoint cannot resolve such names, so it is addressed as given (the
        // account id travels in the `x-amz-account-id` header either way), as buckets are
        // addressed by path there.
        if self.path_style {
            let endpoint = std::env::var("AWS_ENDPOINT_URL_S3_CONTROL")
                .ok()
                .or_else(|| self.config.endpoint_url().map(str::to_string));
            if let Some(endpoint) = endpoint {
                config = config.endpoint_resolver(EndpointAsGiven(endpoint));
            }
        }
        aws_sdk_s3control::Client::from_conf(config.build())
    }

    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.in_region(region))
    }

    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.in_region(region))
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.in_region(region))
            .force_path_style(self.path_style)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

/// An S3 Control endpoint used as it is, without the account id as a host label.
#[derive(Debug)]
struct EndpointAsGiven(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for EndpointAsGiven {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}
