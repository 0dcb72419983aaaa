//! `--all-regions`: the regions enabled for the account (AWS Account `ListRegions`, which
//! answers opt-in regions by their status, so a region the account has not opted into is
//! never read).

use aws_sdk_account::types::RegionOptStatus;
use aws_sdk_account::Client;

use crate::calls::{Answer, Calls};

/// The enabled regions, sorted; `None` when the list could not be read (the failure is a
/// notice of its own).
pub(crate) async fn enabled_regions(account: Client, calls: &Calls) -> Option<Vec<String>> {
    let mut regions = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "account:ListRegions",
                "global",
                "region lists",
                account
                    .list_regions()
                    .region_opt_status_contains(RegionOptStatus::Enabled)
                    .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
                    .max_results(50)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let page = match page {
            Answer::Found(page) => page,
            Answer::Absent | Answer::Failed => return None,
        };
        regions.extend(
            page.regions()
                .iter()
                // The filter asks for these two; an answer that ignores it must not make the
                // audit read a region that cannot answer.
                .filter(|region| {
                    matches!(
                        region.region_opt_status(),
                        None | Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
                    )
                })
                .filter_map(|region| region.region_name().map(str::to_string)),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    regions.sort();
    regions.dedup();
    Some(regions)
}
