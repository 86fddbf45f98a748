// Internal: values between bankscore and PostgreSQL's text formats: result cells as Values by
// column type, and Values as fields of COPY text-format lines.
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

#include "bankscore/value.h"

namespace bankscore::internal::pg {

// Appends a Value as a field of a COPY text-format line: \N for NULL, text with backslash, tab
// and line breaks escaped.
void AppendCopyField(std::string& line, const Value& v);

// A result cell as a Value, by column type: integers, floating and numeric (whose 'NaN' and
// 'Infinity' parse too) as numbers; everything else as its text.
Value Cell(const pqxx::field& field, pqxx::oid type);

// Rows of `r` from column `first` on, as Values typed by the columns' OIDs.
std::vector<std::vector<Value>> ToRows(const pqxx::result& r, pqxx::row_size_type first);

// An integer cell; throws DatabaseError naming `what` for NULL or anything else.
std::int64_t ToInt64(const pqxx::field& field, const std::string& what);

// The PostgreSQL type of a source column bankscore creates.
std::string ColumnSqlType(ColumnType type);

}  // namespace bankscore::internal::pg
