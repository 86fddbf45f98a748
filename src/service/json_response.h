// Internal: JSON responses of the HTTP API. Every error body is one object
//   {"error": "<what and where, one line>", "field": "<the offending field>"}
// ("field" only when one is to blame), so a client can show the message and point at the input.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "service/http_message.h"

namespace bankscore::service {

// `body` as JSON; text that is not valid UTF-8 is replaced, never thrown.
HttpResponse JsonResponse(int status, const nlohmann::json& body);

// {"error": message, "field": field}; `field` left out when empty.
HttpResponse JsonError(int status, const std::string& message, const std::string& field = "");

}  // namespace bankscore::service
