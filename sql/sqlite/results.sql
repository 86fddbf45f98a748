-- bankscore results schema for SQLite.
--
-- bankscore applies this file itself (`bankscore init-db`, and before every train/score run);
-- it is idempotent. Table names written in double curly braces are replaced by the configured names
-- (results.table, results.runs_table, results.rejected_table, results.latest_view,
-- results.reasons_table, results.drift_table, results.checks_table, results.prunes_table); with
-- the default config they are predictions, scoring_runs, rejected_rows, latest_predictions,
-- prediction_reasons, run_drift, scoring_checks and pruned_versions.
-- `bankscore schema --config FILE` prints this file with the names filled in.
--
-- Times are ISO 8601 UTC text ("2026-11-22T10:15:00.123Z"), which sorts chronologically.

-- One row per scoring run (and per relabel), written when the run starts and updated when it ends,
-- so a crashed run still leaves a trace (status 'running', later marked 'abandoned').
CREATE TABLE IF NOT EXISTS "{{scoring_runs}}" (
  run_id        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT    NOT NULL DEFAULT 'score' CHECK (kind IN ('score', 'relabel')),
  model_version TEXT    NOT NULL,
  threshold     REAL    NOT NULL CHECK (threshold BETWEEN 0 AND 1),
  status        TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed',
                                                   'interrupted', 'abandoned')),
  started_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at   TEXT,
  rows_read     INTEGER NOT NULL DEFAULT 0,  -- = rows_scored + rows_rejected
  rows_scored   INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  rows_positive INTEGER NOT NULL DEFAULT 0,  -- predictions with label 1 (relabel: relabeled rows now 1)
  message       TEXT,                        -- failure reason or note
  pid           INTEGER,                     -- process that ran it
  source_table  TEXT,                        -- "table(key)" scored; results tables serve one
  unseen_categories     INTEGER NOT NULL DEFAULT 0,  -- cells with a category not seen in training
  out_of_training_range INTEGER NOT NULL DEFAULT 0,  -- numbers beyond the training range by more
                                                     -- than its width
  column_counts TEXT                         -- JSON: those two counts per column
);
CREATE INDEX IF NOT EXISTS "{{scoring_runs}}_started_idx" ON "{{scoring_runs}}" (started_at);

-- One prediction per source row and model version. The primary key makes re-scoring a no-op.
CREATE TABLE IF NOT EXISTS "{{predictions}}" (
  source_key    INTEGER NOT NULL,  -- the source table's key (source.key, e.g. client_id)
  model_version TEXT    NOT NULL,  -- model bundle version that produced the probability
  probability   REAL    NOT NULL CHECK (probability BETWEEN 0 AND 1),  -- calibrated
  raw_score     REAL,              -- the booster's output before calibration (NULL: not kept)
  label         INTEGER NOT NULL CHECK (label IN (0, 1)),  -- 1 when probability >= threshold
  threshold     REAL    NOT NULL CHECK (threshold BETWEEN 0 AND 1),
  run_id        INTEGER NOT NULL REFERENCES "{{scoring_runs}}" (run_id),
  scored_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  relabeled_at  TEXT,              -- set when `bankscore relabel` changed threshold/label
  -- Its top reasons in one line, largest first: "poutcome=success (+1.21); nr.employed=5099.1
  -- (+0.54)", source column=its value (TreeSHAP contribution to the log-odds); the same as its
  -- rows in {{prediction_reasons}}. NULL when scoring.explain_top is 0.
  top_reasons   TEXT,
  PRIMARY KEY (source_key, model_version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "{{predictions}}_run_idx" ON "{{predictions}}" (run_id);
-- The positives of a version (the clients to call), as on PostgreSQL: a partial index holds about
-- a tenth of the rows. An index of (model_version, label) for every row was a fifth of the time
-- of writing a million predictions; queries over all rows of one version (relabel) scan the
-- table. Files made by an earlier version lose that index here.
DROP INDEX IF EXISTS "{{predictions}}_version_label_idx";
CREATE INDEX IF NOT EXISTS "{{predictions}}_positives_idx"
  ON "{{predictions}}" (model_version) WHERE label = 1;

-- Per prediction, the K source columns (scoring.explain_top) that moved its log-odds most: one
-- row per rank, written in the transaction of the prediction and skipped with it when it exists
-- already. Join to {{predictions}} on (source_key, model_version).
CREATE TABLE IF NOT EXISTS "{{prediction_reasons}}" (
  source_key    INTEGER NOT NULL,
  model_version TEXT    NOT NULL,
  rank          INTEGER NOT NULL CHECK (rank >= 1),  -- 1 = the largest |contribution|
  feature       TEXT    NOT NULL,  -- source column, its one-hot and sentinel indicators summed in
  value         TEXT,              -- the row's value of it as text; NULL for a NULL cell
  contribution  REAL    NOT NULL,  -- signed, log-odds; all columns' plus the bias = the margin
  PRIMARY KEY (source_key, model_version, rank)
) WITHOUT ROWID;

-- Per scoring run, the Population Stability Index of every feature column and of the predicted
-- probability (column '(probability)') against the model's training profile: one row per column,
-- written in the transaction that records the run's end. No rows for a run whose model has no
-- profile (trained before drift was measured). `bankscore drift` prints them, worst first.
CREATE TABLE IF NOT EXISTS "{{run_drift}}" (
  run_id        INTEGER NOT NULL REFERENCES "{{scoring_runs}}" (run_id),
  model_version TEXT    NOT NULL,
  column_name   TEXT    NOT NULL,  -- a source feature column, or '(probability)'
  psi           REAL    NOT NULL CHECK (psi >= 0),  -- sum (a - e) ln(a / e), shares floored at 1e-4
  -- ok (psi < monitoring.psi_warn), warn, alert (psi >= monitoring.psi_alert); NULL when the run
  -- scored fewer than monitoring.min_rows rows
  status        TEXT    CHECK (status IN ('ok', 'warn', 'alert')),
  rows          INTEGER NOT NULL,  -- rows the run scored (the PSI's sample)
  PRIMARY KEY (run_id, column_name)
) WITHOUT ROWID;

-- Rows that could not be scored (text in a numeric column, ...), once per model version.
CREATE TABLE IF NOT EXISTS "{{rejected_rows}}" (
  source_key    INTEGER NOT NULL,
  model_version TEXT    NOT NULL,
  run_id        INTEGER NOT NULL REFERENCES "{{scoring_runs}}" (run_id),
  reason        TEXT    NOT NULL,
  rejected_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (source_key, model_version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "{{rejected_rows}}_run_idx" ON "{{rejected_rows}}" (run_id);

-- Each key's most recent prediction (the newest run that scored it), whatever the model version.
CREATE VIEW IF NOT EXISTS "{{latest_predictions}}" AS
SELECT source_key, model_version, probability, label, threshold, run_id, scored_at, relabeled_at
FROM (
  SELECT p.*, ROW_NUMBER() OVER (PARTITION BY source_key ORDER BY run_id DESC) AS recency
  FROM "{{predictions}}" AS p
)
WHERE recency = 1;

-- One row per model version: when a scorer last looked for unscored rows, whether it found any
-- or not. An idle cycle writes no scoring_runs row; it updates this one, so a stale checked_at
-- means the daemon stopped looking.
CREATE TABLE IF NOT EXISTS "{{scoring_checks}}" (
  model_version TEXT    PRIMARY KEY,
  checked_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  rows_found    INTEGER NOT NULL DEFAULT 0 CHECK (rows_found >= 0),  -- 0: nothing to score
  last_run_id   INTEGER  -- the last run a check started for this version; NULL if none yet
);

-- One row per model version that `bankscore prune` removed, with what it removed (its runs stay
-- in {{scoring_runs}}). method: 'delete' (batches by source key range).
CREATE TABLE IF NOT EXISTS "{{pruned_versions}}" (
  prune_id            INTEGER PRIMARY KEY AUTOINCREMENT,
  model_version       TEXT    NOT NULL,
  pruned_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  method              TEXT    NOT NULL CHECK (method IN ('delete', 'drop partition')),
  predictions_removed INTEGER NOT NULL DEFAULT 0,
  reasons_removed     INTEGER NOT NULL DEFAULT 0,
  rejections_removed  INTEGER NOT NULL DEFAULT 0,
  kept_versions       TEXT    NOT NULL  -- comma-separated: the newest kept and the current one
);
