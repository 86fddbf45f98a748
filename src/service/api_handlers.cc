#include "service/api_handlers.h"

#include "common/text.h"
#include "service/json_response.h"
#include "service/model_description.h"

namespace bankscore::service {
namespace {

HttpResponse NoModel(const ServingSnapshot& snapshot) {
  return JsonError(503, "no model loaded: " + snapshot.model_problem);
}

HttpResponse DatabaseUnavailable(const DatabaseError& e) {
  return JsonError(503, std::string("database unavailable: ") + e.what());
}

// What the database holds about one client: its latest prediction and, when a segmentation is
// published, its stored segment in it.
struct StoredClient {
  std::optional<PredictionRecord> prediction;
  std::optional<ClientSegment> segment;
};

StoredClient ReadStoredClient(ServiceContext& ctx, const SegmentCatalog* segments,
                              std::int64_t key) {
  return ctx.db.Use([&](Database& db) {
    StoredClient client;
    if (!db.TableExists(ctx.config.results.table)) return client;
    client.prediction = db.LatestPrediction(key);
    if (client.prediction && segments != nullptr) {
      const std::vector<ClientSegment> found = segments->Lookup(db, {key});
      if (!found.empty()) client.segment = found.front();
    }
    return client;
  });
}

}  // namespace

nlohmann::json ClientJson(const ClientResult& client, const ScoredClients& scored,
                          const std::string& key_name) {
  nlohmann::json out = nlohmann::json::object();
  if (client.key) out[key_name] = *client.key;
  out["probability"] = client.probability;
  out["label"] = client.label;
  out["threshold"] = scored.decision.threshold;
  out["model_version"] = scored.model_version;
  if (!client.reasons.empty()) {
    out["reasons"] = nlohmann::json::array();
    for (const Reason& r : client.reasons) {
      out["reasons"].push_back(
          {{"feature", r.feature}, {"value", r.value}, {"contribution", r.contribution}});
    }
  }
  if (client.segment) {
    out["segment"] = {{"id", client.segment->segment},
                      {"description", client.segment->description}};
  }
  if (!client.warnings.empty()) out["warnings"] = client.warnings;
  return out;
}

HttpResponse HandleScore(ServiceContext& ctx, const HttpRequest& request) {
  const ServingSnapshot snapshot = ctx.state.Snapshot();
  if (!snapshot.model) return NoModel(snapshot);
  ScoreRequest parsed;
  try {
    parsed = ParseScoreRequest(request.body, ctx.config.source);
  } catch (const InputError& e) {
    return JsonError(400, e.what(), e.field());
  }
  const ScoredClients scored =
      ScoreClients(*snapshot.model, snapshot.decision, ctx.config.source, parsed.clients,
                   snapshot.segments.get(), ctx.config.scoring.explain_top);
  for (std::size_t i = 0; i < scored.clients.size(); ++i) {
    if (scored.clients[i].rejection.empty()) continue;
    const std::string field = parsed.many ? "clients[" + std::to_string(i) + "]" : "";
    return JsonError(400, (field.empty() ? "" : field + ": ") + scored.clients[i].rejection, field);
  }
  if (!parsed.many)
    return JsonResponse(200, ClientJson(scored.clients[0], scored, ctx.config.source.key));
  nlohmann::json list = nlohmann::json::array();
  for (const ClientResult& client : scored.clients) {
    list.push_back(ClientJson(client, scored, ctx.config.source.key));
  }
  return JsonResponse(200, {{"clients", std::move(list)}});
}

HttpResponse HandleClient(ServiceContext& ctx, const HttpRequest& request) {
  const std::string& text = request.path_params.at("key");
  const std::optional<std::int64_t> key = ParseInt64(text);
  if (!key) {
    return JsonError(
        400,
        "key: expected an integer " + ctx.config.source.key + ", got '" + EscapeControl(text) + "'",
        "key");
  }
  StoredClient client;
  try {
    client = ReadStoredClient(ctx, ctx.state.Snapshot().segments.get(), *key);
  } catch (const DatabaseError& e) {
    return DatabaseUnavailable(e);
  }
  const std::optional<PredictionRecord>& stored = client.prediction;
  if (!stored) {
    return JsonError(404, "no stored prediction for " + ctx.config.source.key + " " + text, "key");
  }
  nlohmann::json out = {{ctx.config.source.key, stored->key},
                        {"probability", stored->probability},
                        {"label", stored->label},
                        {"threshold", stored->threshold},
                        {"model_version", stored->model_version},
                        {"run_id", stored->run_id},
                        {"scored_at", stored->scored_at}};
  if (!stored->relabeled_at.empty()) out["relabeled_at"] = stored->relabeled_at;
  if (client.segment) {
    out["segment"] = {{"id", client.segment->segment},
                      {"description", client.segment->description},
                      {"distance", client.segment->distance}};
  }
  return JsonResponse(200, out);
}

HttpResponse HandleModel(ServiceContext& ctx, const HttpRequest&) {
  const ServingSnapshot snapshot = ctx.state.Snapshot();
  if (!snapshot.model) return NoModel(snapshot);
  return JsonResponse(200, DescribeModel(snapshot, ctx.config.scoring.explain_top));
}

}  // namespace bankscore::service
