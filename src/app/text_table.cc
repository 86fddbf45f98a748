#include "app/text_table.h"

#include <fmt/format.h>

#include <algorithm>

namespace bankscore {

void PrintTextTable(std::ostream& out, const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  const auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t c = 0; c < line.size() && c < width.size(); ++c) {
      text += "  " + fmt::format("{:<{}}", line[c], width[c]);
    }
    // No padding after the last column: a trailing blank is noise in a copied line.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  print_line(header);
  for (const auto& row : rows) print_line(row);
}

}  // namespace bankscore
