#include "db/postgres/copy_writer.h"

#include <pqxx/tablewriter>

#include "bankscore/database.h"
#include "db/postgres/values.h"

namespace bankscore::internal::pg {
namespace {

std::vector<std::string> Quoted(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back(QuoteIdentifier(name));
  return quoted;
}

}  // namespace

CopyWriter::CopyWriter(pqxx::transaction_base& tx, const std::string& table,
                       const std::vector<std::string>& columns) {
  const std::vector<std::string> quoted = Quoted(columns);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  writer_ = std::make_unique<pqxx::tablewriter>(tx, table, quoted.begin(), quoted.end());
#pragma GCC diagnostic pop
}

CopyWriter::~CopyWriter() = default;

void CopyWriter::WriteLine(const std::string& line) { writer_->write_raw_line(line); }

void CopyWriter::WriteRow(const std::vector<Value>& row) {
  line_.clear();
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i) line_ += '\t';
    AppendCopyField(line_, row[i]);
  }
  writer_->write_raw_line(line_);
}

void CopyWriter::Complete() { writer_->complete(); }

}  // namespace bankscore::internal::pg
