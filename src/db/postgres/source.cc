#include "db/postgres/source.h"

#include "bankscore/error.h"
#include "db/postgres/copy_reader.h"
#include "db/postgres/copy_writer.h"
#include "db/postgres/values.h"
#include "db/sql_text.h"

namespace bankscore::internal::pg {

bool SourceStatements::TableExists(const std::string& table) {
  return db_.Run("look up table " + table, {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::row r = tx.exec_params1(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = $1::text"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))",
        table);
    tx.commit();
    return r[0].as<bool>();
  });
}

std::vector<std::string> SourceStatements::TableColumns(const std::string& table) {
  auto columns = db_.Run("list columns of " + table, {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT a.attname FROM pg_catalog.pg_attribute a"
        " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = $1::text"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY a.attnum",
        table);
    tx.commit();
    std::vector<std::string> out;
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
  });
  if (columns.empty() && !TableExists(table)) {
    throw DatabaseError("table " + table + " does not exist in PostgreSQL at " +
                        db_.settings().server + CurrentSchemaSuffix());
  }
  return columns;
}

void SourceStatements::CreateSourceTable(const std::string& table,
                                         const std::vector<ColumnSpec>& columns,
                                         const std::string& key) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) sql += ", ";
    sql += QuoteIdentifier(columns[i].name) + " " +
           (columns[i].name == key ? "BIGINT PRIMARY KEY" : pg::ColumnSqlType(columns[i].type));
  }
  sql += ")";
  db_.Run("create table " + table, {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
  });
}

namespace {

// One transaction with one COPY into the table, fed batch by batch.
class Inserter : public RowInserter {
 public:
  Inserter(Connection& db, std::string table, const std::vector<std::string>& columns)
      : db_(db), table_(std::move(table)) {
    Run("start loading", [&](pqxx::connection& c) {
      tx_ = std::make_unique<pqxx::work>(c);
      copy_ = std::make_unique<CopyWriter>(*tx_, QuoteIdentifier(table_), columns);
    });
  }

  void Write(const RowBatch& batch) override {
    Run("load rows", [&](pqxx::connection&) {
      for (const auto& row : batch.rows) copy_->WriteRow(row);
    });
  }

  void Commit() override {
    // The server checks the rows as they stream and reports a bad one when the COPY ends.
    Run("load rows", [&](pqxx::connection&) {
      copy_->Complete();
      copy_.reset();
    });
    Run("commit the load", [&](pqxx::connection&) { tx_->commit(); });
  }

 private:
  template <typename Body>
  void Run(const std::string& what, Body&& body) {
    db_.Run(what + " into " + table_, {{table_, "INSERT"}}, std::forward<Body>(body));
  }

  Connection& db_;
  std::string table_;
  std::unique_ptr<pqxx::work> tx_;
  std::unique_ptr<CopyWriter> copy_;  // declared after tx_: destroyed first
};

}  // namespace

std::unique_ptr<RowInserter> SourceStatements::BeginInsert(
    const std::string& table, const std::vector<std::string>& columns) {
  return std::make_unique<Inserter>(db_, table, columns);
}

void SourceStatements::InsertRows(const std::string& table, const RowBatch& batch) {
  auto inserter = BeginInsert(table, batch.columns);
  inserter->Write(batch);
  inserter->Commit();
}

std::int64_t SourceStatements::CountRows(const std::string& table) {
  return ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(table), "count rows of " + table,
                   {{table, "SELECT"}})
      .value_or(0);
}

std::optional<std::int64_t> SourceStatements::MaxKey(const std::string& table,
                                                     const std::string& key) {
  return ScalarInt("SELECT MAX(" + QuoteIdentifier(key) + ") FROM " + QuoteIdentifier(table),
                   "max key of " + table, {{table, "SELECT"}});
}

void SourceStatements::ScanTable(const std::string& table, const std::string& key,
                                 const std::vector<std::string>& columns,
                                 const std::optional<std::string>& where_not_null,
                                 std::size_t batch_size,
                                 const std::function<void(const RowBatch&)>& sink) {
  std::vector<std::string> all = {key};
  all.insert(all.end(), columns.begin(), columns.end());
  const std::string sql =
      "DECLARE bankscore_scan NO SCROLL CURSOR FOR " + ScanSql(table, key, columns, where_not_null);
  const std::string fetch = "FETCH FORWARD " +
                            std::to_string(std::max<std::size_t>(batch_size, 1)) +
                            " FROM bankscore_scan";
  db_.Run("scan " + table, {{table, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec(sql);
    RowBatch batch;
    batch.columns = all;
    while (true) {
      pqxx::result r = tx.exec(fetch);
      if (r.empty()) break;
      batch.rows = ToRows(r, 0);
      sink(batch);
      if (r.size() < batch_size) break;
    }
    tx.commit();
  });
}

bool SourceStatements::HasUnscoredRows(const std::string& model_version) {
  const SourceConfig& src = config_.source;
  const ResultsConfig& results = config_.results;
  const std::string sql =
      "SELECT EXISTS (" +
      UnscoredRowsSql(config_, {"$1::text", "", SourceKey(config_) + " IS NOT NULL",
                                UnscoredShape::kFirst, ""}) +
      ")";
  return db_.Run(
      "look for unscored rows of " + src.table,
      {{src.table, "SELECT"}, {results.table, "SELECT"}, {results.rejected_table, "SELECT"}},
      [&](pqxx::connection& c) {
        pqxx::work tx(c);
        const bool any = tx.exec_params1(sql, model_version)[0].as<bool>();
        tx.commit();
        return any;
      });
}

std::int64_t SourceStatements::CountUnscoredRows(const std::string& model_version) {
  const SourceConfig& src = config_.source;
  const ResultsConfig& results = config_.results;
  const std::string sql =
      "SELECT COUNT(*) FROM (" +
      UnscoredRowsSql(config_, {"$1::text", "", SourceKey(config_) + " IS NOT NULL",
                                UnscoredShape::kKeys, ""}) +
      ") AS u";
  return db_.Run(
      "count unscored rows of " + src.table,
      {{src.table, "SELECT"}, {results.table, "SELECT"}, {results.rejected_table, "SELECT"}},
      [&](pqxx::connection& c) {
        pqxx::work tx(c);
        const auto n = tx.exec_params1(sql, model_version)[0].as<std::int64_t>();
        tx.commit();
        return n;
      });
}

std::unique_ptr<UnscoredRowReader> SourceStatements::ReadUnscored(
    const std::string& model_version, std::optional<std::int64_t> after_key,
    std::optional<std::int64_t> up_to_key) {
  // COPY takes no parameters: the version is quoted as a literal, the key bounds are numbers.
  const std::string sql = UnscoredRowsSql(
      config_, {QuoteLiteral(model_version), after_key ? std::to_string(*after_key) : "",
                SourceKey(config_) + " IS NOT NULL", UnscoredShape::kRows,
                up_to_key ? std::to_string(*up_to_key) : ""});
  return OpenCopyReader(db_.settings(), sql, config_.source.FeatureColumns());
}

// The key column is an integer type (ValidateSourceTable refuses others), so only NULL is left.
UnkeyedRows SourceStatements::CountUnkeyedRows() {
  const SourceConfig& src = config_.source;
  UnkeyedRows out;
  out.null_keys = ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(src.table) + " WHERE " +
                                QuoteIdentifier(src.key) + " IS NULL",
                            "count NULL keys of " + src.table, {{src.table, "SELECT"}})
                      .value_or(0);
  return out;
}

std::string SourceStatements::ColumnSqlType(const std::string& table, const std::string& column) {
  const pqxx::result r =
      db_.Run("look up the type of " + table + "." + column, {}, [&](pqxx::connection& c) {
        pqxx::work tx(c);
        pqxx::result out = tx.exec_params(
            "SELECT format_type(a.atttypid, a.atttypmod)"
            " FROM pg_catalog.pg_attribute a"
            " WHERE a.attrelid = to_regclass(quote_ident($1::text))"
            " AND a.attname = $2::text AND NOT a.attisdropped",
            table, column);
        tx.commit();
        return out;
      });
  if (r.empty()) {
    throw DatabaseError("column " + column + " does not exist in table " + table +
                        " in PostgreSQL at " + db_.settings().server + CurrentSchemaSuffix());
  }
  return r[0][0].as<std::string>();
}

std::optional<std::int64_t> SourceStatements::ScalarInt(const std::string& sql,
                                                        const std::string& what,
                                                        const Needs& needs) {
  const pqxx::result r = db_.Exec(what, needs, sql);
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  return ToInt64(r[0][0], what);
}

std::string SourceStatements::CurrentSchemaSuffix() const {
  return db_.settings().schema.empty() ? "" : " (schema " + db_.settings().schema + ")";
}

}  // namespace bankscore::internal::pg
