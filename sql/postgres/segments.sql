-- bankscore customer segments schema for PostgreSQL (`bankscore segment`).
--
-- bankscore applies this file itself (`bankscore segment`, `bankscore init-db`); it is idempotent.
-- Names in double curly braces are replaced by the configured names (segmentation.table,
-- .profiles_table, .models_table, .view, and results.latest_view, which the view joins); with the
-- default config they are segments, segment_profiles, segmentations, segmented_predictions and
-- latest_predictions. `bankscore schema --config FILE` prints this file with the names filled in,
-- ready for psql. Tables are created in the first schema of search_path (database.schema).

CREATE TABLE IF NOT EXISTS "{{segmentations}}" (
  segmentation_version TEXT             NOT NULL PRIMARY KEY,
  k                    INTEGER          NOT NULL CHECK (k >= 1),
  rows_fitted          BIGINT           NOT NULL,
  silhouette           DOUBLE PRECISION NOT NULL,
  features             TEXT             NOT NULL,
  source_table         TEXT             NOT NULL,
  model                JSONB            NOT NULL,
  diagnostics          JSONB            NOT NULL,
  fitted_at            TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  activated_at         TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  activation           BIGINT           NOT NULL
);
COMMENT ON TABLE "{{segmentations}}" IS
  'One row per fitted bankscore segmentation version; the one with the largest activation is current.';
COMMENT ON COLUMN "{{segmentations}}".segmentation_version IS 'Version, e.g. k4-9bd8bf0e1a2c: k and a hash of the model''s content (encoder and centroids).';
COMMENT ON COLUMN "{{segmentations}}".k IS 'Number of segments.';
COMMENT ON COLUMN "{{segmentations}}".rows_fitted IS 'Rows of the sample the model was fitted on.';
COMMENT ON COLUMN "{{segmentations}}".silhouette IS 'Mean silhouette of the chosen k on the silhouette sample, in [-1, 1]; higher is better separated.';
COMMENT ON COLUMN "{{segmentations}}".features IS 'Source columns the segmentation reads, comma-separated.';
COMMENT ON COLUMN "{{segmentations}}".source_table IS 'The source table and key it was fitted on and assigns, "table(key)"; the segmentation tables serve one source.';
COMMENT ON COLUMN "{{segmentations}}".model IS 'The fitted model: encoder (means, standard deviations, categories) and centroids.';
COMMENT ON COLUMN "{{segmentations}}".diagnostics IS 'How it was fitted: inertia and silhouette per k tried, PCA explained variance, loadings and picture.';
COMMENT ON COLUMN "{{segmentations}}".fitted_at IS 'When this version was first stored.';
COMMENT ON COLUMN "{{segmentations}}".activated_at IS 'When bankscore segment last made it the current segmentation.';
COMMENT ON COLUMN "{{segmentations}}".activation IS 'Increases with every activation; the largest is the current segmentation.';

CREATE TABLE IF NOT EXISTS "{{segments}}" (
  source_key           BIGINT           NOT NULL,
  segmentation_version TEXT             NOT NULL,
  segment              INTEGER          NOT NULL CHECK (segment >= 1),
  distance             DOUBLE PRECISION NOT NULL CHECK (distance >= 0),
  assigned_at          TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (source_key, segmentation_version)
);
COMMENT ON TABLE "{{segments}}" IS
  'bankscore customer segments: one row per source row and segmentation version.';
COMMENT ON COLUMN "{{segments}}".source_key IS 'Key of the row in the source table (source.key).';
COMMENT ON COLUMN "{{segments}}".segmentation_version IS 'Segmentation that assigned the row (segmentations.segmentation_version).';
COMMENT ON COLUMN "{{segments}}".segment IS 'Segment number, 1..k; 1 was the largest segment of the fitting sample.';
COMMENT ON COLUMN "{{segments}}".distance IS 'Euclidean distance to the segment''s centroid in the standardised feature space.';
COMMENT ON COLUMN "{{segments}}".assigned_at IS 'When the row was assigned.';

CREATE TABLE IF NOT EXISTS "{{segment_profiles}}" (
  segmentation_version TEXT             NOT NULL,
  segment              INTEGER          NOT NULL,
  size                 BIGINT           NOT NULL,
  share                DOUBLE PRECISION NOT NULL,
  positive_rate        DOUBLE PRECISION,
  mean_probability     DOUBLE PRECISION,
  profile              JSONB            NOT NULL,
  description          TEXT             NOT NULL,
  updated_at           TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (segmentation_version, segment)
);
COMMENT ON TABLE "{{segment_profiles}}" IS
  'What each segment of a segmentation version is like; rewritten by every bankscore segment run.';
COMMENT ON COLUMN "{{segment_profiles}}".segmentation_version IS 'Segmentation version the profile belongs to.';
COMMENT ON COLUMN "{{segment_profiles}}".segment IS 'Segment number, 1..k.';
COMMENT ON COLUMN "{{segment_profiles}}".size IS 'Source rows assigned to the segment.';
COMMENT ON COLUMN "{{segment_profiles}}".share IS 'size divided by all rows assigned in this version.';
COMMENT ON COLUMN "{{segment_profiles}}".positive_rate IS 'Share of the segment''s labelled rows with the positive label (subscription rate); NULL without labels.';
COMMENT ON COLUMN "{{segment_profiles}}".mean_probability IS 'Mean of the segment''s latest predicted probabilities; NULL without predictions.';
COMMENT ON COLUMN "{{segment_profiles}}".profile IS 'Per column: numeric mean and count, or top category with its share in the segment and overall; the distinctive traits.';
COMMENT ON COLUMN "{{segment_profiles}}".description IS 'One-line plain description of the segment, derived from the profile.';
COMMENT ON COLUMN "{{segment_profiles}}".updated_at IS 'When the profile was last computed.';

CREATE OR REPLACE VIEW "{{segmented_predictions}}" AS
SELECT g.segment, pr.description AS segment_description, p.source_key, p.probability, p.label,
       p.threshold, p.model_version, g.distance, g.segmentation_version
FROM "{{latest_predictions}}" AS p
JOIN "{{segments}}" AS g ON g.source_key = p.source_key
LEFT JOIN "{{segment_profiles}}" AS pr
  ON pr.segmentation_version = g.segmentation_version AND pr.segment = g.segment
WHERE g.segmentation_version = (SELECT segmentation_version FROM "{{segmentations}}"
                                ORDER BY activation DESC LIMIT 1);
COMMENT ON VIEW "{{segmented_predictions}}" IS
  'Each source key''s latest prediction with its segment in the current segmentation: ORDER BY segment, probability DESC.';
COMMENT ON COLUMN "{{segmented_predictions}}".segment IS 'Segment number in the current segmentation.';
COMMENT ON COLUMN "{{segmented_predictions}}".segment_description IS 'One-line description of the segment.';
COMMENT ON COLUMN "{{segmented_predictions}}".source_key IS 'Key of the row in the source table.';
COMMENT ON COLUMN "{{segmented_predictions}}".probability IS 'Latest predicted probability that the client subscribes.';
COMMENT ON COLUMN "{{segmented_predictions}}".label IS '1 when probability >= threshold, else 0.';
COMMENT ON COLUMN "{{segmented_predictions}}".threshold IS 'Decision threshold that produced label.';
COMMENT ON COLUMN "{{segmented_predictions}}".model_version IS 'Model version of the prediction.';
COMMENT ON COLUMN "{{segmented_predictions}}".distance IS 'Distance to the segment''s centroid.';
COMMENT ON COLUMN "{{segmented_predictions}}".segmentation_version IS 'The current segmentation version.';
