// Internal: results.partition_by: model_version on PostgreSQL. The predictions and reasons tables
// are LIST-partitioned by model version, one partition per version, named
// <table>_v_<first 12 hex digits of the version's SHA-256> (a version is free text; the digest
// makes a valid, fixed-length name), created before the version's first run and dropped by
// `bankscore prune`. bankscore never converts an existing table between the two layouts: a
// mismatch is a ConfigError that says what a DBA would do.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

// The tables partitioned when results.partition_by is set: results.table and reasons_table.
std::vector<std::string> PartitionedTables(const ResultsConfig& results);

// The name of the partition of `table` that holds `model_version`.
std::string PartitionName(const std::string& table, const std::string& model_version);

// Throws ConfigError when a partitioned table exists and is not partitioned while the config
// says it is, or the other way round. Tables that do not exist yet pass.
void CheckPartitioning(pqxx::transaction_base& tx, const Config& config);

// Creates the partitions of `model_version` that do not exist (with a comment naming the
// version). Without results.partition_by, does nothing. Throws DatabaseError when the role does
// not own the tables (only the owner may add a partition) and one is missing.
void EnsureVersionPartitions(Connection& db, const Config& config,
                             const std::string& model_version);

// Whether `partition` exists and is a partition of `parent`.
bool IsPartitionOf(pqxx::transaction_base& tx, const std::string& partition,
                   const std::string& parent);

}  // namespace bankscore::internal::pg
