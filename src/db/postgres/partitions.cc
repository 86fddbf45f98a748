#include "db/postgres/partitions.h"

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "common/sha256.h"

namespace bankscore::internal::pg {
namespace {

// 'p' (partitioned), 'r' (a plain table), or "" when `table` does not exist.
std::string RelationKind(pqxx::transaction_base& tx, const std::string& table) {
  const pqxx::result r = tx.exec_params(
      "SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = to_regclass(quote_ident($1))",
      table);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

std::string MismatchMessage(const Config& config, const std::string& table, bool partitioned) {
  const std::string head = config.file + ": table " + table + " exists ";
  if (partitioned) {
    return head +
           "partitioned by model_version, but results.partition_by is not set; add "
           "`partition_by: model_version` to the results section (bankscore never converts a "
           "table)";
  }
  return head +
         "without partitions, but results.partition_by is model_version; bankscore never "
         "converts a table: remove results.partition_by, or have a DBA rename the old tables "
         "(ALTER TABLE " +
         table +
         " RENAME TO ...), run bankscore init-db and copy back the versions to keep (README, "
         "\"Partitioned results\")";
}

}  // namespace

std::vector<std::string> PartitionedTables(const ResultsConfig& results) {
  return {results.table, results.reasons_table};
}

std::string PartitionName(const std::string& table, const std::string& model_version) {
  return table + "_v_" + Sha256Hex(model_version).substr(0, 12);
}

void CheckPartitioning(pqxx::transaction_base& tx, const Config& config) {
  const bool want = config.results.partition_by_model_version;
  for (const std::string& table : PartitionedTables(config.results)) {
    const std::string kind = RelationKind(tx, table);
    if (kind.empty() || (kind == "p") == want) continue;
    throw ConfigError(MismatchMessage(config, table, kind == "p"));
  }
}

bool IsPartitionOf(pqxx::transaction_base& tx, const std::string& partition,
                   const std::string& parent) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid ="
          " to_regclass(quote_ident($1)) AND inhparent = to_regclass(quote_ident($2)))",
          partition, parent)[0]
      .as<bool>();
}

void EnsureVersionPartitions(Connection& db, const Config& config,
                             const std::string& model_version) {
  if (!config.results.partition_by_model_version) return;
  db.Run("create the partitions of model " + model_version, {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<std::string> missing;
    for (const std::string& table : PartitionedTables(config.results)) {
      if (!IsPartitionOf(tx, PartitionName(table, model_version), table)) missing.push_back(table);
    }
    if (missing.empty()) return;
    const bool owner = tx.exec_params1(
                             "SELECT pg_has_role((SELECT relowner FROM pg_catalog.pg_class WHERE"
                             " oid = to_regclass(quote_ident($1))), 'USAGE')",
                             missing.front())[0]
                           .as<bool>();
    if (!owner) {
      throw DatabaseError("the partitions of model version " + model_version + " in " +
                          missing.front() +
                          " do not exist, and only the tables' owner may create them: run "
                          "bankscore init-db --config <the owner's config> after promoting a "
                          "model (it creates the current version's partitions)");
    }
    // Serializes bankscore processes adding partitions, as for the results DDL.
    tx.exec(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "'bankscore results ddl ' || coalesce(current_schema(), ''), 0))");
    for (const std::string& table : missing) {
      const std::string name = PartitionName(table, model_version);
      // FOR VALUES IN takes no parameters: format() quotes the bound version as a literal.
      for (const char* statement :
           {"SELECT format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%L)',"
            " $1::text, $2::text, $3::text)",
            "SELECT format('COMMENT ON TABLE %I IS %L', $1::text, 'Partition of ' || $2::text ||"
            " ' holding model version ' || $3::text || ' (results.partition_by).')"}) {
        tx.exec(tx.exec_params1(statement, name, table, model_version)[0].as<std::string>());
      }
    }
    tx.commit();
  });
}

}  // namespace bankscore::internal::pg
