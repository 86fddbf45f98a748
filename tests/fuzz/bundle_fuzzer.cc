// Fuzz target: the model bundle loader (LoadBundle, src/model/bundle.cc), with the encoder and the
// calibrator it parses from bundle.json and the XGBoost model it loads from model.json.
//
// Input: bundle.json's bytes, then a line "=== model.json ===", then model.json's bytes (no such
// line: all of it is bundle.json and model.json is empty). Both are written to a temporary bundle
// directory and loaded from there, as bankscore loads a model.
//
// The content hash makes almost every mutation a refused bundle (as it should be), so a bundle.json
// whose content_sha256 is "reseal" gets the right hash of its model.json, encoder and calibrator
// before it is written: such inputs reach what LoadBundle does after the hash check, as a bundle
// written by a faulty trainer would. ModelError is the expected refusal; any other exception, a
// crash, a hang or a sanitizer report is a finding. A bundle that loads must score: one all-NULL
// row and one all-zero row, through the booster and the calibrator, to probabilities in [0, 1].
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"
#include "fuzz_support.h"
#include "model/bundle.h"

namespace {

constexpr std::string_view kModelSeparator = "\n=== model.json ===\n";

// One directory for the whole run, removed at exit.
const std::filesystem::path& BundleDirectory() {
  static const std::filesystem::path directory = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "bundle_fuzz.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) bankscore::fuzz::Fail("mkdtemp failed");
    std::atexit([] { std::filesystem::remove_all(BundleDirectory()); });
    return std::filesystem::path(pattern);
  }();
  return directory;
}

// bundle.json with the right content hash when it asks for one (above), else as it is.
std::string Resealed(const std::string& bundle_json, const std::string& model_json) {
  try {
    nlohmann::json j = nlohmann::json::parse(bundle_json);
    if (!j.is_object() || j.value("content_sha256", nlohmann::json()) != "reseal") {
      return bundle_json;
    }
    const bool calibrated = j.at("format").get<int>() >= 3;
    j["content_sha256"] = bankscore::ContentHash(
        model_json, bankscore::FeatureEncoder::FromJson(j.at("encoder").dump()),
        calibrated ? bankscore::Calibrator::FromJson(j.at("calibrator")) : bankscore::Calibrator());
    return j.dump(1);
  } catch (const nlohmann::json::exception&) {
    return bundle_json;  // LoadBundle refuses it too
  } catch (const bankscore::ModelError&) {
    return bundle_json;
  }
}

void CheckScores(const bankscore::ModelBundle& bundle) {
  const std::size_t width = bundle.encoder.output_names().size();
  std::vector<float> rows(2 * width, std::nanf(""));
  std::fill(rows.begin() + static_cast<std::ptrdiff_t>(width), rows.end(), 0.0f);
  std::vector<double> scores;
  bundle.booster.PredictDense(rows.data(), 2, width, scores);
  if (scores.size() != 2) bankscore::fuzz::Fail("PredictDense did not give one score per row");
  for (const double probability : bundle.calibrator.Apply(scores)) {
    if (!(probability >= 0 && probability <= 1)) {
      bankscore::fuzz::Fail("a loaded bundle scores a row " + std::to_string(probability));
    }
  }
}

// Plain writes: WriteFileAtomic's fsync would cost more than the load.
void WriteBundleFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) bankscore::fuzz::Fail("cannot write " + path.string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find(kModelSeparator);
  const std::string model_json =
      split == std::string::npos ? std::string() : input.substr(split + kModelSeparator.size());
  const std::string bundle_json = Resealed(input.substr(0, split), model_json);

  const std::filesystem::path& directory = BundleDirectory();
  WriteBundleFile(directory / "bundle.json", bundle_json);
  WriteBundleFile(directory / "model.json", model_json);
  try {
    bankscore::ModelBundle bundle = bankscore::LoadBundle(directory.string());
    bundle.booster.SetThreads(1);
    CheckScores(bundle);
  } catch (const bankscore::ModelError&) {
    // The expected refusal.
  }
  return 0;
}
