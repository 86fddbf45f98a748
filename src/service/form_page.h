// Internal: GET /, the page to score one client, for a bank employee before a call.
//
// A plain GET form (no JavaScript): a select per categorical column listing the model's known
// categories, a number field per numeric column with its training range as a hint. Submitting it
// loads the same page with the fields as query parameters; the server scores the client through
// the API's code path (client_scoring.h) and shows the probability, the label at the current
// threshold and, when the model provides them, the top reasons as a bar chart. A second small
// form looks up the stored latest prediction of a client by key.
#pragma once

#include <string>

#include "service/client_scoring.h"
#include "service/http_message.h"
#include "service/service_context.h"

namespace bankscore::service {

HttpResponse HandleFormPage(ServiceContext& ctx, const HttpRequest& request);

// The result box for client `index` of `scored` (HTML fragment).
std::string ScoreResultHtml(const ScoredClients& scored, std::size_t index);

}  // namespace bankscore::service
