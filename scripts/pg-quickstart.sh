#!/usr/bin/env bash
# The PostgreSQL quickstart (README, "PostgreSQL quickstart"), as one script: from a fresh server
# to a database bankscore can score in, with a table owner and a restricted scoring role.
#
#   scripts/pg-quickstart.sh ADMIN_DSN [CSV]
#
# ADMIN_DSN  key=value libpq string of a role that may create roles and databases (a superuser,
#            e.g. "host=db.example port=5432 user=postgres dbname=postgres"); its password as
#            libpq finds it (PGPASSWORD, ~/.pgpass). Must be key=value, not a URI: the script
#            appends dbname= and user= to it.
# CSV        the data to load (default data/bank-additional-full.csv.gz)
#
# Environment (all optional): BANKSCORE (the binary, default bankscore), PGQS_DATABASE (bank),
# PGQS_SCHEMA (bankscore), PGQS_OWNER (bankscore_owner), PGQS_DIR (where the two configs and the
# models go, default ./bankscore-pg), OWNER_PASSWORD_FILE and SCORER_PASSWORD_FILE (files holding
# the passwords to set for the owner and for the scoring role bankscore; omit them for peer, cert
# or trust authentication).
#
# Steps: (1) as the admin, create the owner role, the database it owns and the schema; (2) write
# DIR/owner.yaml (connects as the owner: load, train, init-db) and DIR/scorer.yaml (connects as
# bankscore: score, run, show), both from config/bankscore-postgres.yaml; (3) as the owner, load
# the CSV and create the results tables; (4) as the admin, apply sql/postgres/roles.sql (creating
# roles needs CREATEROLE, which the owner does not have; granting on the owner's tables is allowed
# to a superuser); (5) as the owner, train the first model. Then score as the scoring role:
#   bankscore score --config DIR/scorer.yaml
# Every step is idempotent: the script can run again (a second load appends the rows again, so
# it loads only into an empty table).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  sed -n '2,26p' "$0" >&2
  exit 2
fi
admin_dsn=$1
root=$(cd "$(dirname "$0")/.." && pwd)
csv=${2:-$root/data/bank-additional-full.csv.gz}
bankscore=${BANKSCORE:-bankscore}
database=${PGQS_DATABASE:-bank}
schema=${PGQS_SCHEMA:-bankscore}
owner=${PGQS_OWNER:-bankscore_owner}
dir=${PGQS_DIR:-./bankscore-pg}
# The DSN the configs start from: the admin's without its dbname=, user= and password= (each
# config names its own role; password_file or the environment holds each role's password).
base_dsn=$(printf '%s' "$admin_dsn" |
  sed -E 's/(^|[[:space:]]+)(dbname|user|password)=[^[:space:]]*//g; s/^[[:space:]]+//')

step() { echo "pg-quickstart: $*" >&2; }
# psql as the admin on database $1 (empty: the admin DSN's own), SQL on stdin or in the arguments.
psql_admin() {
  local db=$1
  shift
  psql "$admin_dsn${db:+ dbname=$db}" -X -q -v ON_ERROR_STOP=1 "$@"
}

# (1) Owner, database, schema. Names go through psql's :"var" quoting.
step "owner role $owner, database $database, schema $schema"
psql_admin "" -v owner="$owner" -v database="$database" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') AS create_owner \gset
\if :create_owner
CREATE ROLE :"owner" LOGIN;
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') AS create_db \gset
\if :create_db
CREATE DATABASE :"database" OWNER :"owner";
\endif
SQL
if [[ -n "${OWNER_PASSWORD_FILE:-}" ]]; then
  echo "ALTER ROLE :\"owner\" PASSWORD :'password';" |
    psql_admin "" -v owner="$owner" -v password="$(cat "$OWNER_PASSWORD_FILE")"
fi
psql_admin "$database" -v owner="$owner" -v schema="$schema" <<'SQL'
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"owner";
SQL

# (2) The two configs: the same file but for the DSN's role and the password file.
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sed_text() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }  # safe as a sed replacement
write_config() {  # FILE USER PASSWORD_FILE
  local edits=(-e "s|^  dsn: .*|  dsn: \"$(sed_text "$base_dsn dbname=$database user=$2")\"|"
               -e "s|^  schema: .*|  schema: $(sed_text "$schema")|"
               -e "s|^  path: models\$|  path: $(sed_text "$dir/models")|")
  if [[ -n "$3" ]]; then
    edits+=(-e "s|^  # password_file: .*|  password_file: $(sed_text "$3")|")
  fi
  sed "${edits[@]}" "$root/config/bankscore-postgres.yaml" > "$1"
}
write_config "$dir/owner.yaml" "$owner" "${OWNER_PASSWORD_FILE:-}"
write_config "$dir/scorer.yaml" bankscore "${SCORER_PASSWORD_FILE:-}"
step "configs $dir/owner.yaml (owner) and $dir/scorer.yaml (scoring role bankscore)"

# (3) Data and results tables, as the owner.
rows=$(echo "SELECT to_regclass(format('%I.bank_clients', :'schema')) IS NOT NULL;" |
  psql_admin "$database" -At -v schema="$schema")
if [[ "$rows" == t ]]; then
  step "bank_clients exists: not loading $csv again"
else
  "$bankscore" load --config "$dir/owner.yaml" --csv "$csv"
fi
"$bankscore" init-db --config "$dir/owner.yaml"

# (4) The scoring and read-only roles and their grants, as the admin.
password_args=()
if [[ -n "${SCORER_PASSWORD_FILE:-}" ]]; then
  password_args=(-v scorer_password="$(cat "$SCORER_PASSWORD_FILE")")
fi
psql_admin "$database" -v schema="$schema" ${password_args[@]+"${password_args[@]}"} \
  -f "$root/sql/postgres/roles.sql"
step "roles bankscore (scoring, LOGIN) and bankscore_reader (read-only group) granted on $schema"

# (5) The first model, as the owner.
# Exit 3 (kept as a candidate, not current) only happens when a model exists already.
"$bankscore" train --config "$dir/owner.yaml" || [[ $? -eq 3 ]]
step "done; now score as the scoring role: $bankscore score --config $dir/scorer.yaml"
