// Internal: a plain table for the terminal, columns left-aligned to their widest cell, the one
// copy `show` and `models list` print with.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bankscore {

// Prints `header` and `rows` (cells already escaped for the terminal), each line indented by two
// spaces per column.
void PrintTextTable(std::ostream& out, const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows);

}  // namespace bankscore
