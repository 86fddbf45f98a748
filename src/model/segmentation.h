// Internal: SegmentationModel, a fitted customer segmentation, and FitSegmentation, which fits
// one on a sample of source rows (bankscore segment).
//
// Fitting: the SegmentEncoder (standardised numeric columns, one-hot categoricals) is fitted on
// the sample, K-means (kmeans.h) runs for every k of segmentation.k_range (and the fixed k, if
// one is set), and the mean silhouette of each k is computed on the first
// segmentation.silhouette_sample rows of the sample (silhouette.h). `k: auto` takes the k with
// the best silhouette (the smaller k on a tie). PCA of the encoded sample gives the report's
// pictures. Everything is deterministic for a seed and a sample in the same order, so fitting
// again on the same rows gives the same model and the same version.
//
// The version, "k4-9bd8bf0e1a2c", is k and the first 12 hex digits of the SHA-256 of
// ModelJson(): the encoder and the centroids, everything an assignment depends on. Segments are
// numbered 1..k by their size in the sample, largest first.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/config.h"
#include "bankscore/value.h"
#include "model/segment_encoder.h"

namespace bankscore {

// One k tried: the elbow (inertia) and silhouette curves are made of these.
struct KCandidate {
  int k = 0;
  double inertia = 0;     // on the whole fitting sample
  double silhouette = 0;  // mean, on the silhouette sample
  int iterations = 0;     // Lloyd iterations of the best restart
};

struct ScatterPoint {
  double x = 0;  // first principal component
  double y = 0;  // second
  int segment = 1;
};

// The PCA of the encoded sample, for the report.
struct SegmentationPicture {
  std::vector<double> explained_variance_ratio;      // every component, largest first
  std::vector<std::string> names;                    // encoded columns, as the loadings
  std::vector<double> loadings1, loadings2;          // the first two axes
  std::vector<ScatterPoint> points;                  // a sample of rows
  std::vector<std::pair<double, double>> centroids;  // segment s at index s - 1
};

struct SegmentationModel {
  std::string version;
  int k = 0;
  SegmentEncoder encoder;
  Eigen::MatrixXd centroids;  // k x encoder.width(); row s - 1 is segment s

  // How it was fitted, for the report and the record.
  bool k_auto = true;
  std::vector<KCandidate> candidates;  // every k tried, ascending
  std::size_t rows_fitted = 0;
  std::size_t silhouette_rows = 0;
  std::uint64_t seed = 0;
  int n_init = 0;
  SegmentationPicture picture;

  // The candidate of the chosen k.
  const KCandidate& Chosen() const;
  // The source columns the model reads: categorical, then numeric.
  std::vector<std::string> Columns() const;
  // Segment (1..k) and Euclidean distance to its centroid, in the encoded space, of each row;
  // cells named by `columns` (extra columns are ignored). Throws DataError for a missing column.
  void Assign(const std::vector<std::string>& columns, const std::vector<std::vector<Value>>& rows,
              std::vector<int>& segments, std::vector<double>& distances) const;

  // What assignment needs (encoder and centroids); the version hashes it.
  nlohmann::json ModelJson() const;
  // How it was fitted (candidates, PCA picture).
  nlohmann::json DiagnosticsJson() const;
  // Throws ModelError when either text is not what ModelJson / DiagnosticsJson wrote.
  static SegmentationModel FromJson(const std::string& model_json,
                                    const std::string& diagnostics_json);
};

// "k<k>-" and the first 12 hex digits of the SHA-256 of model.ModelJson().
std::string SegmentationVersion(const SegmentationModel& model);

// Called after each k is fitted, before the silhouettes (which come at the end).
using SegmentationProgress = std::function<void(const KCandidate& candidate)>;

// Fits a segmentation on `rows` (cells named by `columns`), with the features and settings of
// `config`; `screen` holds the source's sentinels and ranges. Throws DataError when the sample
// has no more rows than the largest k (nothing to choose from).
SegmentationModel FitSegmentation(const SegmentationConfig& config, const NumericScreen& screen,
                                  const std::vector<std::string>& columns,
                                  const std::vector<std::vector<Value>>& rows,
                                  const SegmentationProgress& progress = nullptr);

}  // namespace bankscore
