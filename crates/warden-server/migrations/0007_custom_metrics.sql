-- Custom metrics from Embedded Metric Format documents (Powertools Metrics,
-- aws-embedded-metrics): one row per function, metric, dimension set and minute.
CREATE TABLE metric_minutes (
    function TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The dimension set as a JSON object with its keys in order.
    dimensions TEXT NOT NULL,
    minute INTEGER NOT NULL,
    unit TEXT,
    count INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (function, minute, namespace, name, dimensions)
) WITHOUT ROWID;

-- The points already counted, keyed by the stored line that carried them and their place
-- in it, so that replaying lines after a restart never counts a point twice.
CREATE TABLE metric_points (
    origin_line INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (origin_line, seq)
) WITHOUT ROWID;
CREATE INDEX metric_points_received ON metric_points (received_at);
