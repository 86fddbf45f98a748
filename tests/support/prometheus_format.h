// A checker of the Prometheus text exposition format (version 0.0.4) for the tests, independent
// of the writer in src/service/prometheus_text: it parses what /metrics returns and lists every
// rule broken, so a test can assert the list is empty and then read values.
//
// Rules checked: every line is a "# HELP name text", a "# TYPE name type", another comment or a
// sample "name{label="value",...} value [timestamp]"; names and label names are valid; label
// values use only the \\, \" and \n escapes; values parse as floats (NaN, +Inf, -Inf too); a
// family's TYPE (at most one) comes before its samples and its samples are not interleaved with
// another family's; a histogram's buckets rise, end with le="+Inf" and equal its _count.
//
// Header-only: both test binaries include it.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace bankscore::testing {

struct PrometheusScrape {
  std::vector<std::string> problems;         // empty when the text follows the format
  std::map<std::string, double> samples;     // "name{a=\"x\",b=\"y\"}" (as written) -> value
  std::map<std::string, std::string> types;  // family -> type
};

namespace prometheus_detail {

inline std::optional<double> ParseValue(const std::string& text) {
  if (text == "NaN") return std::nan("");
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// The family a sample belongs to: histograms' _bucket/_sum/_count belong to the base name.
inline std::string FamilyOf(const std::string& name,
                            const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      const auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

// Labels "a=\"x\",b=\"y\"" -> pairs; false when malformed.
inline bool ParseLabels(const std::string& text,
                        std::vector<std::pair<std::string, std::string>>& out) {
  static const std::regex kName("[a-zA-Z_][a-zA-Z0-9_]*");
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t eq = text.find('=', i);
    if (eq == std::string::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    const std::string name = text.substr(i, eq - i);
    if (!std::regex_match(name, kName)) return false;
    std::string value;
    std::size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\') {
        if (j + 1 >= text.size()) return false;
        const char next = text[++j];
        if (next == 'n')
          value += '\n';
        else if (next == '\\' || next == '"')
          value += next;
        else
          return false;
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return false;
    out.emplace_back(name, value);
    i = j + 1;
    if (i < text.size()) {
      if (text[i] != ',') return false;
      ++i;
    }
  }
  return true;
}

}  // namespace prometheus_detail

inline PrometheusScrape ParsePrometheus(const std::string& text) {
  using namespace prometheus_detail;
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$)");
  static const std::regex kType(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex kHelp(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  PrometheusScrape scrape;
  std::set<std::string> families_done;
  std::string current;
  std::map<std::string, std::vector<std::pair<std::string, double>>> buckets;  // series -> (le, v)
  std::map<std::string, double> counts;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  const auto problem = [&](const std::string& what) {
    scrape.problems.push_back("line " + std::to_string(number) + ": " + what + ": " + line);
  };
  while (std::getline(in, line)) {
    ++number;
    std::smatch m;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (std::regex_match(line, m, kType)) {
        if (scrape.types.count(m[1])) problem("second TYPE for " + m[1].str());
        if (families_done.count(m[1])) problem("TYPE after the family's samples");
        scrape.types[m[1]] = m[2];
      } else if (line.rfind("# TYPE", 0) == 0) {
        problem("malformed TYPE line");
      } else if (line.rfind("# HELP", 0) == 0 && !std::regex_match(line, m, kHelp)) {
        problem("malformed HELP line");
      }
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      problem("not a sample line");
      continue;
    }
    const std::string name = m[1];
    std::vector<std::pair<std::string, std::string>> labels;
    if (m[2].matched && !ParseLabels(m[3], labels)) problem("malformed labels");
    const std::optional<double> value = ParseValue(m[4]);
    if (!value) problem("value is not a number");
    const std::string family = FamilyOf(name, scrape.types);
    if (!scrape.types.count(family)) problem("sample before (or without) its family's TYPE");
    if (family != current) {
      if (families_done.count(family)) problem("samples of " + family + " are interleaved");
      if (!current.empty()) families_done.insert(current);
      current = family;
    }
    const std::string key = name + (m[2].matched ? m[2].str() : "");
    if (scrape.samples.count(key)) problem("duplicate sample");
    scrape.samples[key] = value.value_or(0);
    // Histogram bookkeeping: the series is the labels without le.
    std::string series = family + "{";
    std::string le;
    for (const auto& [label, v] : labels) {
      if (label == "le")
        le = v;
      else
        series += label + "=" + v + ",";
    }
    if (name == family + "_bucket") {
      if (le.empty()) problem("bucket without le");
      buckets[series].emplace_back(le, value.value_or(0));
    } else if (name == family + "_count") {
      counts[series] = value.value_or(0);
    }
  }
  for (const auto& [series, list] : buckets) {
    double previous = -1;
    for (const auto& [le, v] : list) {
      if (v < previous) scrape.problems.push_back(series + ": buckets do not rise at le=" + le);
      previous = v;
    }
    if (list.empty() || list.back().first != "+Inf") {
      scrape.problems.push_back(series + ": the last bucket is not le=\"+Inf\"");
    } else if (!counts.count(series) || counts[series] != list.back().second) {
      scrape.problems.push_back(series + ": the +Inf bucket differs from _count");
    }
  }
  return scrape;
}

}  // namespace bankscore::testing
