-- bankscore results schema for PostgreSQL.
--
-- bankscore applies this file itself (`bankscore init-db`, and before every train/score run);
-- it is idempotent. Table names written in double curly braces are replaced by the configured names
-- (results.table, results.runs_table, results.rejected_table, results.latest_view,
-- results.reasons_table, results.drift_table, results.leases_table, results.checks_table,
-- results.prunes_table); with the default config they are predictions, scoring_runs,
-- rejected_rows, latest_predictions, prediction_reasons, run_drift, scoring_leases,
-- scoring_checks and pruned_versions.
-- With results.partition_by: model_version, predictions and prediction_reasons are created
-- PARTITION BY LIST (model_version); bankscore adds one partition per model version,
-- <table>_v_<first 12 hex digits of the version's SHA-256>, before the version's first run.
-- `bankscore schema --config FILE` prints this file with the names filled in, ready for psql.
-- Tables are created in the first schema of search_path (database.schema in the config).

CREATE TABLE IF NOT EXISTS "{{scoring_runs}}" (
  run_id        BIGSERIAL PRIMARY KEY,
  kind          TEXT             NOT NULL DEFAULT 'score' CHECK (kind IN ('score', 'relabel')),
  model_version TEXT             NOT NULL,
  threshold     DOUBLE PRECISION NOT NULL CHECK (threshold BETWEEN 0 AND 1),
  status        TEXT             NOT NULL CHECK (status IN ('running', 'succeeded', 'failed',
                                                            'interrupted', 'abandoned')),
  started_at    TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  finished_at   TIMESTAMPTZ,
  rows_read     BIGINT           NOT NULL DEFAULT 0,
  rows_scored   BIGINT           NOT NULL DEFAULT 0,
  rows_rejected BIGINT           NOT NULL DEFAULT 0,
  rows_positive BIGINT           NOT NULL DEFAULT 0,
  message       TEXT,
  pid           INTEGER,
  source_table  TEXT,
  unseen_categories     BIGINT NOT NULL DEFAULT 0,
  out_of_training_range BIGINT NOT NULL DEFAULT 0,
  column_counts TEXT,
  worker_id       TEXT,
  leases_claimed  BIGINT NOT NULL DEFAULT 0,
  lease_takeovers BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS "{{scoring_runs}}_started_idx" ON "{{scoring_runs}}" (started_at);
COMMENT ON TABLE "{{scoring_runs}}" IS
  'One row per bankscore scoring run or relabel; inserted at start, updated at the end.';
COMMENT ON COLUMN "{{scoring_runs}}".run_id IS 'Run identifier, referenced by predictions.run_id.';
COMMENT ON COLUMN "{{scoring_runs}}".kind IS 'score: predictions written; relabel: labels recomputed for a new threshold.';
COMMENT ON COLUMN "{{scoring_runs}}".model_version IS 'Version of the model bundle used.';
COMMENT ON COLUMN "{{scoring_runs}}".threshold IS 'Decision threshold in force (the last one if it changed during the run).';
COMMENT ON COLUMN "{{scoring_runs}}".status IS 'running, succeeded, failed, interrupted (SIGTERM) or abandoned (process died).';
COMMENT ON COLUMN "{{scoring_runs}}".started_at IS 'When the run started.';
COMMENT ON COLUMN "{{scoring_runs}}".finished_at IS 'When the run ended; NULL while running or if the process died.';
COMMENT ON COLUMN "{{scoring_runs}}".rows_read IS 'Source rows read; always rows_scored + rows_rejected (for relabel: predictions relabeled).';
COMMENT ON COLUMN "{{scoring_runs}}".rows_scored IS 'Predictions written by this run.';
COMMENT ON COLUMN "{{scoring_runs}}".rows_rejected IS 'Rows written to the rejected table by this run.';
COMMENT ON COLUMN "{{scoring_runs}}".rows_positive IS 'Predictions with label 1 (for relabel: relabeled rows now label 1).';
COMMENT ON COLUMN "{{scoring_runs}}".message IS 'Failure reason, or for relabel the previous thresholds and how many labels changed.';
COMMENT ON COLUMN "{{scoring_runs}}".source_table IS 'The source scored, as table(key): these results tables serve one source, and bankscore refuses a config that points them at another.';
COMMENT ON COLUMN "{{scoring_runs}}".unseen_categories IS 'Cells this run scored whose category was never seen in training (encoded as none of the known categories).';
COMMENT ON COLUMN "{{scoring_runs}}".out_of_training_range IS 'Numeric values this run scored that lay outside the training range by more than the range''s width.';
COMMENT ON COLUMN "{{scoring_runs}}".column_counts IS 'JSON object: per feature column, {"unseen": n} and/or {"out_of_training_range": n}.';
COMMENT ON COLUMN "{{scoring_runs}}".pid IS 'Operating-system process id of the bankscore process.';
COMMENT ON COLUMN "{{scoring_runs}}".worker_id IS 'The scoring worker (host:pid:n) of bankscore score/run --workers N; NULL for a single scorer. Each worker records its own run.';
COMMENT ON COLUMN "{{scoring_runs}}".leases_claimed IS 'Key ranges of {{scoring_leases}} this worker claimed.';
COMMENT ON COLUMN "{{scoring_runs}}".lease_takeovers IS 'Of those, ranges taken over from a worker whose heartbeat was older than scoring.lease_timeout.';

-- The work of bankscore score/run --workers N: the source keys of each model version cut into
-- ranges of scoring.lease_rows keys that workers (threads, processes, hosts) claim with
-- FOR UPDATE SKIP LOCKED. Exactly-once scoring does not rest on it: a range scored twice (after a
-- takeover) writes nothing twice, thanks to the predictions' primary key.
CREATE TABLE IF NOT EXISTS "{{scoring_leases}}" (
  lease_id      BIGSERIAL   PRIMARY KEY,
  model_version TEXT        NOT NULL,
  key_lo        BIGINT      NOT NULL,
  key_hi        BIGINT      NOT NULL CHECK (key_hi >= key_lo),
  state         TEXT        NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'claimed', 'done')),
  worker_id     TEXT,
  heartbeat_at  TIMESTAMPTZ,
  claimed_at    TIMESTAMPTZ,
  finished_at   TIMESTAMPTZ,
  claims        INTEGER     NOT NULL DEFAULT 0,
  takeovers     INTEGER     NOT NULL DEFAULT 0,
  UNIQUE (model_version, key_lo)
);
CREATE INDEX IF NOT EXISTS "{{scoring_leases}}_claim_idx"
  ON "{{scoring_leases}}" (model_version, state, key_lo);
COMMENT ON TABLE "{{scoring_leases}}" IS
  'Key ranges of the source claimed by bankscore scoring workers (--workers N), one row per range and model version.';
COMMENT ON COLUMN "{{scoring_leases}}".lease_id IS 'Range identifier.';
COMMENT ON COLUMN "{{scoring_leases}}".model_version IS 'Model version the range is scored for.';
COMMENT ON COLUMN "{{scoring_leases}}".key_lo IS 'First source key of the range (inclusive).';
COMMENT ON COLUMN "{{scoring_leases}}".key_hi IS 'Last source key of the range (inclusive).';
COMMENT ON COLUMN "{{scoring_leases}}".state IS 'pending (nobody works on it), claimed (a worker does) or done (nothing of it was left unscored).';
COMMENT ON COLUMN "{{scoring_leases}}".worker_id IS 'The worker holding or last finishing it (host:pid:n).';
COMMENT ON COLUMN "{{scoring_leases}}".heartbeat_at IS 'Renewed by the worker before every batch it writes; older than scoring.lease_timeout, the range is taken over.';
COMMENT ON COLUMN "{{scoring_leases}}".claimed_at IS 'When the range was last claimed.';
COMMENT ON COLUMN "{{scoring_leases}}".finished_at IS 'When it was marked done.';
COMMENT ON COLUMN "{{scoring_leases}}".claims IS 'How many times it was claimed.';
COMMENT ON COLUMN "{{scoring_leases}}".takeovers IS 'How many of those claims took it from a silent worker.';

CREATE TABLE IF NOT EXISTS "{{predictions}}" (
  source_key    BIGINT           NOT NULL,
  model_version TEXT             NOT NULL,
  probability   DOUBLE PRECISION NOT NULL CHECK (probability BETWEEN 0 AND 1),
  raw_score     DOUBLE PRECISION,
  label         SMALLINT         NOT NULL CHECK (label IN (0, 1)),
  threshold     DOUBLE PRECISION NOT NULL CHECK (threshold BETWEEN 0 AND 1),
  run_id        BIGINT           NOT NULL,
  scored_at     TIMESTAMPTZ      NOT NULL DEFAULT clock_timestamp(),
  relabeled_at  TIMESTAMPTZ,
  top_reasons   TEXT,
  PRIMARY KEY (source_key, model_version)
){{predictions_partitioning}};
-- Every batch of predictions pays for what is checked and indexed per row, so there is little:
-- * No foreign key from run_id to {{scoring_runs}}: PostgreSQL checks one per inserted row (a
--   query and a row lock on the run's row, which every batch also updates), and that was more
--   than half the time of writing a million predictions. bankscore inserts the run (and commits
--   it) before it writes any prediction of it, and never deletes runs.
-- * The positives of a version are indexed (positives_idx, partial: about a tenth of the rows);
--   (model_version, label) for every row cost a fifth of the write. Queries over all rows of a
--   version (relabel rewrites them) scan the table.
-- * The latest view's probe goes through the primary key (source_key first) instead of a
--   (source_key, run_id) index of its own.
-- Tables made by an earlier version lose the foreign key and those two indexes here (when the DDL
-- runs as their owner).
DO $$
DECLARE old record;
BEGIN
  FOR old IN SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS sql
             FROM pg_catalog.pg_constraint
             WHERE conrelid = '"{{predictions}}"'::regclass AND contype = 'f'
               AND confrelid = '"{{scoring_runs}}"'::regclass
             UNION ALL
             SELECT format('DROP INDEX %s', i.indexrelid::regclass) FROM pg_catalog.pg_index i
             JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
             WHERE i.indrelid = '"{{predictions}}"'::regclass
               AND x.relname IN ('{{predictions}}_version_label_idx', '{{predictions}}_key_run_idx')
  LOOP
    EXECUTE old.sql;
  END LOOP;
END $$;
CREATE INDEX IF NOT EXISTS "{{predictions}}_run_idx" ON "{{predictions}}" (run_id);
CREATE INDEX IF NOT EXISTS "{{predictions}}_positives_idx"
  ON "{{predictions}}" (model_version) WHERE label = 1;
COMMENT ON TABLE "{{predictions}}" IS
  'bankscore predictions: one row per source row and model version.';
COMMENT ON COLUMN "{{predictions}}".source_key IS 'Key of the scored row in the source table (source.key).';
COMMENT ON COLUMN "{{predictions}}".model_version IS 'Version of the model bundle that produced the probability.';
COMMENT ON COLUMN "{{predictions}}".probability IS 'Calibrated probability that the row is a positive (source.positive_label): of many rows scored 0.3, about 30% are positives. Sums of it estimate counts of positives.';
COMMENT ON COLUMN "{{predictions}}".raw_score IS 'The booster''s output before calibration (inflated by class weighting, for example); kept so nothing is lost. NULL for rows written before it was kept.';
COMMENT ON COLUMN "{{predictions}}".label IS '1 when probability >= threshold, else 0.';
COMMENT ON COLUMN "{{predictions}}".threshold IS 'Decision threshold that produced label.';
COMMENT ON COLUMN "{{predictions}}".run_id IS 'Scoring run that wrote the row (scoring_runs.run_id).';
COMMENT ON COLUMN "{{predictions}}".scored_at IS 'When the prediction was written.';
COMMENT ON COLUMN "{{predictions}}".relabeled_at IS 'When bankscore relabel last changed threshold and label; NULL if never.';
COMMENT ON COLUMN "{{predictions}}".top_reasons IS 'The prediction''s top reasons in one line, largest first, e.g. poutcome=success (+1.21); nr.employed=5099.1 (+0.54): source column=its value (TreeSHAP contribution to the log-odds). The same as its rows in {{prediction_reasons}}. NULL when scoring.explain_top is 0.';

-- Per prediction, the K source columns (scoring.explain_top) that moved its log-odds most.
-- Written in the transaction of the prediction, skipped with it when it exists already.
CREATE TABLE IF NOT EXISTS "{{prediction_reasons}}" (
  source_key    BIGINT           NOT NULL,
  model_version TEXT             NOT NULL,
  rank          SMALLINT         NOT NULL CHECK (rank >= 1),
  feature       TEXT             NOT NULL,
  value         TEXT,
  contribution  DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (source_key, model_version, rank)
){{reasons_partitioning}};
COMMENT ON TABLE "{{prediction_reasons}}" IS
  'Why a prediction is what it is: its top scoring.explain_top source columns by absolute TreeSHAP contribution, one row per rank. Join to {{predictions}} on (source_key, model_version).';
COMMENT ON COLUMN "{{prediction_reasons}}".source_key IS 'Key of the scored row in the source table.';
COMMENT ON COLUMN "{{prediction_reasons}}".model_version IS 'Model version of the prediction explained.';
COMMENT ON COLUMN "{{prediction_reasons}}".rank IS '1 = the largest absolute contribution.';
COMMENT ON COLUMN "{{prediction_reasons}}".feature IS 'Source column (its one-hot and sentinel indicators summed into it), e.g. poutcome.';
COMMENT ON COLUMN "{{prediction_reasons}}".value IS 'The row''s value of that column, as text; NULL when the cell was NULL.';
COMMENT ON COLUMN "{{prediction_reasons}}".contribution IS 'Signed contribution to the log-odds (raw margin): the contributions of all columns plus the model''s bias sum to it.';

CREATE TABLE IF NOT EXISTS "{{run_drift}}" (
  run_id        BIGINT           NOT NULL REFERENCES "{{scoring_runs}}" (run_id),
  model_version TEXT             NOT NULL,
  column_name   TEXT             NOT NULL,
  psi           DOUBLE PRECISION NOT NULL CHECK (psi >= 0),
  status        TEXT             CHECK (status IN ('ok', 'warn', 'alert')),
  rows          BIGINT           NOT NULL,
  PRIMARY KEY (run_id, column_name)
);
COMMENT ON TABLE "{{run_drift}}" IS
  'Per scoring run, the Population Stability Index of every feature column and of the predicted probability against the model''s training profile, one row per column, written in the transaction that records the run''s end. No rows for a model without a profile. bankscore drift prints them, worst first.';
COMMENT ON COLUMN "{{run_drift}}".run_id IS 'The scoring run ({{scoring_runs}}.run_id).';
COMMENT ON COLUMN "{{run_drift}}".model_version IS 'Model version whose training profile is the reference.';
COMMENT ON COLUMN "{{run_drift}}".column_name IS 'A source feature column, or (probability) for the calibrated predicted probability.';
COMMENT ON COLUMN "{{run_drift}}".psi IS 'Population Stability Index: sum over bins of (a - e) * ln(a / e), a and e the run''s and the training profile''s shares of the bin, each floored at 1e-4. Bins: deciles of training values plus NULL and sentinel bins (numeric), categories plus NULL and unseen (categorical).';
COMMENT ON COLUMN "{{run_drift}}".status IS 'ok below monitoring.psi_warn, warn from it, alert from monitoring.psi_alert; NULL when the run scored fewer than monitoring.min_rows rows.';
COMMENT ON COLUMN "{{run_drift}}".rows IS 'Rows the run scored: the sample the PSI is computed on.';

CREATE TABLE IF NOT EXISTS "{{rejected_rows}}" (
  source_key    BIGINT      NOT NULL,
  model_version TEXT        NOT NULL,
  run_id        BIGINT      NOT NULL REFERENCES "{{scoring_runs}}" (run_id),
  reason        TEXT        NOT NULL,
  rejected_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (source_key, model_version)
);
CREATE INDEX IF NOT EXISTS "{{rejected_rows}}_run_idx" ON "{{rejected_rows}}" (run_id);
COMMENT ON TABLE "{{rejected_rows}}" IS
  'Source rows bankscore could not score, once per model version, with the reason.';
COMMENT ON COLUMN "{{rejected_rows}}".source_key IS 'Key of the rejected row in the source table.';
COMMENT ON COLUMN "{{rejected_rows}}".model_version IS 'Model version that could not score it.';
COMMENT ON COLUMN "{{rejected_rows}}".run_id IS 'Run that rejected it.';
COMMENT ON COLUMN "{{rejected_rows}}".reason IS 'Why the row could not be scored (column and value).';
COMMENT ON COLUMN "{{rejected_rows}}".rejected_at IS 'When it was rejected.';

-- One row per model version: when a scorer last looked for unscored rows, whether it found any
-- or not. An idle cycle writes no scoring_runs row; it updates this one, so a stale checked_at
-- means the daemon stopped looking.
CREATE TABLE IF NOT EXISTS "{{scoring_checks}}" (
  model_version TEXT        PRIMARY KEY,
  checked_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  rows_found    BIGINT      NOT NULL DEFAULT 0 CHECK (rows_found >= 0),
  last_run_id   BIGINT
);
COMMENT ON TABLE "{{scoring_checks}}" IS
  'When bankscore last looked for rows to score, one row per model version, updated at every check (also when nothing was waiting). Alert on a stale checked_at: the scorer stopped.';
COMMENT ON COLUMN "{{scoring_checks}}".model_version IS 'Model version the check was for.';
COMMENT ON COLUMN "{{scoring_checks}}".checked_at IS 'When the last check happened.';
COMMENT ON COLUMN "{{scoring_checks}}".rows_found IS 'Unscored source rows it found (0: nothing to score, no run recorded).';
COMMENT ON COLUMN "{{scoring_checks}}".last_run_id IS 'The last run ({{scoring_runs}}.run_id) a check started for this version; NULL if none yet.';

-- One row per model version that bankscore prune removed (bankscore prune --keep-versions N).
CREATE TABLE IF NOT EXISTS "{{pruned_versions}}" (
  prune_id            BIGSERIAL   PRIMARY KEY,
  model_version       TEXT        NOT NULL,
  pruned_at           TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  method              TEXT        NOT NULL CHECK (method IN ('delete', 'drop partition')),
  predictions_removed BIGINT      NOT NULL DEFAULT 0,
  reasons_removed     BIGINT      NOT NULL DEFAULT 0,
  rejections_removed  BIGINT      NOT NULL DEFAULT 0,
  kept_versions       TEXT        NOT NULL
);
COMMENT ON TABLE "{{pruned_versions}}" IS
  'Retention: one row per model version whose results bankscore prune removed, with what it removed. Runs in {{scoring_runs}} are kept.';
COMMENT ON COLUMN "{{pruned_versions}}".prune_id IS 'Row identifier.';
COMMENT ON COLUMN "{{pruned_versions}}".model_version IS 'The model version removed.';
COMMENT ON COLUMN "{{pruned_versions}}".pruned_at IS 'When its last rows were removed.';
COMMENT ON COLUMN "{{pruned_versions}}".method IS 'delete: batches of DELETE by source key range; drop partition: its partitions were dropped (results.partition_by).';
COMMENT ON COLUMN "{{pruned_versions}}".predictions_removed IS 'Rows removed from {{predictions}}.';
COMMENT ON COLUMN "{{pruned_versions}}".reasons_removed IS 'Rows removed from {{prediction_reasons}}.';
COMMENT ON COLUMN "{{pruned_versions}}".rejections_removed IS 'Rows removed from {{rejected_rows}}.';
COMMENT ON COLUMN "{{pruned_versions}}".kept_versions IS 'The versions kept, comma-separated: the --keep-versions newest by first scoring run, and the current one.';

-- "Top N to call" (ORDER BY probability DESC LIMIT N on the view) is answered from an index:
-- the planner walks probability_idx from the top and keeps a row unless the key has a prediction
-- of a newer run (one probe of the primary key: the key's few predictions), so it reads about N rows per current model version
-- instead of sorting the whole table, however many versions it holds. The view is written as that
-- anti-join rather than DISTINCT ON (source_key), which must sort every row first. A key has at
-- most one prediction per run (one run, one model version), so "no newer run" is one row per key.
CREATE INDEX IF NOT EXISTS "{{predictions}}_probability_idx"
  ON "{{predictions}}" (probability DESC);

CREATE OR REPLACE VIEW "{{latest_predictions}}" AS
SELECT p.source_key, p.model_version, p.probability, p.label, p.threshold, p.run_id,
       p.scored_at, p.relabeled_at
FROM "{{predictions}}" AS p
WHERE NOT EXISTS (SELECT 1 FROM "{{predictions}}" AS newer
                  WHERE newer.source_key = p.source_key AND newer.run_id > p.run_id);
COMMENT ON VIEW "{{latest_predictions}}" IS
  'Each source key''s most recent prediction (newest run), whatever the model version.';
COMMENT ON COLUMN "{{latest_predictions}}".source_key IS 'Key of the scored row in the source table (source.key); one row per key.';
COMMENT ON COLUMN "{{latest_predictions}}".model_version IS 'Model version of this key''s newest prediction.';
COMMENT ON COLUMN "{{latest_predictions}}".probability IS 'Calibrated probability that the row is a positive (see {{predictions}}.probability).';
COMMENT ON COLUMN "{{latest_predictions}}".label IS '1 when probability >= threshold, else 0.';
COMMENT ON COLUMN "{{latest_predictions}}".threshold IS 'Decision threshold that produced label.';
COMMENT ON COLUMN "{{latest_predictions}}".run_id IS 'Scoring run that wrote the prediction (scoring_runs.run_id).';
COMMENT ON COLUMN "{{latest_predictions}}".scored_at IS 'When the prediction was written.';
COMMENT ON COLUMN "{{latest_predictions}}".relabeled_at IS 'When bankscore relabel last changed threshold and label; NULL if never.';
