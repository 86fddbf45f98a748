// Writes the bundle target's seeds: a tiny real bundle (an encoder of one categorical and two
// numeric columns with a sentinel, three trees of depth 2, an isotonic calibrator), trained here
// with the library and saved with SaveBundle, in bundle_fuzzer.cc's input format:
//   tiny_sealed          as saved, with its real content hash;
//   tiny_reseal          content_sha256 "reseal" (the fuzzer puts the right hash back);
//   tiny_format2_reseal  format 2: no calibrator (the identity), as older bundles were.
// Usage: make_bundle_seed CORPUS_DIR   (tests/fuzz/corpus/bundle)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "model/bundle.h"

namespace fs = std::filesystem;
using namespace bankscore;

namespace {

void WriteSeed(const fs::path& path, const nlohmann::json& bundle, const std::string& model) {
  std::ofstream(path, std::ios::binary) << bundle.dump(1) << "\n=== model.json ===\n" << model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  SourceConfig source;
  source.categorical = {"job"};
  source.numeric = {"age", "pdays"};
  source.sentinels = {{"pdays", 999}};
  const std::vector<std::string> columns = {"job", "age", "pdays"};
  std::vector<std::vector<Value>> rows;
  std::vector<float> labels;
  for (int i = 0; i < 60; ++i) {
    rows.push_back({std::string(i % 3 == 0 ? "admin." : "services"), std::int64_t{20 + i},
                    std::int64_t{i % 4 == 0 ? 999 : i % 10}});
    labels.push_back(i % 3 == 0 && i > 20 ? 1.0f : 0.0f);
  }
  FeatureEncoder encoder = FeatureEncoder::Fit(source, columns, rows);
  const EncodedRows encoded = encoder.Transform(columns, rows);
  BoosterTrainOptions options;
  options.params = {{"objective", "binary:logistic"},
                    {"max_depth", "2"},
                    {"nthread", "1"},
                    {"eval_metric", "logloss"}};
  options.num_boost_round = 3;
  options.early_stopping_rounds = 0;
  Booster booster =
      Booster::Train(encoded.matrix, labels, {}, encoded.matrix, labels, options).booster;
  const std::vector<double> scores = booster.Predict(encoded.matrix);
  const std::vector<int> int_labels(labels.begin(), labels.end());
  Calibrator calibrator = Calibrator::Fit(Calibrator::Method::kIsotonic, int_labels, scores);
  ModelBundle bundle{ModelMetadata{},    std::move(encoder),
                     std::move(booster), ScoredSet{{1, 2}, {0, 1}, {0.2, 0.7}, {0.1, 0.8}},
                     ScoredSet{},        std::move(calibrator),
                     std::nullopt};

  ModelMetadata& m = bundle.metadata;
  m.version = "20261129T000000Z-fuzzseed";
  m.created_at = "2026-11-29T00:00:00Z";
  m.source_table = "bank_clients";
  m.label_column = "y";
  m.positive_label = "yes";
  m.feature_columns = columns;
  m.training_rows = m.original_training_rows = 60;
  m.threshold = 0.3;
  m.threshold_policy = "f1";
  m.content_sha256 = ContentHash(bundle.booster.ToJson(), bundle.encoder, bundle.calibrator);

  const fs::path directory = fs::temp_directory_path() / "make_bundle_seed";
  SaveBundle(bundle, directory.string());
  nlohmann::json j = nlohmann::json::parse(ReadFile(directory / "bundle.json"));
  const std::string model = ReadFile(directory / "model.json");
  fs::remove_all(directory);

  const fs::path out(argv[1]);
  WriteSeed(out / "tiny_sealed", j, model);
  j["content_sha256"] = "reseal";
  WriteSeed(out / "tiny_reseal", j, model);
  j["format"] = 2;
  j.erase("calibrator");
  WriteSeed(out / "tiny_format2_reseal", j, model);
  std::printf("wrote 3 seeds to %s\n", argv[1]);
  return 0;
}
