#include "service/prometheus_text.h"

#include <cmath>
#include <stdexcept>

#include "common/text.h"

namespace bankscore::service {
namespace {

bool IsNameChar(char c, bool first, bool colon_allowed) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  const bool digit = c >= '0' && c <= '9';
  return letter || (colon_allowed && c == ':') || (!first && digit);
}

bool IsValidName(std::string_view name, bool colon_allowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon_allowed)) return false;
  }
  return true;
}

// Escapes backslash and line feed, and (in label values) the double quote.
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

const char* TypeName(PrometheusText::Type type) {
  switch (type) {
    case PrometheusText::Type::kCounter:
      return "counter";
    case PrometheusText::Type::kGauge:
      return "gauge";
    case PrometheusText::Type::kHistogram:
      return "histogram";
    case PrometheusText::Type::kUntyped:
      return "untyped";
  }
  return "untyped";
}

}  // namespace

std::string PrometheusNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  return FormatDouble(value);
}

void PrometheusText::Family(std::string_view name, Type type, std::string_view help) {
  if (!IsValidName(name, true)) {
    throw std::logic_error("invalid Prometheus metric name '" + std::string(name) + "'");
  }
  if (!families_.emplace(name).second) {
    throw std::logic_error("Prometheus metric family '" + std::string(name) + "' written twice");
  }
  family_ = name;
  type_ = type;
  text_ += "# HELP " + family_ + " " + Escape(help, false) + "\n";
  text_ += "# TYPE " + family_ + " " + TypeName(type) + "\n";
}

void PrometheusText::Line(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const std::string& label = labels[i].first;
      if (!IsValidName(label, false) || label.rfind("__", 0) == 0) {
        throw std::logic_error("invalid Prometheus label name '" + label + "'");
      }
      if (i) text_ += ',';
      text_ += label + "=\"" + Escape(labels[i].second, true) + "\"";
    }
    text_ += '}';
  }
  text_ += ' ' + PrometheusNumber(value) + '\n';
}

void PrometheusText::Sample(const Labels& labels, double value) {
  if (family_.empty() || type_ == Type::kHistogram) {
    throw std::logic_error("Prometheus sample without a counter, gauge or untyped family");
  }
  Line(family_, labels, value);
}

void PrometheusText::Histogram(const Labels& labels, const std::vector<double>& upper_bounds,
                               const std::vector<std::uint64_t>& counts, std::uint64_t overflow,
                               double sum) {
  if (family_.empty() || type_ != Type::kHistogram || counts.size() != upper_bounds.size()) {
    throw std::logic_error("Prometheus histogram without a histogram family, or bad buckets");
  }
  for (const auto& label : labels) {
    if (label.first == "le") throw std::logic_error("a histogram's labels cannot include 'le'");
  }
  std::uint64_t cumulative = 0;
  Labels bucket = labels;
  bucket.emplace_back("le", "");
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    cumulative += counts[i];
    bucket.back().second = PrometheusNumber(upper_bounds[i]);
    Line(family_ + "_bucket", bucket, static_cast<double>(cumulative));
  }
  cumulative += overflow;
  bucket.back().second = "+Inf";
  Line(family_ + "_bucket", bucket, static_cast<double>(cumulative));
  Line(family_ + "_sum", labels, sum);
  Line(family_ + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace bankscore::service
