#include "model/bundle.h"

#include <filesystem>

#include "bankscore/error.h"
#include "common/files.h"
#include "common/sha256.h"
#include "common/text.h"
#include "model/registry.h"

namespace bankscore {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ScoredSet, keys, labels, scores, raw_scores)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelMetadata, version, content_sha256, created_at, source_table,
                                   label_column, positive_label, feature_columns, training_rows,
                                   original_training_rows, synthetic_rows, validation_rows,
                                   test_rows, threshold, threshold_policy, best_iteration, training,
                                   test_metrics, extra)

namespace fs = std::filesystem;
namespace {

// Format 3 added the calibrator; format 2 bundles load with the identity calibrator.
constexpr int kBundleFormat = 3;
constexpr int kOldestFormat = 2;
constexpr const char* kModelFile = "model.json";
constexpr const char* kMetadataFile = "bundle.json";

std::string ReadBundleFile(const fs::path& path) {
  try {
    return ReadFile(path);
  } catch (const FileError& e) {
    throw ModelError(std::string(e.what()) + " (train a model first: bankscore train)");
  }
}

void CheckScoredSet(const ScoredSet& set, const char* name) {
  if (set.keys.size() != set.labels.size() || set.keys.size() != set.scores.size() ||
      (!set.raw_scores.empty() && set.raw_scores.size() != set.keys.size())) {
    throw ModelError(std::string(name) + " arrays differ in length");
  }
}

void CheckContentHash(const ModelMetadata& m, const std::string& model_text,
                      const FeatureEncoder& encoder, const Calibrator& calibrator,
                      const fs::path& dir) {
  if (ContentHash(model_text, encoder, calibrator) != m.content_sha256) {
    throw ModelError(dir.string() + ": " + kModelFile +
                     ", the encoder or the calibrator does not match the content hash in " +
                     kMetadataFile + " (changed after training); retrain the model");
  }
}

// Everything else LoadBundle checks beyond the JSON's shape; throws ModelError.
void Validate(const ModelBundle& bundle, const fs::path& dir) {
  const ModelMetadata& m = bundle.metadata;
  if (!(m.threshold >= 0 && m.threshold <= 1)) {
    throw ModelError(dir.string() + ": threshold " + std::to_string(m.threshold) +
                     " is not between 0 and 1");
  }
  if (bundle.booster.num_features() != static_cast<int>(bundle.encoder.output_names().size())) {
    throw ModelError(dir.string() + ": " + kModelFile + " expects " +
                     std::to_string(bundle.booster.num_features()) +
                     " features but the encoder makes " +
                     std::to_string(bundle.encoder.output_names().size()));
  }
  CheckScoredSet(bundle.validation, "validation");
  CheckScoredSet(bundle.test, "test");
}

}  // namespace

std::string ContentHash(const std::string& model_json, const FeatureEncoder& encoder,
                        const Calibrator& calibrator) {
  Sha256 hash;
  hash.Add(model_json).Add("\n").Add(encoder.ToJson());
  if (calibrator.method() != Calibrator::Method::kNone) {
    hash.Add("\n").Add(calibrator.ToJson().dump());
  }
  return hash.HexDigest();
}

void SaveBundle(const ModelBundle& bundle, const std::string& directory) {
  nlohmann::json j = bundle.metadata;
  j["format"] = kBundleFormat;
  j["encoded_features"] = bundle.encoder.output_names();
  j["encoder"] = nlohmann::json::parse(bundle.encoder.ToJson());
  j["calibrator"] = bundle.calibrator.ToJson();
  j["validation"] = bundle.validation;
  j["test"] = bundle.test;
  if (bundle.drift) j["drift_reference"] = bundle.drift->ToJson();

  // Write a sibling directory, then swap it in: readers see the old bundle or the new one.
  const fs::path target = fs::absolute(directory);
  const fs::path staging = target.string() + ".new";
  const fs::path previous = target.string() + ".old";
  std::error_code ec;
  fs::remove_all(staging, ec);
  try {
    CreateDirectories(staging);
    WriteFileAtomic(staging / kModelFile, bundle.booster.ToJson());
    WriteFileAtomic(staging / kMetadataFile, j.dump(1));
  } catch (const FileError& e) {
    throw ModelError(e.what());
  }
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
  const std::string where = (dir / kMetadataFile).string();
  try {
    const nlohmann::json j = nlohmann::json::parse(ReadBundleFile(dir / kMetadataFile));
    const int format = j.at("format").get<int>();
    if (format < kOldestFormat || format > kBundleFormat) {
      throw ModelError(where + ": unsupported bundle format " + j.at("format").dump() +
                       " (retrain the model with this version of bankscore)");
    }
    const std::string model_text = ReadBundleFile(dir / kModelFile);
    ModelMetadata metadata = j.get<ModelMetadata>();
    FeatureEncoder encoder = FeatureEncoder::FromJson(j.at("encoder").dump());
    Calibrator calibrator = format >= 3 ? Calibrator::FromJson(j.at("calibrator")) : Calibrator();
    // The hash first: a model.json edited after training never reaches XGBoost's parser, which
    // trusts what it reads (tests/fuzz/README.md).
    CheckContentHash(metadata, model_text, encoder, calibrator, dir);
    std::optional<DriftReference> drift;
    if (j.contains("drift_reference")) {
      drift = DriftReference::FromJson(j.at("drift_reference"), encoder);
    }
    ModelBundle bundle{std::move(metadata),
                       std::move(encoder),
                       Booster::FromJson(model_text),
                       j.at("validation").get<ScoredSet>(),
                       j.at("test").get<ScoredSet>(),
                       std::move(calibrator),
                       std::move(drift)};
    Validate(bundle, dir);
    return bundle;
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("invalid " + where + ": " + e.what());
  }
}

ModelMetadata LoadBundleMetadata(const std::string& directory) {
  const std::string where = (fs::path(directory) / kMetadataFile).string();
  try {
    return nlohmann::json::parse(ReadBundleFile(where)).get<ModelMetadata>();
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("invalid " + where + ": " + e.what());
  }
}

void CheckBundleMatchesSource(const ModelBundle& bundle, const SourceConfig& source,
                              const std::string& directory) {
  if (bundle.encoder.categorical() != source.categorical ||
      bundle.encoder.numeric() != source.numeric) {
    throw ConfigError("source.features: the model at " + directory + " was trained on [" +
                      Join(bundle.metadata.feature_columns) + "] but the config lists [" +
                      Join(source.FeatureColumns()) +
                      "]; retrain (bankscore train) or fix the config");
  }
}

ModelBundle LoadConfiguredModel(const Config& config) {
  const std::string directory = ResolveModelDirectory(config.model.path);
  ModelBundle bundle = LoadBundle(directory);
  CheckBundleMatchesSource(bundle, config.source, directory);
  bundle.booster.SetThreads(config.scoring.PredictParallelism().threads_per_worker);
  return bundle;
}

Decision EffectiveDecision(const ModelBundle& bundle, const ScoringConfig& scoring) {
  return Decision{scoring.threshold.value_or(bundle.metadata.threshold)};
}

}  // namespace bankscore
