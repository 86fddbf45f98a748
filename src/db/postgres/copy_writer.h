// Internal: COPY ... FROM STDIN inside a transaction, the bulk write path of the PostgreSQL
// adapter. libpqxx 6.4's stream_to only takes rows as std::tuple, and bankscore's rows have a
// run-time number of columns, so lines are built here and sent with tablewriter, the 6.x writer
// of raw lines. It pastes the table and column names into COPY as given: the caller passes the
// table ready for SQL (quoted, or a qualified pg_temp name); the column names are quoted here.
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "bankscore/value.h"

namespace pqxx {
class tablewriter;
}

namespace bankscore::internal::pg {

class CopyWriter {
 public:
  CopyWriter(pqxx::transaction_base& tx, const std::string& table,
             const std::vector<std::string>& columns);
  ~CopyWriter();
  CopyWriter(const CopyWriter&) = delete;
  CopyWriter& operator=(const CopyWriter&) = delete;

  // One line: fields separated by tabs, escaped (AppendCopyField), without the line break.
  void WriteLine(const std::string& line);
  void WriteRow(const std::vector<Value>& row);
  // Ends the COPY; throws libpqxx's exception when the server refused a line.
  void Complete();

 private:
  std::unique_ptr<pqxx::tablewriter> writer_;
  std::string line_;
};

}  // namespace bankscore::internal::pg
