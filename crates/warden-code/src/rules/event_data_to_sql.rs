use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data built into SQL or PartiQL text: `cursor.execute(f"...")`, `connection.query("..." + x)`, `knex.raw`, `sequelize.query`, the RDS and Redshift Data APIs' `sql`, Athena's `QueryString`, DynamoDB's PartiQL `Statement`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// Whoever controls the event rewrites the statement: reads other rows and tables, changes or deletes data, and, on some engines, runs commands.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     user = event["pathParameters"]["id"]
    ///     cursor.execute(f"SELECT * FROM orders WHERE user_id = '{user}'")
    /// ```
    ///
    /// ## Fix
    /// Use parameterised queries (`cursor.execute("... WHERE user_id = %s", (user,))`, `client.query("... $1", [user])`, the Data API's `parameters`), never string building.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/89.html>
    /// - <https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html>
    pub struct EventDataToSql {
        code: "WD004",
        name: "event-data-to-sql",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Use a parameterised query (placeholders and a separate parameter list) instead of building the statement from event data.",
    }
}

impl CodeRule for EventDataToSql {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::Sql, context, out);
    }
}
