-- bankscore customer segments schema for SQLite (`bankscore segment`).
--
-- bankscore applies this file itself (`bankscore segment`, `bankscore init-db`); it is idempotent.
-- Names in double curly braces are replaced by the configured names (segmentation.table,
-- .profiles_table, .models_table, .view, and results.latest_view, which the view joins); with the
-- default config they are segments, segment_profiles, segmentations, segmented_predictions and
-- latest_predictions. `bankscore schema --config FILE` prints this file with the names filled in.
--
-- Times are ISO 8601 UTC text ("2026-11-22T10:15:00.123Z"), which sorts chronologically.

-- One row per fitted segmentation version. The version is derived from the model's content (its
-- encoder and centroids), so segmenting the same rows again finds the version already here.
CREATE TABLE IF NOT EXISTS "{{segmentations}}" (
  segmentation_version TEXT    NOT NULL PRIMARY KEY,  -- e.g. k4-9bd8bf0e1a2c: k and a content hash
  k                    INTEGER NOT NULL CHECK (k >= 1),  -- number of segments
  rows_fitted          INTEGER NOT NULL,  -- rows of the fitting sample
  silhouette           REAL    NOT NULL,  -- mean silhouette of the chosen k, in [-1, 1]
  features             TEXT    NOT NULL,  -- the source columns it reads, comma-separated
  source_table         TEXT    NOT NULL,  -- its source, "table(key)": one per segmentation tables
  model                TEXT    NOT NULL,  -- JSON: encoder (means, sds, categories) and centroids
  diagnostics          TEXT    NOT NULL,  -- JSON: inertia and silhouette per k, PCA picture
  fitted_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  activated_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  activation           INTEGER NOT NULL  -- increases with every activation: the largest is current
);

-- One row per source row and segmentation version. The primary key makes re-assignment a no-op.
CREATE TABLE IF NOT EXISTS "{{segments}}" (
  source_key           INTEGER NOT NULL,  -- the source table's key (source.key, e.g. client_id)
  segmentation_version TEXT    NOT NULL,  -- the segmentation that assigned it
  segment              INTEGER NOT NULL CHECK (segment >= 1),  -- 1..k, 1 the largest at fit time
  distance             REAL    NOT NULL CHECK (distance >= 0),  -- to the segment's centroid
  assigned_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (source_key, segmentation_version)
) WITHOUT ROWID;

-- What each segment is like, per segmentation version; rewritten by every segment run.
CREATE TABLE IF NOT EXISTS "{{segment_profiles}}" (
  segmentation_version TEXT    NOT NULL,
  segment              INTEGER NOT NULL,
  size                 INTEGER NOT NULL,  -- rows assigned to it
  share                REAL    NOT NULL,  -- size / all rows assigned in the version
  positive_rate        REAL,              -- share of its labelled rows with the positive label
  mean_probability     REAL,              -- mean of its rows' latest predicted probabilities
  profile              TEXT    NOT NULL,  -- JSON: per column mean, or top category and share
  description          TEXT    NOT NULL,  -- one line, e.g. "job retired (58% vs 4%), ..."
  updated_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (segmentation_version, segment)
) WITHOUT ROWID;

-- Each key's latest prediction with its segment in the current segmentation:
--   SELECT * FROM segmented_predictions ORDER BY segment, probability DESC;
CREATE VIEW IF NOT EXISTS "{{segmented_predictions}}" AS
SELECT g.segment, pr.description AS segment_description, p.source_key, p.probability, p.label,
       p.threshold, p.model_version, g.distance, g.segmentation_version
FROM "{{latest_predictions}}" AS p
JOIN "{{segments}}" AS g ON g.source_key = p.source_key
LEFT JOIN "{{segment_profiles}}" AS pr
  ON pr.segmentation_version = g.segmentation_version AND pr.segment = g.segment
WHERE g.segmentation_version = (SELECT segmentation_version FROM "{{segmentations}}"
                                ORDER BY activation DESC LIMIT 1);
