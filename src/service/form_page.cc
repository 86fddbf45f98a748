#include "service/form_page.h"

#include <cmath>
#include <utility>

#include "common/text.h"
#include "report/html_document.h"
#include "report/svg_chart.h"
#include "service/page_layout.h"

namespace bankscore::service {
namespace {

using report::EscapeHtml;

std::string ReasonsChart(const std::vector<Reason>& reasons) {
  report::BarChartSpec spec;
  spec.id = "reasons";
  spec.title = "Top reasons (contribution to the log-odds)";
  spec.value_axis.label = "contribution (log-odds; positive raises the probability)";
  spec.category_label = "column = value";
  spec.width = 620;
  for (const Reason& r : reasons) {
    spec.bars.push_back(
        {r.feature + " = " + r.value, r.contribution,
         (r.contribution >= 0 ? "+" : "") + report::FormatFixed(r.contribution, 3)});
  }
  return "<figure>" + report::BarChart(spec) + "</figure>";
}

std::string CategoricalField(const std::string& name, const std::vector<std::string>& categories,
                             const std::string* chosen) {
  std::string html = "<div><label for=\"f-" + EscapeHtml(name) + "\">" + EscapeHtml(name) +
                     "</label><select id=\"f-" + EscapeHtml(name) + "\" name=\"" +
                     EscapeHtml(name) + "\"><option value=\"\">(not given)</option>";
  for (const std::string& category : categories) {
    const bool selected = chosen != nullptr && *chosen == category;
    html += "<option" + std::string(selected ? " selected" : "") + ">" + EscapeHtml(category) +
            "</option>";
  }
  // A value the model does not know (typed into the URL) stays visible, not silently dropped.
  if (chosen != nullptr && !chosen->empty() &&
      std::find(categories.begin(), categories.end(), *chosen) == categories.end()) {
    html += "<option selected>" + EscapeHtml(*chosen) + "</option>";
  }
  return html + "</select><small>" + std::to_string(categories.size()) +
         " known categories</small></div>\n";
}

std::string NumericField(const std::string& name, const std::pair<double, double>& range,
                         const std::optional<double>& sentinel, const std::string* value) {
  const auto [low, high] = range;  // NaN when training had no value of the column
  std::string hint =
      std::isnan(low) || std::isnan(high)
          ? std::string("unknown")
          : report::FormatSignificant(low, 6) + " to " + report::FormatSignificant(high, 6);
  // The range leaves the sentinel out (it means "no value"), so say what it is.
  if (sentinel) hint += "; " + FormatDouble(*sentinel) + " = no value";
  return "<div><label for=\"f-" + EscapeHtml(name) + "\">" + EscapeHtml(name) +
         "</label><input type=\"number\" " + "step=\"any\" id=\"f-" + EscapeHtml(name) +
         "\" name=\"" + EscapeHtml(name) + "\" value=\"" + EscapeHtml(value ? *value : "") +
         "\" placeholder=\"" + EscapeHtml(hint) + "\"><small>training range " + EscapeHtml(hint) +
         "</small></div>\n";
}

std::string ClientForm(const FeatureEncoder& encoder, const SourceConfig& source,
                       const HttpRequest& request) {
  std::string html =
      "<form class=\"client\" method=\"get\" action=\"/\" aria-label=\"client to score\">\n";
  for (std::size_t c = 0; c < encoder.categorical().size(); ++c) {
    const std::string& name = encoder.categorical()[c];
    html += CategoricalField(name, encoder.vocabularies()[c], request.Query(name));
  }
  for (std::size_t n = 0; n < encoder.numeric().size(); ++n) {
    const std::string& name = encoder.numeric()[n];
    const auto sentinel = source.sentinels.find(name);
    html += NumericField(
        name, encoder.numeric_ranges()[n],
        sentinel == source.sentinels.end() ? std::nullopt : std::optional<double>(sentinel->second),
        request.Query(name));
  }
  return html +
         "<div class=\"actions\"><button type=\"submit\">Score this client</button>"
         "<a href=\"/\">Clear the form</a><span class=\"muted\">A field left empty is unknown "
         "(NULL), as in the database.</span></div>\n</form>\n";
}

// The client of the submitted form, scored; or the reason it could not be.
std::string SubmittedResult(const ServingSnapshot& snapshot, const Config& config,
                            const HttpRequest& request, int& status) {
  try {
    const ClientInput client = ClientFromQuery(request, config.source);
    const ScoredClients scored =
        ScoreClients(*snapshot.model, snapshot.decision, config.source, {client},
                     snapshot.segments.get(), config.scoring.explain_top);
    if (!scored.clients[0].rejection.empty()) {
      status = 400;
      return "<p class=\"error\">This client cannot be scored: " +
             EscapeHtml(scored.clients[0].rejection) + "</p>";
    }
    return ScoreResultHtml(scored, 0);
  } catch (const InputError& e) {
    status = 400;
    return "<p class=\"error\" id=\"input-error\">" + EscapeHtml(e.what()) + "</p>";
  }
}

// The stored latest prediction of the key asked for in the lookup form.
std::string StoredLookup(ServiceContext& ctx, const std::string& text) {
  const std::string& key_name = ctx.config.source.key;
  const std::optional<std::int64_t> key = ParseInt64(text);
  if (!key) return "<p class=\"error\">" + EscapeHtml(key_name) + " must be an integer.</p>";
  try {
    const auto stored = ctx.db.Use([&](Database& db) -> std::optional<PredictionRecord> {
      if (!db.TableExists(ctx.config.results.table)) return std::nullopt;
      return db.LatestPrediction(*key);
    });
    if (!stored)
      return "<p class=\"note\">No stored prediction for " + EscapeHtml(key_name) + " " +
             EscapeHtml(text) + ".</p>";
    return "<div class=\"result\" id=\"stored\"><p>Stored prediction of " + EscapeHtml(key_name) +
           " " + EscapeHtml(text) +
           ": probability <strong id=\"stored-probability\" data-value=\"" +
           FormatDouble(stored->probability) + "\">" + report::FormatFixed(stored->probability, 4) +
           "</strong>, label " + std::to_string(stored->label) + " at threshold " +
           report::FormatFixed(stored->threshold, 4) + " (model " +
           EscapeHtml(stored->model_version) + ", run " + std::to_string(stored->run_id) + ", " +
           EscapeHtml(stored->scored_at) + ")</p></div>";
  } catch (const DatabaseError& e) {
    return "<p class=\"error\">The database is unavailable: " + EscapeHtml(e.what()) + "</p>";
  }
}

std::string LookupForm(const std::string& key_name, const std::string* value) {
  return "<form method=\"get\" action=\"/\" class=\"lookup\"><label for=\"lookup\">Stored "
         "prediction of " +
         EscapeHtml(key_name) + "</label> <input type=\"number\" id=\"lookup\" name=\"" +
         EscapeHtml(key_name) + "\" value=\"" + EscapeHtml(value ? *value : "") +
         "\"> <button type=\"submit\">Look up</button></form>\n";
}

}  // namespace

std::string ScoreResultHtml(const ScoredClients& scored, std::size_t index) {
  const ClientResult& c = scored.clients[index];
  const std::string verdict = c.label == 1 ? "likely to subscribe: call" : "unlikely to subscribe";
  std::string html = "<section class=\"result" + std::string(c.label == 1 ? " positive" : "") +
                     "\" id=\"result\"><div class=\"big\">Probability <output id=\"probability\" "
                     "data-value=\"" +
                     FormatDouble(c.probability) + "\">" + report::FormatFixed(c.probability, 4) +
                     "</output> (" + report::FormatPercent(c.probability) +
                     ")</div>\n<p>Label <strong id=\"label\">" + std::to_string(c.label) +
                     "</strong>, " + verdict + ", at the current threshold " +
                     report::FormatFixed(scored.decision.threshold, 4) + " (model " +
                     EscapeHtml(scored.model_version) + ").</p>\n";
  for (const std::string& warning : c.warnings)
    html += "<p class=\"note\">" + EscapeHtml(warning) + "</p>\n";
  if (c.segment) {
    html += "<p>Segment " + std::to_string(c.segment->segment) + ": " +
            EscapeHtml(c.segment->description) + "</p>\n";
  }
  html += c.reasons.empty() ? "<p class=\"muted\">Reasons: off (scoring.explain_top is 0 in the "
                              "service's config).</p>\n"
                            : ReasonsChart(c.reasons);
  return html + "</section>\n";
}

HttpResponse HandleFormPage(ServiceContext& ctx, const HttpRequest& request) {
  const ServingSnapshot snapshot = ctx.state.Snapshot();
  if (!snapshot.model) {
    return HtmlResponse(503, RenderMessagePage("Score a client", "/",
                                               "No model is loaded: " + snapshot.model_problem));
  }
  int status = 200;
  std::string content = "<h1>Score a client</h1>\n";
  const std::string* lookup = request.Query(ctx.config.source.key);
  if (lookup != nullptr && !lookup->empty()) content += StoredLookup(ctx, *lookup);
  if (HasClientFields(request, ctx.config.source)) {
    content += SubmittedResult(snapshot, ctx.config, request, status);
  }
  content += "<p class=\"muted\">Model " + EscapeHtml(snapshot.model->metadata.version) +
             ", threshold " + report::FormatFixed(snapshot.decision.threshold, 4) +
             (snapshot.threshold_from_config ? " (scoring.threshold)" : " (from the model)") +
             ". Nothing entered here is stored.</p>\n";
  content += ClientForm(snapshot.model->encoder, ctx.config.source, request);
  content += "<h2>Look up a stored prediction</h2>\n" + LookupForm(ctx.config.source.key, lookup);
  return HtmlResponse(status, RenderPage("Score a client", "/", content));
}

}  // namespace bankscore::service
