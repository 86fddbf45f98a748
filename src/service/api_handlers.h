// Internal: the JSON API's route handlers, plain functions from a request to a response:
//   POST /v1/score          one client object, or {"clients": [...]}: probability, label,
//                           threshold and model version per client, and its segment computed
//                           from its values when a segmentation exists; nothing is written
//   GET  /v1/clients/{key}  the stored latest prediction of a client, 404 when there is none,
//                           and its stored segment in the current segmentation, if it has one
//   GET  /v1/model          the served model (model_description.h)
// Bad input is 400 with {"error", "field"}; no model loaded or no database is 503. Tokens are
// checked before these run (service.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "service/client_scoring.h"
#include "service/http_message.h"
#include "service/service_context.h"

namespace bankscore::service {

HttpResponse HandleScore(ServiceContext& ctx, const HttpRequest& request);
HttpResponse HandleClient(ServiceContext& ctx, const HttpRequest& request);
HttpResponse HandleModel(ServiceContext& ctx, const HttpRequest& request);

// One scored client as the API shows it; `key_name` is source.key. "reasons" appear only when
// the model provides them, "segment" ({"id", "description"}) only when a segmentation exists.
nlohmann::json ClientJson(const ClientResult& client, const ScoredClients& scored,
                          const std::string& key_name);

}  // namespace bankscore::service
