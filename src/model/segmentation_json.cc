// SegmentationModel to and from the JSON stored with each segmentation version (the models table
// of segmentation.models_table): the model itself, and how it was fitted.
#include <cmath>

#include "bankscore/error.h"
#include "model/segmentation.h"

namespace bankscore {
namespace {

constexpr int kFormat = 1;

// Picture coordinates to 4 decimals: plenty for a chart, and a third of the text.
double Rounded(double v) { return std::round(v * 1e4) / 1e4; }

nlohmann::json PictureJson(const SegmentationPicture& p) {
  nlohmann::json points = nlohmann::json::array();
  for (const ScatterPoint& point : p.points) {
    points.push_back({Rounded(point.x), Rounded(point.y), point.segment});
  }
  nlohmann::json centroids = nlohmann::json::array();
  for (const auto& [x, y] : p.centroids) centroids.push_back({Rounded(x), Rounded(y)});
  return {{"explained_variance_ratio", p.explained_variance_ratio},
          {"names", p.names},
          {"loadings", {p.loadings1, p.loadings2}},
          {"points", points},
          {"centroids", centroids}};
}

SegmentationPicture PictureFromJson(const nlohmann::json& j) {
  SegmentationPicture p;
  p.explained_variance_ratio = j.at("explained_variance_ratio").get<std::vector<double>>();
  p.names = j.at("names").get<std::vector<std::string>>();
  p.loadings1 = j.at("loadings").at(0).get<std::vector<double>>();
  p.loadings2 = j.at("loadings").at(1).get<std::vector<double>>();
  for (const auto& point : j.at("points")) {
    p.points.push_back(
        {point.at(0).get<double>(), point.at(1).get<double>(), point.at(2).get<int>()});
  }
  for (const auto& c : j.at("centroids")) {
    p.centroids.emplace_back(c.at(0).get<double>(), c.at(1).get<double>());
  }
  return p;
}

void ReadModel(const nlohmann::json& j, SegmentationModel& m) {
  if (j.at("format").get<int>() != kFormat) {
    throw ModelError("segmentation model format " + j.at("format").dump() + " is not " +
                     std::to_string(kFormat) + " (segment again with this version of bankscore)");
  }
  m.k = j.at("k").get<int>();
  m.encoder = SegmentEncoder::FromJson(j.at("encoder"));
  const auto rows = j.at("centroids").get<std::vector<std::vector<double>>>();
  const auto width = static_cast<Eigen::Index>(m.encoder.width());
  if (static_cast<int>(rows.size()) != m.k) throw ModelError("segmentation model: not k centroids");
  m.centroids.resize(m.k, width);
  for (Eigen::Index s = 0; s < m.k; ++s) {
    const auto& row = rows[static_cast<std::size_t>(s)];
    if (static_cast<Eigen::Index>(row.size()) != width) {
      throw ModelError("segmentation model: a centroid's width differs from the encoder's");
    }
    for (Eigen::Index c = 0; c < width; ++c) m.centroids(s, c) = row[static_cast<std::size_t>(c)];
  }
}

void ReadDiagnostics(const nlohmann::json& j, SegmentationModel& m) {
  m.k_auto = j.at("k_auto").get<bool>();
  for (const auto& c : j.at("candidates")) {
    m.candidates.push_back({c.at("k").get<int>(), c.at("inertia").get<double>(),
                            c.at("silhouette").get<double>(), c.at("iterations").get<int>()});
  }
  m.rows_fitted = j.at("rows_fitted").get<std::size_t>();
  m.silhouette_rows = j.at("silhouette_rows").get<std::size_t>();
  m.seed = j.at("seed").get<std::uint64_t>();
  m.n_init = j.at("n_init").get<int>();
  m.picture = PictureFromJson(j.at("pca"));
}

}  // namespace

nlohmann::json SegmentationModel::ModelJson() const {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index s = 0; s < centroids.rows(); ++s) {
    rows.push_back(std::vector<double>(centroids.row(s).begin(), centroids.row(s).end()));
  }
  return {{"format", kFormat}, {"k", k}, {"encoder", encoder.ToJson()}, {"centroids", rows}};
}

nlohmann::json SegmentationModel::DiagnosticsJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const KCandidate& c : candidates) {
    list.push_back({{"k", c.k},
                    {"inertia", c.inertia},
                    {"silhouette", c.silhouette},
                    {"iterations", c.iterations}});
  }
  return {{"k_auto", k_auto},
          {"candidates", list},
          {"rows_fitted", rows_fitted},
          {"silhouette_rows", silhouette_rows},
          {"seed", seed},
          {"n_init", n_init},
          {"pca", PictureJson(picture)}};
}

SegmentationModel SegmentationModel::FromJson(const std::string& model_json,
                                              const std::string& diagnostics_json) {
  SegmentationModel m;
  try {
    ReadModel(nlohmann::json::parse(model_json), m);
    ReadDiagnostics(nlohmann::json::parse(diagnostics_json), m);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("stored segmentation: malformed JSON: ") + e.what());
  }
  m.version = SegmentationVersion(m);
  return m;
}

}  // namespace bankscore
