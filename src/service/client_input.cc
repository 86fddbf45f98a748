#include "service/client_input.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace bankscore::service {
namespace {

using nlohmann::json;

// Requests are flat: the values of {"clients": [{...}]} are at depth 3. One level more still
// parses, so that a list given as a value gets the message about its type; anything deeper is
// refused while parsing, before it costs memory or stack.
constexpr int kMaxDepth = 4;

std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return EscapeControl(text);
}

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

// How an offending value is named: "a string \"forty\"", "true", "a list []".
std::string Describe(const json& value) {
  if (value.is_boolean() || value.is_null()) return Shown(value);
  return std::string(TypeName(value)) + " " + Shown(value);
}

json Parse(std::string_view body) {
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) {
      throw InputError(
          "the request is nested too deeply; send one client object or "
          "{\"clients\": [...]} with a value per column",
          "");
    }
    return true;
  };
  try {
    return json::parse(body.begin(), body.end(), limit_depth);
  } catch (const json::parse_error& e) {
    // e.what() names the byte and what was expected; the "[json.exception...]" prefix is noise.
    std::string what = e.what();
    const std::size_t at = what.find("] ");
    if (at != std::string::npos) what = what.substr(at + 2);
    throw InputError("malformed JSON: " + EscapeControl(what), "");
  }
}

// JSON integers (nlohmann reads non-negative ones as unsigned) that an int64 holds.
bool FitsInt64(const json& value) {
  if (value.is_number_unsigned()) {
    return value.get<std::uint64_t>() <=
           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  return value.is_number_integer();
}

std::int64_t ReadKey(const json& value, const std::string& field) {
  if (FitsInt64(value)) return value.get<std::int64_t>();
  throw InputError(field + ": expected an integer key, got " + Describe(value), field);
}

Value ReadFeature(const json& value, bool categorical, const std::string& field) {
  if (value.is_null()) return std::monostate{};
  if (categorical) {
    if (value.is_string()) return value.get<std::string>();
    throw InputError(field + ": expected a string (a category) or null, got " + Describe(value),
                     field);
  }
  if (FitsInt64(value)) return value.get<std::int64_t>();
  if (value.is_number()) return value.get<double>();
  throw InputError(field + ": expected a number or null, got " + Describe(value), field);
}

ClientInput ReadClient(const json& object, const SourceConfig& source, const std::string& where) {
  if (!object.is_object()) {
    throw InputError((where.empty() ? std::string("the request") : where) +
                         ": expected an object of column values, got " + TypeName(object),
                     where);
  }
  const std::vector<std::string> columns = source.FeatureColumns();
  ClientInput client;
  client.features.assign(columns.size(), std::monostate{});
  for (const auto& [name, value] : object.items()) {
    const std::string field = where.empty() ? name : where + "." + name;
    if (name == source.key) {
      if (!value.is_null()) client.key = ReadKey(value, field);
      continue;
    }
    if (name == source.label) {
      throw InputError(
          field + ": '" + EscapeControl(name) + "' is the label the model predicts; leave it out",
          field);
    }
    const auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) {
      throw InputError(field + ": unknown column '" + EscapeControl(name) +
                           "': not one the model uses (GET /v1/model lists them)",
                       field);
    }
    const auto index = static_cast<std::size_t>(it - columns.begin());
    client.features[index] = ReadFeature(value, index < source.categorical.size(), field);
  }
  return client;
}

}  // namespace

ScoreRequest ParseScoreRequest(std::string_view body, const SourceConfig& source,
                               std::size_t max_clients) {
  const json request = Parse(body);
  ScoreRequest out;
  if (!request.is_object() || !request.contains("clients")) {
    out.clients.push_back(ReadClient(request, source, ""));
    return out;
  }
  if (request.size() != 1) {
    throw InputError("a request is one client object or {\"clients\": [...]}, not both", "clients");
  }
  const json& clients = request.at("clients");
  if (!clients.is_array()) {
    throw InputError(
        "clients: expected a list of client objects, got " + std::string(TypeName(clients)),
        "clients");
  }
  if (clients.empty() || clients.size() > max_clients) {
    throw InputError("clients: expected 1 to " + std::to_string(max_clients) + " clients, got " +
                         std::to_string(clients.size()),
                     "clients");
  }
  out.many = true;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    out.clients.push_back(ReadClient(clients[i], source, "clients[" + std::to_string(i) + "]"));
  }
  return out;
}

ClientInput ClientFromQuery(const HttpRequest& request, const SourceConfig& source) {
  const std::vector<std::string> columns = source.FeatureColumns();
  ClientInput client;
  client.features.assign(columns.size(), std::monostate{});
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string* text = request.Query(columns[i]);
    if (text == nullptr || text->empty()) continue;
    if (i < source.categorical.size()) {
      client.features[i] = *text;
    } else if (const auto number = ParseNumber(*text)) {
      client.features[i] = *number;
    } else {
      throw InputError(columns[i] + ": expected a number, got '" + EscapeControl(*text) + "'",
                       columns[i]);
    }
  }
  return client;
}

bool HasClientFields(const HttpRequest& request, const SourceConfig& source) {
  for (const std::string& column : source.FeatureColumns()) {
    if (request.Query(column) != nullptr) return true;
  }
  return false;
}

}  // namespace bankscore::service
