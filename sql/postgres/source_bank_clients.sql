-- The source table for the UCI "Bank Marketing (with social/economic context)" data
-- (bank-additional-full.csv, Moro et al. 2014), as a DBA would create it in PostgreSQL.
--
-- You do not have to run this: `bankscore load --csv FILE` creates an equivalent table by itself
-- (BIGINT, DOUBLE PRECISION and TEXT columns, typed from the CSV, without these comments) when
-- source.table does not exist, and appends to it when it does. Create it by hand to choose the
-- types, add constraints or comments, or own it as another role than the one that loads.
-- bankscore reads integer, bigint, numeric, real and double precision columns as numbers and
-- text or varchar columns as text; NULLs are missing values.
--
-- Column names are those of the CSV header. Names with dots must be double-quoted in SQL.
-- Create it in the schema bankscore uses (database.schema in the config), e.g.:
--   psql "dbname=bank" -c 'SET search_path TO public' -f sql/postgres/source_bank_clients.sql

CREATE TABLE IF NOT EXISTS bank_clients (
  client_id        BIGINT PRIMARY KEY,  -- source.key; assigned 1, 2, ... by `bankscore load`
  -- bank client data
  age              INTEGER,
  job              TEXT,
  marital          TEXT,
  education        TEXT,
  "default"        TEXT,
  housing          TEXT,
  loan             TEXT,
  -- last contact of the current campaign
  contact          TEXT,
  month            TEXT,
  day_of_week      TEXT,
  duration         INTEGER,
  -- other attributes
  campaign         INTEGER,
  pdays            INTEGER,
  previous         INTEGER,
  poutcome         TEXT,
  -- social and economic context
  "emp.var.rate"   DOUBLE PRECISION,
  "cons.price.idx" DOUBLE PRECISION,
  "cons.conf.idx"  DOUBLE PRECISION,
  euribor3m        DOUBLE PRECISION,
  "nr.employed"    DOUBLE PRECISION,
  -- outcome
  y                TEXT
);

COMMENT ON TABLE bank_clients IS
  'Bank clients contacted by phone in a term-deposit marketing campaign (UCI Bank Marketing, '
  'Moro et al. 2014); one row per client, scored by bankscore.';
COMMENT ON COLUMN bank_clients.client_id IS
  'Client identifier; bankscore''s source.key, copied into every prediction.';
COMMENT ON COLUMN bank_clients.age IS 'Age in years.';
COMMENT ON COLUMN bank_clients.job IS
  'Type of job: admin., blue-collar, entrepreneur, housemaid, management, retired, '
  'self-employed, services, student, technician, unemployed, unknown.';
COMMENT ON COLUMN bank_clients.marital IS
  'Marital status: divorced (divorced or widowed), married, single, unknown.';
COMMENT ON COLUMN bank_clients.education IS
  'Education: basic.4y, basic.6y, basic.9y, high.school, illiterate, professional.course, '
  'university.degree, unknown.';
COMMENT ON COLUMN bank_clients."default" IS 'Has credit in default? no, yes, unknown.';
COMMENT ON COLUMN bank_clients.housing IS 'Has a housing loan? no, yes, unknown.';
COMMENT ON COLUMN bank_clients.loan IS 'Has a personal loan? no, yes, unknown.';
COMMENT ON COLUMN bank_clients.contact IS
  'Contact communication type of the last contact: cellular, telephone.';
COMMENT ON COLUMN bank_clients.month IS 'Month of the last contact: jan, feb, ..., dec.';
COMMENT ON COLUMN bank_clients.day_of_week IS
  'Weekday of the last contact: mon, tue, wed, thu, fri.';
COMMENT ON COLUMN bank_clients.duration IS
  'Duration of the last contact in seconds. Known only after the call, when y is known too: '
  'use it for benchmarks only, never as a feature of a model in real use.';
COMMENT ON COLUMN bank_clients.campaign IS
  'Number of contacts with this client during this campaign, including the last one.';
COMMENT ON COLUMN bank_clients.pdays IS
  'Days since the client was last contacted in a previous campaign; 999: never contacted.';
COMMENT ON COLUMN bank_clients.previous IS
  'Number of contacts with this client before this campaign.';
COMMENT ON COLUMN bank_clients.poutcome IS
  'Outcome of the previous marketing campaign: failure, nonexistent, success.';
COMMENT ON COLUMN bank_clients."emp.var.rate" IS
  'Employment variation rate, quarterly indicator.';
COMMENT ON COLUMN bank_clients."cons.price.idx" IS 'Consumer price index, monthly indicator.';
COMMENT ON COLUMN bank_clients."cons.conf.idx" IS
  'Consumer confidence index, monthly indicator.';
COMMENT ON COLUMN bank_clients.euribor3m IS 'Euribor 3-month rate, daily indicator.';
COMMENT ON COLUMN bank_clients."nr.employed" IS
  'Number of employees, quarterly indicator.';
COMMENT ON COLUMN bank_clients.y IS
  'Outcome: has the client subscribed a term deposit? yes, no; NULL while unknown (such rows '
  'are scored but not used for training).';
