//! The IAM action table: every action of every service with its access level, the resource
//! types it can be scoped to and its condition keys, generated from the AWS Service
//! Authorization Reference (`data/iam-actions.tsv`, see `data/SOURCES.md`).
//!
//! Rules ask it which actions write, which can change a function, whether an action can be
//! scoped at all and what ARN a resource type has. An action that is not in the table is
//! unknown: no rule concludes anything from it.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::policy::wildcard_match;

/// How AWS classifies an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessLevel {
    Read,
    Write,
    List,
    Tagging,
    PermissionsManagement,
}

/// One action of the table.
#[derive(Debug)]
pub struct Action {
    pub service: &'static str,
    pub name: &'static str,
    pub level: AccessLevel,
    /// Resource types the action can be scoped to, with whether the reference marks them
    /// required. Empty: the action only accepts `Resource: "*"`.
    pub resource_types: Vec<(&'static str, bool)>,
    pub condition_keys: Vec<&'static str>,
}

impl Action {
    /// `service:Name`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// True when the action only accepts `Resource: "*"`.
    pub fn needs_star_resource(&self) -> bool {
        self.resource_types.is_empty()
    }

    /// True when a statement can name the resources this action touches, so that
    /// `Resource: "*"` grants more than needed. Actions whose resource types are all
    /// optional (`translate:TranslateText` and its terminologies, `polly:SynthesizeSpeech`
    /// and its lexicons) are called on no resource at all and need `*`. S3 is the exception:
    /// its object actions list `object` and `accesspointobject` as optional alternatives,
    /// one of which every call names.
    pub fn can_be_scoped(&self) -> bool {
        self.resource_types.iter().any(|(_, required)| *required)
            || (self.service == "s3" && !self.resource_types.is_empty())
    }

    pub fn has_condition_key(&self, key: &str) -> bool {
        self.condition_keys
            .iter()
            .any(|known| known.eq_ignore_ascii_case(key))
    }
}

/// The table: actions by lower-cased `service:action`, resource ARN formats by
/// `service` and type.
pub struct Table {
    actions: Vec<Action>,
    by_name: HashMap<String, usize>,
    by_service: HashMap<&'static str, Vec<usize>>,
    resources: HashMap<(&'static str, &'static str), &'static str>,
}

impl Table {
    /// The action named exactly (case-insensitive, no wildcards).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|&index| &self.actions[index])
    }

    /// Every action an IAM pattern (`s3:Get*`, `*`) matches.
    pub fn matching<'a>(&'a self, pattern: &str) -> Vec<&'a Action> {
        let pattern = pattern.to_ascii_lowercase();
        if !pattern.contains(['*', '?']) {
            return self.action(&pattern).into_iter().collect();
        }
        let candidates: Box<dyn Iterator<Item = &usize>> = match pattern.split_once(':') {
            Some((service, _)) if !service.contains(['*', '?']) => {
                match self.by_service.get(service) {
                    Some(indices) => Box::new(indices.iter()),
                    None => return Vec::new(),
                }
            }
            _ => Box::new(self.by_name.values()),
        };
        candidates
            .map(|&index| &self.actions[index])
            .filter(|action| wildcard_match(&pattern, &action.full_name().to_ascii_lowercase()))
            .collect()
    }

    /// True when the service prefix is in the table.
    pub fn knows_service(&self, service: &str) -> bool {
        self.by_service
            .contains_key(service.to_ascii_lowercase().as_str())
    }

    /// The ARN format of a resource type (`arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`).
    pub fn resource_arn(&self, service: &str, resource_type: &str) -> Option<&'static str> {
        let service = service.to_ascii_lowercase();
        self.resources
            .iter()
            .find(|((s, t), _)| *s == service && t.eq_ignore_ascii_case(resource_type))
            .map(|(_, arn)| *arn)
    }
}

/// The table, parsed once.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(include_str!("../data/iam-actions.tsv")))
}

/// The action named exactly, if the table knows it.
pub fn action(name: &str) -> Option<&'static Action> {
    table().action(name)
}

fn parse(text: &'static str) -> Table {
    let mut table = Table {
        actions: Vec::with_capacity(21_000),
        by_name: HashMap::with_capacity(21_000),
        by_service: HashMap::new(),
        resources: HashMap::new(),
    };
    let mut service = "";
    let list = |field: &'static str| -> Vec<&'static str> {
        if field == "-" || field.is_empty() {
            Vec::new()
        } else {
            field.split(',').collect()
        }
    };
    for line in text.lines() {
        let mut fields = line.split('\t');
        match fields.next() {
            Some("S") => service = fields.next().unwrap_or_default(),
            Some("R") => {
                if let (Some(name), Some(arn)) = (fields.next(), fields.next()) {
                    table.resources.insert((service, name), arn);
                }
            }
            Some("A") => {
                let (Some(name), Some(level), Some(types), Some(keys)) =
                    (fields.next(), fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                let level = match level {
                    "R" => AccessLevel::Read,
                    "W" => AccessLevel::Write,
                    "L" => AccessLevel::List,
                    "T" => AccessLevel::Tagging,
                    _ => AccessLevel::PermissionsManagement,
                };
                let resource_types = list(types)
                    .into_iter()
                    .map(|t| match t.strip_suffix('*') {
                        Some(t) => (t, true),
                        None => (t, false),
                    })
                    .collect();
                let key = format!("{service}:{name}").to_ascii_lowercase();
                // A few names appear twice in a service (sub-products share a prefix):
                // the first entry wins.
                if table.by_name.contains_key(&key) {
                    continue;
                }
                let index = table.actions.len();
                table.actions.push(Action {
                    service,
                    name,
                    level,
                    resource_types,
                    condition_keys: list(keys),
                });
                table.by_name.insert(key, index);
                table.by_service.entry(service).or_default().push(index);
            }
            _ => {}
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_the_actions_that_matter() {
        assert!(table().actions.len() > 15_000);
        let get_object = action("s3:GetObject").unwrap();
        assert_eq!(get_object.level, AccessLevel::Read);
        assert!(get_object.can_be_scoped());
        let pass_role = action("IAM:passrole").unwrap();
        assert!(pass_role.can_be_scoped());
        assert!(pass_role.has_condition_key("iam:PassedToService"));
        assert_eq!(pass_role.level, AccessLevel::PermissionsManagement);
        for star in [
            "xray:PutTraceSegments",
            "rekognition:DetectLabels",
            "comprehend:DetectSentiment",
            "translate:TranslateText",
        ] {
            assert!(!action(star).unwrap().can_be_scoped(), "{star}");
        }
        assert!(action("lambda:UpdateFunctionCode").unwrap().level == AccessLevel::Write);
        assert!(action("nosuch:Thing").is_none());
        assert_eq!(
            table().resource_arn("dynamodb", "table"),
            Some("arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}")
        );
    }

    #[test]
    fn patterns_expand_to_actions() {
        let puts = table().matching("s3:PutObject*");
        assert!(puts.iter().any(|a| a.name == "PutObjectAcl"));
        assert!(puts.iter().all(|a| a.service == "s3"));
        assert!(table().matching("lambda:*").len() > 50);
        assert!(table().matching("nosuch:*").is_empty());
    }
}
