-- bankscore roles for PostgreSQL: a scoring role that can read the source table and write the
-- results tables, and nothing else; and a read-only group for analysts and dashboards.
--
-- Run it with psql as the owner of the tables (or a superuser), AFTER the results tables exist:
--
--   bankscore init-db --config owner.yaml          # or: bankscore schema --config ... | psql
--   psql "dbname=bank" -v ON_ERROR_STOP=1 -v scorer_password='...' -v schema=public \
--        -f sql/postgres/roles.sql
--
-- psql variables (all optional):
--   scorer_password   password of the LOGIN role bankscore; omit it for peer, cert or trust auth
--                     (also never put it on a shared command line: `\set scorer_password` from a
--                     file, or set it afterwards with `\password bankscore`)
--   schema            schema holding the tables (default public; database.schema in the config)
--   source_table      the source table (default bank_clients; source.table)
--   predictions, scoring_runs, rejected_rows, latest_predictions, prediction_reasons, run_drift,
--   scoring_leases, scoring_checks, pruned_versions
--                     the results names if the config's `results:` section renames them
--   segments, segment_profiles, segmentations, segmented_predictions
--                     the segmentation names if the config's `segmentation:` section renames them
--
-- Roles it creates: bankscore_scorer (NOLOGIN group, the scoring privileges), bankscore (LOGIN,
-- member of bankscore_scorer) and bankscore_reader (NOLOGIN group: SELECT on the results tables
-- and the latest_predictions view, nothing else; GRANT bankscore_reader TO an analyst's role).
-- Creating roles needs CREATEROLE (or a superuser); the GRANTs need the table owner. Where the
-- table owner may not create roles, a DBA runs this file once, or creates the three roles
-- beforehand (the CREATE ROLE steps are skipped for roles that exist).
--
-- It is idempotent: run it again after re-creating the tables. Roles are cluster-wide; the grants
-- are per database and schema. The config for the scoring role then names it in the DSN
-- (user=bankscore), with password_file or ~/.pgpass for the password. Loading data (`bankscore
-- load`) and creating or changing tables stays with the owner.

\set ON_ERROR_STOP on
\if :{?schema} \else \set schema public \endif
\if :{?source_table} \else \set source_table bank_clients \endif
\if :{?predictions} \else \set predictions predictions \endif
\if :{?scoring_runs} \else \set scoring_runs scoring_runs \endif
\if :{?rejected_rows} \else \set rejected_rows rejected_rows \endif
\if :{?latest_predictions} \else \set latest_predictions latest_predictions \endif
\if :{?prediction_reasons} \else \set prediction_reasons prediction_reasons \endif
\if :{?run_drift} \else \set run_drift run_drift \endif
\if :{?scoring_leases} \else \set scoring_leases scoring_leases \endif
\if :{?scoring_checks} \else \set scoring_checks scoring_checks \endif
\if :{?pruned_versions} \else \set pruned_versions pruned_versions \endif
\if :{?segments} \else \set segments segments \endif
\if :{?segment_profiles} \else \set segment_profiles segment_profiles \endif
\if :{?segmentations} \else \set segmentations segmentations \endif
\if :{?segmented_predictions} \else \set segmented_predictions segmented_predictions \endif

BEGIN;

-- The group role holding the privileges. NOLOGIN: nobody connects as it directly.
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bankscore_scorer') AS create_group
\gset
\if :create_group
CREATE ROLE bankscore_scorer NOLOGIN;
\endif
COMMENT ON ROLE bankscore_scorer IS
  'bankscore scoring: reads the source table, writes predictions, scoring_runs, rejected_rows.';

-- The role bankscore logs in as; it inherits the group's privileges and has none of its own.
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bankscore') AS create_login
\gset
\if :create_login
CREATE ROLE bankscore LOGIN INHERIT;
\endif
\if :{?scorer_password}
ALTER ROLE bankscore PASSWORD :'scorer_password';
\endif
SELECT NOT pg_has_role('bankscore', 'bankscore_scorer', 'MEMBER') AS grant_membership
\gset
\if :grant_membership
GRANT bankscore_scorer TO bankscore;
\endif

-- Look up table names in the schema (no CREATE: the scorer never creates tables there).
GRANT USAGE ON SCHEMA :"schema" TO bankscore_scorer;

-- Read the rows to score (and to train on, if the scorer also trains). No INSERT: `bankscore
-- load` runs as the owner.
GRANT SELECT ON TABLE :"schema".:"source_table" TO bankscore_scorer;

-- predictions: SELECT for the "not yet scored" anti-join, INSERT for new predictions, UPDATE for
-- `bankscore relabel`. No DELETE: predictions are never removed by bankscore.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".:"predictions" TO bankscore_scorer;
-- scoring_runs: INSERT ... RETURNING run_id (needs SELECT) at the start of a run, UPDATE of its
-- counts after every batch and at the end, and of crashed runs to 'abandoned'.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".:"scoring_runs" TO bankscore_scorer;
-- rejected_rows: SELECT for the anti-join (a rejected row is not read again), INSERT of new ones;
-- UPDATE is not used today and is granted like on the other two results tables.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".:"rejected_rows" TO bankscore_scorer;
-- prediction_reasons: INSERT of each new prediction's reasons (ON CONFLICT needs no SELECT);
-- SELECT for people and the HTTP service.
GRANT SELECT, INSERT ON TABLE :"schema".:"prediction_reasons" TO bankscore_scorer;
-- run_drift: INSERT of a run's drift rows when it ends; SELECT for `bankscore drift`.
GRANT SELECT, INSERT ON TABLE :"schema".:"run_drift" TO bankscore_scorer;

-- scoring_leases (score --workers N): SELECT for the claim's FOR UPDATE SKIP LOCKED and the
-- planner's last range, INSERT of new ranges, UPDATE of claims, heartbeats and finished ranges.
-- No DELETE: ranges stay as the record of who scored what.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".:"scoring_leases" TO bankscore_scorer;

-- scoring_checks: the last-check row of each model version, upserted at every check
-- (INSERT ... ON CONFLICT DO UPDATE needs SELECT, INSERT and UPDATE). pruned_versions is written
-- by `bankscore prune`, which deletes and so runs as the owner: SELECT only.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".:"scoring_checks" TO bankscore_scorer;
GRANT SELECT ON TABLE :"schema".:"pruned_versions" TO bankscore_scorer;

-- The run_id default draws from the BIGSERIAL's sequence, and lease_id from the leases' one.
SELECT pg_get_serial_sequence(format('%I.%I', :'schema', :'scoring_runs'), 'run_id')
  AS runs_sequence
\gset
GRANT USAGE ON SEQUENCE :runs_sequence TO bankscore_scorer;
SELECT pg_get_serial_sequence(format('%I.%I', :'schema', :'scoring_leases'), 'lease_id')
  AS leases_sequence
\gset
GRANT USAGE ON SEQUENCE :leases_sequence TO bankscore_scorer;

-- `bankscore show` reads each key's newest prediction from the view.
GRANT SELECT ON TABLE :"schema".:"latest_predictions" TO bankscore_scorer;

-- Every batch is copied into TEMP staging tables (dropped with the session) and merged from
-- there with INSERT ... ON CONFLICT DO NOTHING. PUBLIC has TEMPORARY by default; this grant keeps
-- bankscore working where the DBA has revoked that.
GRANT TEMPORARY ON DATABASE :"DBNAME" TO bankscore_scorer;

-- Segments (only if `bankscore segment` or init-db created their tables): the daemon with
-- segmentation.assign_on_run reads the current segmentation, inserts the segments of new rows and
-- rewrites the profiles (DELETE, then INSERT). Fitting a new segmentation (`bankscore segment`)
-- also inserts into and updates the segmentations table: run it as the owner, or grant those too.
SELECT to_regclass(format('%I.%I', :'schema', :'segmentations')) IS NOT NULL AS has_segments
\gset
\if :has_segments
GRANT SELECT ON TABLE :"schema".:"segmentations" TO bankscore_scorer;
GRANT SELECT, INSERT ON TABLE :"schema".:"segments" TO bankscore_scorer;
GRANT SELECT, INSERT, DELETE ON TABLE :"schema".:"segment_profiles" TO bankscore_scorer;
GRANT SELECT ON TABLE :"schema".:"segmented_predictions" TO bankscore_scorer;
\endif

-- The read-only group: what an analyst or a dashboard may read, and nothing else (no source
-- table, no writes, no TEMPORARY beyond PUBLIC's). Members log in with their own roles.
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bankscore_reader') AS create_reader
\gset
\if :create_reader
CREATE ROLE bankscore_reader NOLOGIN;
\endif
COMMENT ON ROLE bankscore_reader IS
  'bankscore results, read-only: SELECT on predictions, scoring_runs, rejected_rows, prediction_reasons, run_drift, scoring_checks, pruned_versions and latest_predictions.';
GRANT USAGE ON SCHEMA :"schema" TO bankscore_reader;
GRANT SELECT ON TABLE :"schema".:"predictions", :"schema".:"scoring_runs",
  :"schema".:"rejected_rows", :"schema".:"prediction_reasons", :"schema".:"run_drift",
  :"schema".:"scoring_checks", :"schema".:"pruned_versions",
  :"schema".:"latest_predictions" TO bankscore_reader;

COMMIT;
