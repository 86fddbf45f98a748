// bankscore segment's report: the marketing analyst's view of one segmentation version.
#include "report/segments_report.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "bankscore/error.h"
#include "common/text.h"
#include "report/segment_charts.h"
#include "report/svg_chart.h"

namespace bankscore {
namespace {

using report::AxisSpec;
using report::FormatCount;
using report::FormatFixed;
using report::FormatPercent;
using report::Md;
using report::NoteKind;
using report::ReportDocument;
using report::Table;

constexpr std::size_t kTopLoadings = 12;
constexpr std::size_t kComponentsShown = 10;

OutcomeName OutcomeOf(const SegmentsReportInput& in) { return {in.label, in.positive_label}; }

std::string Outcome(const SegmentsReportInput& in) {
  return "`" + Md(in.label) + "` = \"" + Md(in.positive_label) + "\"";
}

std::string OptionalPercent(const std::optional<double>& v) {
  return v ? FormatPercent(*v) : "n/a";
}

std::string OptionalFixed(const std::optional<double>& v, int decimals) {
  return v ? FormatFixed(*v, decimals) : "n/a";
}

std::string ChoiceText(const SegmentsReportInput& in) {
  const SegmentationModel& m = in.model;
  const KCandidate& chosen = m.Chosen();
  const std::string silhouette = FormatFixed(chosen.silhouette, 3);
  if (!m.k_auto) {
    return "k = " + std::to_string(m.k) + " was fixed (segmentation.k or --k); its mean " +
           "silhouette is " + silhouette + ".";
  }
  return "k = " + std::to_string(m.k) + " was chosen automatically: the best mean silhouette (" +
         silhouette + ") of k = " + std::to_string(m.candidates.front().k) + " to " +
         std::to_string(m.candidates.back().k) + ".";
}

ReportDocument StartDocument(const SegmentsReportInput& in) {
  ReportDocument doc("Customer segments: " + in.model.version);
  doc.AddMeta("Data", DataSourceText(in.report, in.source_table, in.label, in.positive_label));
  doc.AddMeta("Segmentation", "version `" + Md(in.model.version) + "`, " +
                                  std::to_string(in.model.k) + " segments, fitted " +
                                  Md(in.fitted_at) + " on table `" + Md(in.source_table) + "`");
  doc.AddMeta("Generated", Md(in.generated_at) + " (UTC)");
  return doc;
}

void SummarySection(ReportDocument& doc, const SegmentsReportInput& in) {
  const SegmentProfile& all = in.profiles.overall;
  doc.BeginSection("summary", "Summary");
  doc.AddParagraph(
      FormatCount(all.size) + " clients of `" + Md(in.source_table) + "` in **" +
      std::to_string(in.model.k) + " segments**. " + ChoiceText(in) + " Overall: " +
      (all.description.empty() ? "no labels or predictions yet" : Md(all.description)) + ".");
  std::vector<std::string> items;
  for (const SegmentProfile& p : in.profiles.segments) {
    items.push_back("**Segment " + std::to_string(p.segment) + "** (" + FormatPercent(p.share) +
                    ", " + FormatCount(p.size) + "): " + Md(p.description));
  }
  doc.AddList(items);
}

report::LineChartSpec CurveChart(const SegmentsReportInput& in, bool silhouette) {
  report::LineChartSpec spec;
  spec.id = silhouette ? "silhouette-curve" : "elbow-curve";
  spec.title = silhouette ? "Mean silhouette by k (higher is better)"
                          : "Inertia by k (elbow: where the curve flattens)";
  spec.layout.width = report::kHalfRowChartWidth;
  spec.x_axis.label = "k (number of segments)";
  spec.y_axis.label = silhouette ? "mean silhouette" : "inertia (sum of squared distances)";
  report::Series s{silhouette ? "silhouette" : "inertia", {}, {}, report::kPalette[0]};
  s.show_points = true;
  for (const KCandidate& c : in.model.candidates) {
    s.x.push_back(c.k);
    s.y.push_back(silhouette ? c.silhouette : c.inertia);
  }
  spec.series = {s};
  spec.markers = {{static_cast<double>(in.model.k), "chosen k = " + std::to_string(in.model.k),
                   report::kPalette[1]}};
  return spec;
}

Table CandidatesTable(const SegmentsReportInput& in) {
  Table t;
  t.header = {"k", "inertia", "mean silhouette", "Lloyd iterations", ""};
  t.numeric = {true, true, true, true, false};
  for (const KCandidate& c : in.model.candidates) {
    t.rows.push_back({std::to_string(c.k), FormatFixed(c.inertia, 1), FormatFixed(c.silhouette, 4),
                      std::to_string(c.iterations), c.k == in.model.k ? "**chosen**" : ""});
  }
  return t;
}

void ChoiceSection(ReportDocument& doc, const SegmentsReportInput& in) {
  const SegmentationModel& m = in.model;
  doc.BeginSection("choosing-k", "Choosing k");
  doc.AddParagraph(
      ChoiceText(in) + " For each k, K-means++ and Lloyd iterations ran " +
      std::to_string(m.n_init) + " times (seed " + std::to_string(m.seed) +
      ") on the fitting sample of " + FormatCount(static_cast<std::int64_t>(m.rows_fitted)) +
      " rows and kept the lowest inertia. The silhouette is computed on the first " +
      FormatCount(static_cast<std::int64_t>(m.silhouette_rows)) +
      " rows of the sample (a random subsample; segmentation.silhouette_sample), because it "
      "costs the square of the rows.");
  doc.AddFigure(report::LineChart(CurveChart(in, false)),
                "Inertia falls with every k; a bend (elbow) suggests where more segments stop "
                "paying off.");
  doc.AddFigure(report::LineChart(CurveChart(in, true)),
                "The mean silhouette compares each client's distance to its own segment with the "
                "nearest other one: 1 is perfectly separated, 0 on the border.");
  doc.AddTable(CandidatesTable(in));
}

Table SegmentsTable(const SegmentsReportInput& in) {
  Table t;
  t.header = {"segment", "clients", "share", "positive rate", "mean probability", "description"};
  t.numeric = {true, true, true, true, true, false};
  for (const SegmentProfile& p : in.profiles.segments) {
    t.rows.push_back({std::to_string(p.segment), FormatCount(p.size), FormatPercent(p.share),
                      OptionalPercent(p.positive_rate), OptionalFixed(p.mean_probability, 3),
                      Md(p.description)});
  }
  const SegmentProfile& all = in.profiles.overall;
  t.rows.push_back({"all", FormatCount(all.size), FormatPercent(1.0),
                    OptionalPercent(all.positive_rate), OptionalFixed(all.mean_probability, 3),
                    ""});
  t.caption = "Positive rate: share of the labelled clients with " + Outcome(in) +
              ". Mean probability: of each client's latest prediction.";
  return t;
}

void SegmentsSection(ReportDocument& doc, const SegmentsReportInput& in) {
  doc.BeginSection("segments", "Segments");
  doc.AddTable(SegmentsTable(in));
  const SegmentProfile& all = in.profiles.overall;
  if (!all.positive_rate) doc.AddNote(NoteKind::kInfo, "No labelled rows: no positive rates.");
  if (!all.mean_probability) {
    doc.AddNote(NoteKind::kInfo,
                "No predictions yet: run `bankscore score`, then `bankscore segment --assign` "
                "to refresh the profiles with mean probabilities.");
  }
  doc.AddFigure(report::BarChart(report::SegmentSizeChart(in.profiles)),
                "Share of all segmented clients per segment.");
  doc.AddFigure(report::BarChart(report::SegmentRateChart(in.profiles, OutcomeOf(in), false)),
                "The dashed line is the rate over all segmented clients.");
  if (all.mean_probability) {
    doc.AddFigure(report::BarChart(report::SegmentRateChart(in.profiles, OutcomeOf(in), true)),
                  "Mean of the latest predicted probabilities; the dashed line is all clients.");
  }
}

Table VarianceTable(const SegmentationPicture& p) {
  Table t;
  t.header = {"component", "explained variance", "cumulative"};
  t.numeric = {true, true, true};
  double cumulative = 0;
  for (std::size_t i = 0; i < p.explained_variance_ratio.size() && i < kComponentsShown; ++i) {
    cumulative += p.explained_variance_ratio[i];
    t.rows.push_back({"PC" + std::to_string(i + 1), FormatPercent(p.explained_variance_ratio[i]),
                      FormatPercent(cumulative)});
  }
  return t;
}

// The encoded columns with the largest loadings (in absolute value) on either of the two axes.
Table LoadingsTable(const SegmentationPicture& p) {
  std::vector<std::size_t> order(std::min(p.names.size(), p.loadings1.size()));
  std::iota(order.begin(), order.end(), 0);
  const auto weight = [&p](std::size_t i) {
    return std::max(std::abs(p.loadings1[i]),
                    i < p.loadings2.size() ? std::abs(p.loadings2[i]) : 0);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return weight(a) > weight(b); });
  Table t;
  t.header = {"encoded column", "PC1 loading", "PC2 loading"};
  t.numeric = {false, true, true};
  for (std::size_t i = 0; i < order.size() && i < kTopLoadings; ++i) {
    const std::size_t c = order[i];
    t.rows.push_back({"`" + Md(p.names[c]) + "`", FormatFixed(p.loadings1[c], 3),
                      c < p.loadings2.size() ? FormatFixed(p.loadings2[c], 3) : "n/a"});
  }
  t.caption = "The " + std::to_string(t.rows.size()) +
              " encoded columns that weigh most on PC1 or PC2 (unit-length axes).";
  return t;
}

void PcaSection(ReportDocument& doc, const SegmentsReportInput& in) {
  const SegmentationPicture& p = in.model.picture;
  doc.BeginSection("pca", "The segments in two dimensions (PCA)");
  doc.AddParagraph("Principal component analysis (SVD) of the standardised fitting sample. " +
                   FormatCount(static_cast<std::int64_t>(p.points.size())) +
                   " sample clients are drawn, coloured by segment; the large dots are the "
                   "segment centres. Two components show only part of the variance, so segments "
                   "that overlap here can be apart in the other dimensions.");
  doc.AddFigure(report::ScatterChart(report::SegmentPcaChart(in.model)), "PC1 against PC2.");
  doc.AddTable(VarianceTable(p));
  doc.AddTable(LoadingsTable(p));
}

// Rows: the columns; cells: mean or top category (share) per segment and overall.
Table ProfilesTable(const SegmentsReportInput& in) {
  Table t;
  t.header = {"column", "all"};
  for (const SegmentProfile& p : in.profiles.segments)
    t.header.push_back(std::to_string(p.segment));
  t.numeric.assign(t.header.size(), true);
  t.numeric[0] = false;
  const auto cell_of = [](const SegmentProfile& p, std::size_t row, bool numeric) {
    if (numeric) {
      const std::optional<double>& mean = p.numeric[row].mean;
      return mean ? report::FormatSignificant(*mean, 4) : std::string("n/a");
    }
    const CategoryProfile& c = p.categorical[row];
    return c.top.empty() ? std::string("n/a") : Md(c.top) + " (" + FormatPercent(c.share, 0) + ")";
  };
  const SegmentProfile& all = in.profiles.overall;
  for (int pass = 0; pass < 2; ++pass) {
    const bool numeric = pass == 1;
    const std::size_t rows = numeric ? all.numeric.size() : all.categorical.size();
    for (std::size_t r = 0; r < rows; ++r) {
      std::vector<std::string> row = {
          "`" + Md(numeric ? all.numeric[r].column : all.categorical[r].column) + "`",
          cell_of(all, r, numeric)};
      for (const SegmentProfile& p : in.profiles.segments) row.push_back(cell_of(p, r, numeric));
      t.rows.push_back(std::move(row));
    }
  }
  t.caption =
      "Categorical columns: the most frequent value and its share; numeric columns: the "
      "mean (sentinel values such as pdays = 999 and values outside source.ranges left out).";
  return t;
}

void ProfilesSection(ReportDocument& doc, const SegmentsReportInput& in) {
  doc.BeginSection("profiles", "Segment profiles");
  doc.AddParagraph(
      "A description names up to three traits where the segment differs most from all clients, "
      "by at least half a standard deviation: a numeric mean, or a category held by at least 15% "
      "of the segment. Numeric columns were standardised and categorical ones one-hot encoded "
      "(weight 1: two clients in different categories are as far apart as two clients whose "
      "values differ by one standard deviation in each of two numeric columns).");
  doc.AddTable(ProfilesTable(in));
}

// A query as one code span per clause: code does not wrap, so a long query wraps between clauses.
std::string Query(const std::vector<std::string>& clauses) {
  std::vector<std::string> spans;
  for (const std::string& clause : clauses) spans.push_back("`" + clause + "`");
  return Join(spans, " ");
}

void QuerySection(ReportDocument& doc, const SegmentsReportInput& in) {
  doc.BeginSection("sql", "Querying the segments");
  doc.AddParagraph("Every client's segment is in `" + Md(in.segments_table) +
                   "` (one row per client and segmentation version), the profiles in `" +
                   Md(in.profiles_table) + "`, and the view `" + Md(in.view) +
                   "` joins each client's latest prediction with its segment in the current "
                   "segmentation:");
  const std::string view = Md(in.view);
  doc.AddList({"Whom to call first, segment by segment: " +
                   Query({"SELECT segment, source_key, probability", "FROM " + view,
                          "ORDER BY segment, probability DESC;"}),
               "The best-scored 10% of segment 1: " +
                   Query({"SELECT source_key, probability FROM (SELECT source_key, probability,",
                          "NTILE(10) OVER (ORDER BY probability DESC) AS decile",
                          "FROM " + view + " WHERE segment = 1) AS t", "WHERE decile = 1;"}),
               "What the segments are: " +
                   Query({"SELECT segment, size, positive_rate, mean_probability, description",
                          "FROM " + Md(in.profiles_table),
                          "WHERE segmentation_version = '" + Md(in.model.version) + "'",
                          "ORDER BY segment;"})});
}

}  // namespace

RenderedReport RenderSegmentsReport(const SegmentsReportInput& in) {
  if (in.model.candidates.empty() || in.model.k < 1) {
    throw DataError("segments report: the segmentation has no segments");
  }
  ReportDocument doc = StartDocument(in);
  SummarySection(doc, in);
  SegmentsSection(doc, in);
  ChoiceSection(doc, in);
  PcaSection(doc, in);
  ProfilesSection(doc, in);
  QuerySection(doc, in);
  doc.SetFooter("Generated by bankscore segment at " + Md(in.generated_at) +
                " from segmentation `" + Md(in.model.version) + "`. Data: " +
                DataSourceText(in.report, in.source_table, in.label, in.positive_label));
  return {doc.RenderHtml(), doc.RenderMarkdown()};
}

}  // namespace bankscore
