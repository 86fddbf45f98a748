#include "db/postgres/leases.h"

#include "db/postgres/values.h"
#include "db/sql_text.h"

namespace bankscore::internal::pg {

std::int64_t LeaseStatements::PlanLeases(const std::string& model_version,
                                         std::int64_t rows_per_lease) {
  const std::string& leases = config_.results.leases_table;
  return db_.Run("plan the key ranges of model " + model_version,
                 {{leases, "INSERT"}, {leases, "UPDATE"}, {config_.source.table, "SELECT"}},
                 [&](pqxx::connection& c) {
                   pqxx::work tx(c);
                   // One planner at a time per leases table: two would add overlapping ranges.
                   tx.exec_params(
                       "SELECT pg_advisory_xact_lock(hashtextextended('bankscore leases ' ||"
                       " coalesce(current_schema(), '') || '.' || $1::text, 0))",
                       leases);
                   const std::int64_t changed = ReopenDoneLeases(tx, model_version) +
                                                AddLeases(tx, model_version, rows_per_lease);
                   tx.commit();
                   return changed;
                 });
}

// Done ranges holding unscored rows again (rows loaded since, rejections forgotten by
// --retry-rejected): one anti-join per range, each an index lookup per key.
std::int64_t LeaseStatements::ReopenDoneLeases(pqxx::work& tx, const std::string& model_version) {
  const std::string unscored =
      UnscoredRowsSql(config_, {"$1::text", "l.key_lo - 1", SourceKey(config_) + " IS NOT NULL",
                                UnscoredShape::kFirst, "l.key_hi"});
  const pqxx::result r =
      tx.exec_params("UPDATE " + QuoteIdentifier(config_.results.leases_table) +
                         " AS l SET state = 'pending', worker_id = NULL, finished_at = NULL"
                         " WHERE l.model_version = $1::text AND l.state = 'done' AND EXISTS (" +
                         unscored + ")",
                     model_version);
  return static_cast<std::int64_t>(r.affected_rows());
}

// Ranges for the source keys above the last planned one. Each boundary is one keyset query on the
// source key's index (OFFSET rows_per_lease - 1 from the range's first key): no sort in memory,
// and a plan over N keys reads N index entries once.
std::int64_t LeaseStatements::AddLeases(pqxx::work& tx, const std::string& model_version,
                                        std::int64_t rows_per_lease) {
  const std::string leases = QuoteIdentifier(config_.results.leases_table);
  const std::string key = QuoteIdentifier(config_.source.key);
  const std::string from = " FROM " + QuoteIdentifier(config_.source.table) + " WHERE " + key;
  pqxx::row last = tx.exec_params1(
      "SELECT max(key_hi) FROM " + leases + " WHERE model_version = $1::text", model_version);
  std::optional<std::int64_t> after;
  if (!last[0].is_null()) after = ToInt64(last[0], "the last planned key");
  std::int64_t added = 0;
  while (true) {
    const pqxx::result lo =
        after ? tx.exec_params(
                    "SELECT " + key + from + " > $1::bigint ORDER BY " + key + " LIMIT 1", *after)
              : tx.exec("SELECT " + key + from + " IS NOT NULL ORDER BY " + key + " LIMIT 1");
    if (lo.empty()) break;
    const std::int64_t first = ToInt64(lo[0][0], "a range's first key");
    const pqxx::result hi = tx.exec_params(
        "SELECT " + key + from + " >= $1::bigint ORDER BY " + key + " OFFSET $2::bigint LIMIT 1",
        first, rows_per_lease - 1);
    const pqxx::row end =
        hi.empty() ? tx.exec1("SELECT max(" + key + ")" + from + " IS NOT NULL") : hi[0];
    const std::int64_t last_key = ToInt64(end[0], "a range's last key");
    tx.exec_params("INSERT INTO " + leases +
                       " (model_version, key_lo, key_hi) VALUES ($1::text, $2::bigint, $3::bigint)",
                   model_version, first, last_key);
    ++added;
    after = last_key;
  }
  return added;
}

std::optional<KeyLease> LeaseStatements::ClaimLease(const std::string& model_version,
                                                    const std::string& worker,
                                                    std::chrono::milliseconds timeout) {
  const std::string leases = QuoteIdentifier(config_.results.leases_table);
  // Open ranges first, then ranges whose worker went silent; SKIP LOCKED lets workers claiming at
  // the same moment each take a different row instead of queueing on one. Server time only, so
  // the workers' clocks never matter.
  const std::string sql =
      "WITH c AS (SELECT lease_id, state AS old_state, worker_id AS old_worker FROM " + leases +
      " WHERE model_version = $1::text AND (state = 'pending' OR (state = 'claimed' AND"
      " heartbeat_at < clock_timestamp() - $3::bigint * interval '1 millisecond'))"
      " ORDER BY state = 'claimed', key_lo LIMIT 1 FOR UPDATE SKIP LOCKED)"
      " UPDATE " +
      leases +
      " AS l SET state = 'claimed', worker_id = $2::text, heartbeat_at = clock_timestamp(),"
      " claimed_at = clock_timestamp(), finished_at = NULL, claims = l.claims + 1,"
      " takeovers = l.takeovers + CASE WHEN c.old_state = 'claimed' THEN 1 ELSE 0 END"
      " FROM c WHERE l.lease_id = c.lease_id"
      " RETURNING l.lease_id, l.key_lo, l.key_hi, c.old_state = 'claimed', c.old_worker";
  const std::string what = "claim a key range of model " + model_version;
  const pqxx::result r =
      db_.Run(what, {{config_.results.leases_table, "UPDATE"}}, [&](pqxx::connection& c) {
        pqxx::work tx(c);
        pqxx::result out =
            tx.exec_params(sql, model_version, worker, static_cast<std::int64_t>(timeout.count()));
        tx.commit();
        return out;
      });
  if (r.empty()) return std::nullopt;
  KeyLease lease;
  lease.lease_id = ToInt64(r[0][0], what);
  lease.lo = ToInt64(r[0][1], what);
  lease.hi = ToInt64(r[0][2], what);
  lease.taken_over = r[0][3].as<bool>();
  if (!r[0][4].is_null()) lease.previous_worker = r[0][4].as<std::string>();
  return lease;
}

std::int64_t LeaseStatements::UpdateHeld(const std::string& what, const std::string& set,
                                         std::int64_t lease_id, const std::string& worker) {
  const std::string sql = "UPDATE " + QuoteIdentifier(config_.results.leases_table) + " SET " +
                          set +
                          " WHERE lease_id = $1::bigint AND worker_id = $2::text"
                          " AND state = 'claimed'";
  return db_.Run(what, {{config_.results.leases_table, "UPDATE"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result r = tx.exec_params(sql, lease_id, worker);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

bool LeaseStatements::Heartbeat(std::int64_t lease_id, const std::string& worker) {
  return UpdateHeld("renew the heartbeat of key range " + std::to_string(lease_id),
                    "heartbeat_at = clock_timestamp()", lease_id, worker) == 1;
}

void LeaseStatements::FinishLease(std::int64_t lease_id, const std::string& worker) {
  UpdateHeld("finish key range " + std::to_string(lease_id),
             "state = 'done', finished_at = clock_timestamp()", lease_id, worker);
}

void LeaseStatements::ReleaseLease(std::int64_t lease_id, const std::string& worker) {
  UpdateHeld("give back key range " + std::to_string(lease_id),
             "state = 'pending', worker_id = NULL, heartbeat_at = NULL", lease_id, worker);
}

}  // namespace bankscore::internal::pg
