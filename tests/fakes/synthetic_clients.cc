#include "fakes/synthetic_clients.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include "fakes/fake_database.h"
#include "jobs/trainer.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;

std::string YamlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + item;
  return out + "]";
}

// Removes the models' directory when the process ends.
struct ModelsDirectory {
  ModelsDirectory() {
    std::random_device random;
    path = fs::temp_directory_path() / ("bankscore-fake-models-" + std::to_string(random()));
    fs::create_directories(path);
  }
  ~ModelsDirectory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

}  // namespace

std::string ClientsYaml(const ClientsSettings& settings) {
  return "database:\n"
         "  path: unused.db\n"
         "  connect_attempts: " +
         std::to_string(settings.connect_attempts) +
         "\n"
         "  retry_backoff: 1ms\n"
         "source:\n"
         "  table: clients\n"
         "  key: id\n"
         "  label: y\n"
         "  features:\n"
         "    categorical: [job]\n"
         "    numeric: " +
         YamlList(settings.numeric) + "\n" +
         (std::find(settings.numeric.begin(), settings.numeric.end(), "pdays") !=
                  settings.numeric.end()
              ? "  sentinels: {pdays: 999}\n"
              : "") +
         "model:\n"
         "  path: " +
         settings.model_path +
         "\n"
         "scoring:\n"
         "  batch_size: " +
         std::to_string(settings.batch_size) + "\n" + settings.scoring_yaml +
         "training:\n"
         "  num_boost_round: 30\n"
         "  early_stopping_rounds: 10\n"
         "  xgboost: {nthread: \"1\"}\n"  // OpenMP threads spin for long in waits on 2 cores
         "logging:\n"
         "  level: info\n";
}

Config ClientsConfig(const ClientsSettings& settings) {
  return ParseConfig(ClientsYaml(settings), "test.yaml");
}

std::vector<ColumnSpec> ClientColumns() {
  return {{"id", ColumnType::kInteger},
          {"job", ColumnType::kText},
          {"age", ColumnType::kInteger},
          {"pdays", ColumnType::kInteger},
          {"y", ColumnType::kText}};
}

RowBatch SyntheticClients(std::int64_t first_key, int n) {
  static const char* const kJobs[] = {"admin.", "technician", "services", "retired", "student"};
  RowBatch batch;
  for (const auto& c : ClientColumns()) batch.columns.push_back(c.name);
  for (std::int64_t key = first_key; key < first_key + n; ++key) {
    std::mt19937 random(static_cast<std::uint32_t>(key));
    const std::string job = kJobs[random() % 5];
    const std::int64_t age = 18 + static_cast<std::int64_t>(random() % 70);
    const std::int64_t pdays = random() % 3 == 0 ? static_cast<std::int64_t>(random() % 30) : 999;
    // Older, retired, student and recently contacted clients subscribe more often; 1 in 8 flipped.
    bool yes = age > 60 || job == "retired" || job == "student" || pdays < 10;
    if (random() % 8 == 0) yes = !yes;
    batch.rows.push_back({key, job, age, pdays, std::string(yes ? "yes" : "no")});
  }
  return batch;
}

void AddClients(Database& db, std::int64_t first_key, int n) {
  db.CreateSourceTable("clients", ClientColumns(), "id");
  db.InsertRows("clients", SyntheticClients(first_key, n));
}

const TrainedModel& SyntheticModel(const std::vector<std::string>& numeric) {
  static std::mutex mutex;
  static ModelsDirectory directory;
  // Never destroyed: XGBoost's own statics may be gone when the process's destructors run.
  static auto& models = *new std::map<std::vector<std::string>,
                                      std::pair<TrainedModel, std::unique_ptr<ModelBundle>>>;
  std::lock_guard<std::mutex> lock(mutex);
  auto& entry = models[numeric];
  if (!entry.second) {
    ClientsSettings settings;
    settings.numeric = numeric;
    const Config config = ClientsConfig(settings);
    FakeDatabase db(config);
    AddClients(db, 1, 300);
    entry.second = std::make_unique<ModelBundle>(TrainModel(db, config, QuietLogger()));
    entry.first.path = (directory.path / ("model-" + std::to_string(models.size()))).string();
    entry.first.bundle = entry.second.get();
    SaveBundle(*entry.second, entry.first.path);
  }
  return entry.first;
}

spdlog::logger& QuietLogger() {
  static auto logger =
      std::make_shared<spdlog::logger>("quiet", std::make_shared<spdlog::sinks::null_sink_mt>());
  return *logger;
}

std::shared_ptr<const ModelBundle> SharedSyntheticModel() {
  return std::shared_ptr<const ModelBundle>(SyntheticModel().bundle, [](const ModelBundle*) {});
}

nlohmann::json ClientRequestJson(const RowBatch& batch, std::size_t row) {
  nlohmann::json client = nlohmann::json::object();
  for (std::size_t c = 0; c < batch.columns.size(); ++c) {
    const Value& v = batch.rows[row][c];
    if (batch.columns[c] == "y") continue;
    if (const auto* i = std::get_if<std::int64_t>(&v)) client[batch.columns[c]] = *i;
    if (const auto* d = std::get_if<double>(&v)) client[batch.columns[c]] = *d;
    if (const auto* s = std::get_if<std::string>(&v)) client[batch.columns[c]] = *s;
  }
  return client;
}

}  // namespace bankscore::testing
