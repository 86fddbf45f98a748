// Internal: the clients a request asks to score, read from POST /v1/score's JSON or from the
// form's query parameters, and checked against the model's columns before anything is scored.
//
// JSON: one client as an object whose keys are source column names, or {"clients": [...]} with
// at most `max_clients` of them. A categorical column takes a string, a numeric one a number;
// null and a missing column are NULL, exactly as a NULL cell in batch scoring. The source key
// (source.key) may be given and is echoed back; the label, any other key and any other type are
// refused. Every refusal is an InputError naming the field ("clients[2].age").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/error.h"
#include "bankscore/value.h"
#include "service/http_message.h"

namespace bankscore::service {

// One client to score.
struct ClientInput {
  std::optional<std::int64_t> key;  // source.key, when the request gave it
  std::vector<Value> features;      // one per SourceConfig::FeatureColumns(); NULL when not given
};

struct ScoreRequest {
  std::vector<ClientInput> clients;
  bool many = false;  // {"clients": [...]}: answer with a list even for one client
};

// Input refused: a one-line message and the field to blame (may be empty for malformed JSON).
class InputError : public Error {
 public:
  InputError(const std::string& message, std::string field)
      : Error(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

inline constexpr std::size_t kMaxClientsPerRequest = 1000;

// Throws InputError.
ScoreRequest ParseScoreRequest(std::string_view body, const SourceConfig& source,
                               std::size_t max_clients = kMaxClientsPerRequest);

// The form's fields: one query parameter per feature column; "" (or absent) is NULL. Parameters
// that are not feature columns are ignored (the form's own buttons). Throws InputError naming
// the column for a number that does not parse.
ClientInput ClientFromQuery(const HttpRequest& request, const SourceConfig& source);

// True when the request carries at least one feature column: the form was submitted.
bool HasClientFields(const HttpRequest& request, const SourceConfig& source);

}  // namespace bankscore::service
