#include "service/json_response.h"

namespace bankscore::service {

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  // Data (categories, versions, echoed input) could hold bytes that are not UTF-8: replace them
  // rather than throw while answering.
  return HttpResponse{status,
                      kJsonType,
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                      {}};
}

HttpResponse JsonError(int status, const std::string& message, const std::string& field) {
  nlohmann::json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  return JsonResponse(status, body);
}

}  // namespace bankscore::service
