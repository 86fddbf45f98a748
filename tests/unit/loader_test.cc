// LoadCsv into a FakeDatabase: keys assigned after the table's largest key, column types inferred
// as documented, and a bad file loads nothing.
#include "ingest/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kThreeClients[] =
    "\"job\";\"age\";\"pdays\";\"y\"\n"
    "\"admin.\";30;999;\"no\"\n"
    "\"retired\";70;5;\"yes\"\n"
    "\"student\";20;999;\"yes\"\n";

class LoaderTest : public ::testing::Test {
 protected:
  LoaderTest() { fs::create_directories(dir_); }
  ~LoaderTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string WriteCsv(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  LoadSummary Load(const std::string& text) {
    return LoadCsv(db_, config_, WriteCsv("load.csv", text), QuietLogger());
  }

  // The key column of the clients table, in insertion order.
  std::vector<std::int64_t> Keys() {
    std::vector<std::int64_t> keys;
    for (const auto& row : db_.TableRows("clients").rows)
      keys.push_back(std::get<std::int64_t>(row[0]));
    return keys;
  }

  const fs::path dir_ =
      fs::temp_directory_path() / ("bankscore-loader-" + std::to_string(std::random_device{}()));
  Config config_ = ClientsConfig();
  FakeDatabase db_{config_};
};

TEST_F(LoaderTest, KeysContinueAfterTheLargestKey) {
  const LoadSummary first = Load(kThreeClients);
  EXPECT_EQ(first.rows_loaded, 3);
  EXPECT_EQ(first.rows_in_table, 3);
  EXPECT_TRUE(first.table_created);
  EXPECT_TRUE(first.keys_assigned);
  EXPECT_THAT(Keys(), ElementsAre(1, 2, 3));

  const LoadSummary second = Load("\"job\";\"age\";\"pdays\";\"y\"\n\"admin.\";41;999;\"no\"\n");
  EXPECT_EQ(second.rows_loaded, 1);
  EXPECT_EQ(second.rows_in_table, 4);
  EXPECT_FALSE(second.table_created);
  EXPECT_THAT(Keys(), ElementsAre(1, 2, 3, 4));
}

TEST_F(LoaderTest, KeysContinueAfterAGapInAnExistingTable) {
  AddClients(db_, 10, 1);  // the table holds key 10 only
  Load(kThreeClients);
  EXPECT_THAT(Keys(), ElementsAre(10, 11, 12, 13));
}

TEST_F(LoaderTest, KeysInTheFileAreKept) {
  const LoadSummary summary = Load(
      "\"id\";\"job\";\"age\";\"pdays\";\"y\"\n7;\"admin.\";30;999;\"no\"\n3;\"a\";1;2;\"y\"\n");
  EXPECT_FALSE(summary.keys_assigned);
  EXPECT_THAT(Keys(), ElementsAre(7, 3));
}

TEST_F(LoaderTest, ColumnTypesAreInferredAndEmptyFieldsAreNull) {
  // Numeric features are REAL whatever the file holds (age is all whole numbers here; a later
  // file may not be), and pdays keeps a text cell as text for the scorer to reject. euribor3m
  // (not a feature): all numbers, one not whole -> REAL. note: text and numbers -> TEXT. An
  // unquoted empty field is NULL; a quoted one is the empty string.
  Load(
      "\"age\";\"job\";\"euribor3m\";\"note\";\"pdays\";\"y\"\n"
      "30;\"admin.\";1.5;\"a\";999;\"no\"\n"
      ";\"\";2;3;\"n/a\";\"yes\"\n");
  const std::vector<ColumnSpec> specs = db_.TableSpecs("clients");
  std::vector<std::string> described;
  for (const auto& c : specs) described.push_back(c.name + " " + ColumnTypeName(c.type));
  EXPECT_THAT(described, ElementsAre("id INTEGER", "age REAL", "job TEXT", "euribor3m REAL",
                                     "note TEXT", "pdays REAL", "y TEXT"));
  const RowBatch rows = db_.TableRows("clients");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_THAT(
      rows.rows[0],
      ElementsAre(Value(std::int64_t{1}), Value(30.0), Value(std::string("admin.")), Value(1.5),
                  Value(std::string("a")), Value(999.0), Value(std::string("no"))));
  EXPECT_THAT(rows.rows[1], ElementsAre(Value(std::int64_t{2}), Value(std::monostate{}),
                                        Value(std::string("")), Value(2.0), Value(std::string("3")),
                                        Value(std::string("n/a")), Value(std::string("yes"))));
}

TEST_F(LoaderTest, MalformedFileLoadsNothing) {
  Load(kThreeClients);
  // Line 4 has a field too few: refused before anything is written.
  try {
    Load("\"job\";\"age\";\"pdays\";\"y\"\n\"a\";1;2;\"no\"\n\"b\";3;4;\"no\"\n\"c\";5;\"no\"\n");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("load.csv:4"));
  }
  EXPECT_EQ(db_.CountRows("clients"), 3);
  EXPECT_EQ(db_.Calls(FakeDatabase::Method::kInsertRows), 1);  // the first load only
}

TEST_F(LoaderTest, FileWithoutAConfiguredColumnLoadsNothing) {
  EXPECT_THROW(
      {
        try {
          Load("\"job\";\"age\";\"pdays\"\n\"admin.\";30;999\n");
        } catch (const DataError& e) {
          EXPECT_THAT(
              e.what(),
              HasSubstr("column 'y' named in the config (source) is missing from the header"));
          throw;
        }
      },
      DataError);
  EXPECT_FALSE(db_.TableExists("clients"));
}

TEST_F(LoaderTest, RowsWhoseKeysExistAlreadyLoadNothing) {
  Load(kThreeClients);
  // Key 9 is new, key 2 exists: the file goes in as one insert, which fails as a whole.
  EXPECT_THROW(
      Load("\"id\";\"job\";\"age\";\"pdays\";\"y\"\n9;\"a\";1;2;\"no\"\n2;\"b\";3;4;\"no\"\n"),
      DatabaseError);
  EXPECT_THAT(Keys(), ElementsAre(1, 2, 3));
}

TEST_F(LoaderTest, LoadsTheBundledSampleFile) {
  const Config config = ParseConfig(
      "database:\n  path: unused.db\n"
      "source:\n  table: bank_clients\n  key: client_id\n  label: y\n"
      "  features:\n"
      "    categorical: [job, marital, education, default, housing, loan, contact, month,\n"
      "                  day_of_week, poutcome]\n"
      "    numeric: [age, campaign, pdays, previous, emp.var.rate, cons.price.idx,\n"
      "              cons.conf.idx, euribor3m, nr.employed]\n"
      "model:\n  path: unused\n",
      "test.yaml");
  FakeDatabase db(config);
  const LoadSummary summary = LoadCsv(
      db, config, std::string(BANKSCORE_SOURCE_DIR) + "/data/bank-additional.csv", QuietLogger());
  EXPECT_EQ(summary.rows_loaded, 4119);
  EXPECT_EQ(db.MaxKey("bank_clients", "client_id"), 4119);
  EXPECT_EQ(db.TableColumns("bank_clients").size(), 22u);  // the key and the file's 21 columns
  // The first data row: 30;"blue-collar";...;"no"
  const RowBatch rows = db.TableRows("bank_clients");
  EXPECT_EQ(rows.rows[0][1], Value(30.0));  // age, a numeric feature: REAL
  EXPECT_EQ(rows.rows[0][2], Value(std::string("blue-collar")));
  EXPECT_EQ(rows.rows[0].back(), Value(std::string("no")));
}

}  // namespace
}  // namespace bankscore::testing

namespace bankscore::testing {
namespace {

// Files a bank might send by mistake: each refused whole, with the line that is wrong, and
// nothing loaded.
class LoaderRefusalTest : public LoaderTest {
 protected:
  std::string Refusal(const std::string& csv) {
    try {
      LoadCsv(db_, config_, WriteCsv("input.csv", csv), QuietLogger());
    } catch (const DataError& e) {
      EXPECT_FALSE(db_.TableExists("clients") && db_.CountRows("clients") > 0);
      return e.what();
    }
    ADD_FAILURE() << "loaded: " << csv;
    return "";
  }
};

TEST_F(LoaderRefusalTest, KeysMustBeUniqueIntegersOnEveryLine) {
  EXPECT_THAT(Refusal("id;job;age;pdays;y\n1;a;30;999;no\n;b;31;999;no\n"),
              HasSubstr("input.csv:3: the key id is empty"));
  EXPECT_THAT(Refusal("id;job;age;pdays;y\n1;a;30;999;no\n2.5;b;31;999;no\n"),
              HasSubstr("input.csv:3: the key id is '2.5', not an integer"));
  EXPECT_THAT(Refusal("id;job;age;pdays;y\n1;a;30;999;no\nseven;b;31;999;no\n"),
              HasSubstr("input.csv:3: the key id is 'seven', not an integer"));
  EXPECT_THAT(Refusal("id;job;age;pdays;y\n7;a;30;999;no\n8;b;31;999;no\n7;c;1;1;no\n"),
              HasSubstr("input.csv:4: the key id = 7 appears twice in the file"));
}

TEST_F(LoaderRefusalTest, TextMustBeValidUtf8WithoutNul) {
  EXPECT_THAT(Refusal("job;age;pdays;y\nadmin\xC3;30;999;no\n"),
              HasSubstr("input.csv:2: field 1 (column 'job') is not valid UTF-8"));
  EXPECT_THAT(Refusal(std::string("job;age;pdays;y\nad\0min;30;999;no\n", 33)),
              HasSubstr("input.csv:2: field 1 (column 'job') contains a NUL byte"));
}

TEST_F(LoaderRefusalTest, OverlongFieldIsRefusedBeforeItIsRead) {
  config_.load.max_field_bytes = 1024;
  EXPECT_THAT(Refusal("job;age;pdays;y\nadmin;30;999;no\n" + std::string(5000, 'x') + ";1;1;no\n"),
              HasSubstr("input.csv:3: field 1 is longer than the limit of 1024 bytes"));
}

}  // namespace
}  // namespace bankscore::testing
