#include "bankscore/model_bundle.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bankscore/error.h"

namespace bankscore {
namespace fs = std::filesystem;
namespace {

constexpr int kBundleFormat = 1;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("cannot read " + path.string() + " (train a model first: bankscore train)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw ModelError("cannot write " + path.string());
}

nlohmann::json ToJson(const ScoredSet& set) {
  return {{"keys", set.keys}, {"labels", set.labels}, {"scores", set.scores}};
}

ScoredSet ScoredSetFromJson(const nlohmann::json& j) {
  ScoredSet set;
  set.keys = j.at("keys").get<std::vector<std::int64_t>>();
  set.labels = j.at("labels").get<std::vector<int>>();
  set.scores = j.at("scores").get<std::vector<double>>();
  if (set.keys.size() != set.labels.size() || set.keys.size() != set.scores.size()) {
    throw ModelError("holdout arrays differ in length");
  }
  return set;
}

}  // namespace

void SaveBundle(const ModelBundle& bundle, const std::string& directory) {
  const ModelMetadata& m = bundle.metadata;
  nlohmann::json j;
  j["format"] = kBundleFormat;
  j["version"] = m.version;
  j["created_at"] = m.created_at;
  j["source_table"] = m.source_table;
  j["label_column"] = m.label_column;
  j["positive_label"] = m.positive_label;
  j["feature_columns"] = m.feature_columns;
  j["encoded_features"] = bundle.encoder.output_names();
  j["training_rows"] = m.training_rows;
  j["original_training_rows"] = m.original_training_rows;
  j["synthetic_rows"] = m.synthetic_rows;
  j["validation_rows"] = m.validation_rows;
  j["test_rows"] = m.test_rows;
  j["threshold"] = m.threshold;
  j["threshold_policy"] = m.threshold_policy;
  j["best_iteration"] = m.best_iteration;
  j["training"] = m.training;
  j["test_metrics"] = m.test_metrics;
  j["extra"] = m.extra;
  j["encoder"] = nlohmann::json::parse(bundle.encoder.ToJson());
  j["validation"] = ToJson(bundle.validation);
  j["test"] = ToJson(bundle.test);

  // Write a sibling directory, then swap it in: readers see the old bundle or the new one.
  const fs::path target = fs::absolute(directory);
  const fs::path staging = target.string() + ".new";
  const fs::path previous = target.string() + ".old";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) throw ModelError("cannot create " + staging.string() + ": " + ec.message());
  WriteFile(staging / "model.json", bundle.booster.ToJson());
  WriteFile(staging / "bundle.json", j.dump(1));
  fs::remove_all(previous, ec);
  if (fs::exists(target)) {
    fs::rename(target, previous, ec);
    if (ec) throw ModelError("cannot move old bundle aside: " + ec.message());
  }
  fs::rename(staging, target, ec);
  if (ec) throw ModelError("cannot install bundle at " + target.string() + ": " + ec.message());
  fs::remove_all(previous, ec);
}

ModelBundle LoadBundle(const std::string& directory) {
  const fs::path dir(directory);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(dir / "bundle.json"));
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("invalid " + (dir / "bundle.json").string() + ": " + e.what());
  }
  try {
    if (j.at("format").get<int>() != kBundleFormat) {
      throw ModelError((dir / "bundle.json").string() + ": unsupported bundle format " +
                       j.at("format").dump());
    }
    ModelMetadata m;
    m.version = j.at("version").get<std::string>();
    m.created_at = j.at("created_at").get<std::string>();
    m.source_table = j.at("source_table").get<std::string>();
    m.label_column = j.at("label_column").get<std::string>();
    m.positive_label = j.at("positive_label").get<std::string>();
    m.feature_columns = j.at("feature_columns").get<std::vector<std::string>>();
    m.training_rows = j.at("training_rows").get<std::int64_t>();
    m.original_training_rows = j.at("original_training_rows").get<std::int64_t>();
    m.synthetic_rows = j.at("synthetic_rows").get<std::int64_t>();
    m.validation_rows = j.at("validation_rows").get<std::int64_t>();
    m.test_rows = j.at("test_rows").get<std::int64_t>();
    m.threshold = j.at("threshold").get<double>();
    m.threshold_policy = j.at("threshold_policy").get<std::string>();
    m.best_iteration = j.at("best_iteration").get<int>();
    m.training = j.at("training");
    m.test_metrics = j.at("test_metrics");
    m.extra = j.value("extra", nlohmann::json::object());
    FeatureEncoder encoder = FeatureEncoder::FromJson(j.at("encoder").dump());
    Booster booster = Booster::FromJson(ReadFile(dir / "model.json"));
    if (booster.num_features() != static_cast<int>(encoder.output_names().size())) {
      throw ModelError(dir.string() + ": model.json expects " +
                       std::to_string(booster.num_features()) + " features but the encoder makes " +
                       std::to_string(encoder.output_names().size()));
    }
    return ModelBundle{std::move(m), std::move(encoder), std::move(booster),
                       ScoredSetFromJson(j.at("validation")), ScoredSetFromJson(j.at("test"))};
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("invalid " + (dir / "bundle.json").string() + ": " + e.what());
  }
}

void CheckBundleMatchesSource(const ModelBundle& bundle, const SourceConfig& source,
                              const std::string& directory) {
  const auto configured = source.FeatureColumns();
  if (bundle.encoder.categorical() != source.categorical ||
      bundle.encoder.numeric() != source.numeric) {
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
      return out;
    };
    throw ConfigError("source.features: the model at " + directory + " was trained on [" +
                      join(bundle.metadata.feature_columns) + "] but the config lists [" +
                      join(configured) + "]; retrain (bankscore train) or fix the config");
  }
}

double EffectiveThreshold(const ModelBundle& bundle, const ScoringConfig& scoring) {
  return scoring.threshold.value_or(bundle.metadata.threshold);
}

}  // namespace bankscore
