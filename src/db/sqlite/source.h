// Internal: the SQLite statements on the source table, and the reader of unscored rows.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/sql_text.h"
#include "db/sqlite/connection.h"

namespace bankscore::internal::sqlite {

class SourceStatements {
 public:
  SourceStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

  bool TableExists(const std::string& table);
  std::vector<std::string> TableColumns(const std::string& table);
  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key);
  std::unique_ptr<RowInserter> BeginInsert(const std::string& table,
                                           const std::vector<std::string>& columns);
  void InsertRows(const std::string& table, const RowBatch& batch);
  std::int64_t CountRows(const std::string& table);
  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key);
  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink);
  bool HasUnscoredRows(const std::string& model_version);
  std::int64_t CountUnscoredRows(const std::string& model_version);
  // Reads through a read-only connection of its own (WAL lets it read while batches commit).
  std::unique_ptr<UnscoredRowReader> ReadUnscored(const std::string& model_version,
                                                  std::optional<std::int64_t> after_key,
                                                  std::optional<std::int64_t> up_to_key);
  UnkeyedRows CountUnkeyedRows();
  std::string ColumnSqlType(const std::string& table, const std::string& column);

 private:
  bool KeyIsRowid();
  std::int64_t OverUnscoredRows(const std::string& model_version, UnscoredShape shape,
                                const std::string& before, const std::string& after,
                                const std::string& what);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::sqlite
