// Synthetic bank clients for unit tests: a small source table `clients` (key `id`, label `y`,
// features job, age and pdays with the sentinel 999) whose label a model can learn, the config
// that describes it, and small real models trained on it once per test process (TrainModel over a
// FakeDatabase, saved with SaveBundle).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/bundle.h"

namespace spdlog {
class logger;
}

namespace bankscore::testing {

// What a test varies in the clients config.
struct ClientsSettings {
  std::string model_path = "unused-model";
  std::vector<std::string> numeric = {"age", "pdays"};  // job is always the categorical feature
  std::size_t batch_size = 100;
  std::string scoring_yaml;  // more lines under `scoring:`, each indented two spaces
  int connect_attempts = 3;  // retry_backoff is 1ms
};

// The config file text, and the parsed config (source name "test.yaml").
std::string ClientsYaml(const ClientsSettings& settings = {});
Config ClientsConfig(const ClientsSettings& settings = {});

// The clients table's columns, in table order: id, job, age, pdays, y.
std::vector<ColumnSpec> ClientColumns();
// `n` clients with keys first_key, first_key + 1, ...; the same keys always get the same values.
RowBatch SyntheticClients(std::int64_t first_key, int n);
// Creates the clients table (key `id`) if missing and inserts SyntheticClients(first_key, n).
void AddClients(Database& db, std::int64_t first_key, int n);

// A model trained on 300 synthetic clients with `numeric` (and job) as features, saved to a
// directory that lives as long as the process. Trained once per feature list.
struct TrainedModel {
  std::string path;
  const ModelBundle* bundle = nullptr;
};
const TrainedModel& SyntheticModel(const std::vector<std::string>& numeric = {"age", "pdays"});

// SyntheticModel() as the service publishes models: shared, never deleted (it lives as long as the
// process).
std::shared_ptr<const ModelBundle> SharedSyntheticModel();

// Row `row` of a SyntheticClients batch as the HTTP API takes a client: its key and features,
// without the label.
nlohmann::json ClientRequestJson(const RowBatch& batch, std::size_t row);

// A logger that drops everything.
spdlog::logger& QuietLogger();

}  // namespace bankscore::testing
