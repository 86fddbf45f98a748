-- The source table for the UCI "Bank Marketing (with social/economic context)" data
-- (bank-additional-full.csv, Moro et al. 2014), as one would create it in SQLite.
--
-- You do not have to run this: `bankscore load --csv FILE` creates an equivalent table by itself
-- (INTEGER, REAL and TEXT columns, typed from the CSV) when source.table does not exist, and
-- appends to it when it does. SQLite does not enforce column types: a text value in a numeric
-- column is stored as is, and bankscore rejects that row at scoring time (rejected_rows) instead
-- of failing the load. NULLs are missing values.
--
-- Column names are those of the CSV header; names with dots must be double-quoted in SQL.
--   sqlite3 bank.db < sql/sqlite/source_bank_clients.sql
-- sql/postgres/source_bank_clients.sql is the PostgreSQL counterpart, with a comment per column.

CREATE TABLE IF NOT EXISTS bank_clients (
  client_id        INTEGER PRIMARY KEY,  -- source.key; assigned 1, 2, ... by `bankscore load`
  -- bank client data
  age              INTEGER,  -- years
  job              TEXT,     -- admin., blue-collar, entrepreneur, housemaid, management, retired,
                             -- self-employed, services, student, technician, unemployed, unknown
  marital          TEXT,     -- divorced (or widowed), married, single, unknown
  education        TEXT,     -- basic.4y, basic.6y, basic.9y, high.school, illiterate,
                             -- professional.course, university.degree, unknown
  "default"        TEXT,     -- has credit in default? no, yes, unknown
  housing          TEXT,     -- has a housing loan? no, yes, unknown
  loan             TEXT,     -- has a personal loan? no, yes, unknown
  -- last contact of the current campaign
  contact          TEXT,     -- cellular, telephone
  month            TEXT,     -- jan ... dec
  day_of_week      TEXT,     -- mon ... fri
  duration         INTEGER,  -- seconds; known only after the call: benchmarks only, not a feature
  -- other attributes
  campaign         INTEGER,  -- contacts during this campaign, including the last one
  pdays            INTEGER,  -- days since a contact in a previous campaign; 999: never contacted
  previous         INTEGER,  -- contacts before this campaign
  poutcome         TEXT,     -- outcome of the previous campaign: failure, nonexistent, success
  -- social and economic context
  "emp.var.rate"   REAL,     -- employment variation rate, quarterly indicator
  "cons.price.idx" REAL,     -- consumer price index, monthly indicator
  "cons.conf.idx"  REAL,     -- consumer confidence index, monthly indicator
  euribor3m        REAL,     -- euribor 3-month rate, daily indicator
  "nr.employed"    REAL,     -- number of employees, quarterly indicator
  -- outcome
  y                TEXT      -- subscribed a term deposit? yes, no; NULL while unknown
);
