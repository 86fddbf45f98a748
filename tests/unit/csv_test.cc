#include "ingest/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

namespace fs = std::filesystem;

CsvTable ParseText(const std::string& text, char separator = ';') {
  std::istringstream in(text);
  return ParseCsv(in, "input.csv", separator);
}

// The DataError message for `text`; fails the test if parsing succeeds or throws something else.
std::string ParseError(const std::string& text) {
  try {
    ParseText(text);
  } catch (const DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no DataError for input: " << text;
  return "";
}

// A fresh directory per test, removed afterwards, so tests can run in parallel.
class CsvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("csv_test_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string WriteGz(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    struct GzCloser {
      void operator()(gzFile_s* f) const { gzclose(f); }
    };
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "wb"));
    EXPECT_TRUE(file) << path;
    if (!file) return path;
    EXPECT_EQ(gzwrite(file.get(), content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
    return path;
  }

  std::string WritePlain(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path dir_;
};

const char kUciHeader[] =
    "\"age\";\"job\";\"marital\";\"education\";\"default\";\"housing\";\"loan\";\"contact\";"
    "\"month\";\"day_of_week\";\"duration\";\"campaign\";\"pdays\";\"previous\";\"poutcome\";"
    "\"emp.var.rate\";\"cons.price.idx\";\"cons.conf.idx\";\"euribor3m\";\"nr.employed\";\"y\"";

TEST(ParseCsvTest, UciSampleParsesIntoExactValues) {
  // The first lines of data/bank-additional.csv, byte for byte (CRLF line ends).
  const std::string text = std::string(kUciHeader) +
                           "\r\n"
                           "30;\"blue-collar\";\"married\";\"basic.9y\";\"no\";\"yes\";\"no\";"
                           "\"cellular\";\"may\";\"fri\";487;2;999;0;\"nonexistent\";-1.8;92.893;"
                           "-46.2;1.313;5099.1;\"no\"\r\n"
                           "39;\"services\";\"single\";\"high.school\";\"no\";\"no\";\"no\";"
                           "\"telephone\";\"may\";\"fri\";346;4;999;0;\"nonexistent\";1.1;93.994;"
                           "-36.4;4.855;5191;\"no\"\r\n";
  const CsvTable table = ParseText(text);

  EXPECT_EQ(
      table.header,
      (std::vector<std::string>{
          "age",       "job",         "marital",  "education",    "default",        "housing",
          "loan",      "contact",     "month",    "day_of_week",  "duration",       "campaign",
          "pdays",     "previous",    "poutcome", "emp.var.rate", "cons.price.idx", "cons.conf.idx",
          "euribor3m", "nr.employed", "y"}));
  ASSERT_EQ(table.rows.size(), 2u);
  const std::vector<CsvField> first = {
      "30",          "blue-collar", "married", "basic.9y", "no",    "yes",    "no",
      "cellular",    "may",         "fri",     "487",      "2",     "999",    "0",
      "nonexistent", "-1.8",        "92.893",  "-46.2",    "1.313", "5099.1", "no"};
  const std::vector<CsvField> second = {
      "39",          "services", "single", "high.school", "no",    "no",   "no",
      "telephone",   "may",      "fri",    "346",         "4",     "999",  "0",
      "nonexistent", "1.1",      "93.994", "-36.4",       "4.855", "5191", "no"};
  EXPECT_EQ(table.rows[0], first);
  EXPECT_EQ(table.rows[1], second);
}

TEST(ParseCsvTest, QuotedFieldHoldsSeparatorDoubledQuoteAndLineBreaks) {
  const CsvTable table = ParseText(
      "a;b;c\n"
      "\"x;y\";\"say \"\"hi\"\"\";\"line1\nline2\r\nline3\"\n"
      "\"\"\"\";\"\"\"\"\"\";plain\n");
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_THAT(table.rows[0],
              ElementsAre(Optional(std::string("x;y")), Optional(std::string("say \"hi\"")),
                          Optional(std::string("line1\nline2\r\nline3"))));
  EXPECT_THAT(table.rows[1], ElementsAre(Optional(std::string("\"")), Optional(std::string("\"\"")),
                                         Optional(std::string("plain"))));
}

TEST(ParseCsvTest, QuotedHeaderNamesAreUnquoted) {
  EXPECT_THAT(ParseText("\"a;1\";\"b\"\"\";c\n").header, ElementsAre("a;1", "b\"", "c"));
}

TEST(ParseCsvTest, LfCrlfAndMixedLineEndsGiveTheSameTable) {
  const std::vector<std::vector<CsvField>> expected = {{"1", "x"}, {"2", "y"}, {"3", "z"}};
  for (const std::string text : {"a;b\n1;x\n2;y\n3;z\n", "a;b\r\n1;x\r\n2;y\r\n3;z\r\n",
                                 "a;b\r\n1;x\n2;y\r\n3;z\n", "a;b\n1;\"x\"\r\n\"2\";y\n3;z\r\n"}) {
    SCOPED_TRACE(text);
    const CsvTable table = ParseText(text);
    EXPECT_THAT(table.header, ElementsAre("a", "b"));
    EXPECT_EQ(table.rows, expected);
  }
}

TEST(ParseCsvTest, LoneCarriageReturnInsideALineIsData) {
  const CsvTable table = ParseText("a;b\nx\ry;z\n");
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_THAT(table.rows[0][0], Optional(std::string("x\ry")));
}

TEST(ParseCsvTest, LastRecordWithoutFinalLineBreakIsKept) {
  for (const std::string text : {"a;b\n1;2\n3;4", "a;b\r\n1;2\r\n3;\"4\"", "a;b\n1;2\n3;4\r"}) {
    SCOPED_TRACE(text);
    const CsvTable table = ParseText(text);
    EXPECT_EQ(table.rows, (std::vector<std::vector<CsvField>>{{"1", "2"}, {"3", "4"}}));
  }
}

TEST(ParseCsvTest, HeaderOnlyGivesNoRows) {
  const CsvTable table = ParseText("a;b\r\n");
  EXPECT_THAT(table.header, ElementsAre("a", "b"));
  EXPECT_TRUE(table.rows.empty());
}

TEST(ParseCsvTest, UnquotedEmptyFieldIsNullButQuotedEmptyIsEmptyString) {
  const CsvTable table = ParseText("a;b;c;d\n;\"\";x;\n\"\";;;\"\"\n");
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0], (std::vector<CsvField>{std::nullopt, std::string(), "x", std::nullopt}));
  EXPECT_EQ(table.rows[1],
            (std::vector<CsvField>{std::string(), std::nullopt, std::nullopt, std::string()}));
}

TEST(ParseCsvTest, UnquotedFieldsKeepSpaces) {
  const CsvTable table = ParseText("a;b\n x ; \n");
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0], (std::vector<CsvField>{" x ", " "}));
}

TEST(ParseCsvTest, Utf8ByteOrderMarkIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_THAT(ParseText(bom + "age;y\n1;no\n").header, ElementsAre("age", "y"));
  EXPECT_THAT(ParseText(bom + "\"age\";\"y\"\n1;no\n").header, ElementsAre("age", "y"));
  // Only at the start: elsewhere the bytes are data.
  EXPECT_THAT(ParseText("a\n" + bom + "x\n").rows[0][0], Optional(bom + "x"));
}

TEST(ParseCsvTest, EmptyLinesAreSkipped) {
  const CsvTable table = ParseText("\na;b\n\n1;2\r\n\r\n3;4\n\n\n");
  EXPECT_THAT(table.header, ElementsAre("a", "b"));
  EXPECT_EQ(table.rows, (std::vector<std::vector<CsvField>>{{"1", "2"}, {"3", "4"}}));
}

TEST(ParseCsvTest, OtherSeparator) {
  const CsvTable table = ParseText("a,b\n\"1,5\",;\n", ',');
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0], (std::vector<CsvField>{"1,5", ";"}));
}

TEST(ParseCsvTest, InvalidSeparatorIsAConfigError) {
  std::istringstream in("a\n");
  EXPECT_THROW(ParseCsv(in, "input.csv", '"'), ConfigError);
}

TEST(ParseCsvErrorTest, WrongFieldCountNamesTheRecordLine) {
  EXPECT_THAT(ParseError("a;b;c\n1;2;3\n1;2\n"),
              StartsWith("input.csv:3: expected 3 fields, found 2"));
  EXPECT_THAT(ParseError("a;b;c\r\n1;2;3\r\n\r\n1;2;3;4\r\n"),
              StartsWith("input.csv:4: expected 3 fields, found 4"));
  // The record's first line, counting the line breaks inside earlier quoted fields.
  EXPECT_THAT(ParseError("a;b\n\"x\ny\nz\";1\n2;\"multi\nline\";3\n"),
              StartsWith("input.csv:5: expected 2 fields, found 3"));
}

TEST(ParseCsvErrorTest, UciRecordMissingAFieldIsRejected) {
  const std::string message = ParseError(std::string(kUciHeader) +
                                         "\r\n"
                                         "30;\"blue-collar\";\"married\";\"basic.9y\";\"no\";"
                                         "\"yes\";\"no\";\"cellular\";\"may\";\"fri\";487;2;999;"
                                         "0;\"nonexistent\";-1.8;92.893;-46.2;1.313;5099.1\r\n");
  EXPECT_THAT(message, HasSubstr("input.csv:2: expected 21 fields, found 20"));
}

TEST(ParseCsvErrorTest, UnterminatedQuoteNamesWhereItStarted) {
  EXPECT_THAT(ParseError("a;b\n1;2\n3;\"open\nstill open\n"),
              StartsWith("input.csv:3: unterminated quoted field starting at line 3"));
  // The quote opens on the record's second line.
  EXPECT_THAT(ParseError("a;b\n1;\"two\nlines\";\"open\n"),
              StartsWith("input.csv:2: unterminated quoted field starting at line 3"));
  EXPECT_THAT(ParseError("\"a;b\n"), StartsWith("input.csv:1: unterminated quoted field"));
}

TEST(ParseCsvErrorTest, TextAfterClosingQuoteIsRejected) {
  const std::string message = ParseError("a;b\n1;2\n\"x\"y;2\n");
  EXPECT_THAT(message, StartsWith("input.csv:3: "));
  EXPECT_THAT(message, HasSubstr("'y' after closing quote in field 1"));
  // Reported at the line where the record starts, even when the quote closes on a later one.
  EXPECT_THAT(ParseError("a;b\n\"x\ny\"z;1\n"),
              StartsWith("input.csv:2: unexpected character 'z'"));
  EXPECT_THAT(ParseError("a;b\n1;\"x\" \n"),
              StartsWith("input.csv:2: unexpected character ' ' after closing quote in field 2"));
}

TEST(ParseCsvErrorTest, EmptyInputHasNoHeader) {
  EXPECT_EQ(ParseError(""), "input.csv:1: no header line");
  EXPECT_EQ(ParseError("\r\n\n"), "input.csv:1: no header line");
  EXPECT_EQ(ParseError("\xEF\xBB\xBF"), "input.csv:1: no header line");
}

TEST(ParseCsvErrorTest, EmptyHeaderNameIsRejected) {
  EXPECT_THAT(ParseError("\na;;c\n1;2;3\n"),
              StartsWith("input.csv:2: empty column name in header (field 2)"));
  EXPECT_THAT(ParseError("a;b;\"\"\n"),
              StartsWith("input.csv:1: empty column name in header (field 3)"));
}

TEST(ParseCsvErrorTest, DuplicateHeaderNameIsRejected) {
  EXPECT_EQ(ParseError("age;job;\"age\"\n1;x;2\n"),
            "input.csv:1: duplicate column 'age' in header");
}

TEST_F(CsvFileTest, ReadsPlainFile) {
  const CsvTable table = ReadCsvFile(WritePlain("plain.csv", "a;b\r\n1;\"x\"\r\n"));
  EXPECT_THAT(table.header, ElementsAre("a", "b"));
  EXPECT_EQ(table.rows, (std::vector<std::vector<CsvField>>{{"1", "x"}}));
}

TEST_F(CsvFileTest, DecompressesGzFile) {
  const std::string path = WriteGz("small.csv.gz", "a;b\r\n1;\"x;y\"\r\n2;\r\n");
  const CsvTable table = ReadCsvFile(path);
  EXPECT_THAT(table.header, ElementsAre("a", "b"));
  EXPECT_EQ(table.rows, (std::vector<std::vector<CsvField>>{{"1", "x;y"}, {"2", std::nullopt}}));
}

TEST_F(CsvFileTest, GzParseErrorNamesTheFile) {
  const std::string path = WriteGz("bad.csv.gz", "a;b\n1;2\n3\n");
  try {
    ReadCsvFile(path);
    FAIL() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: expected 2 fields, found 1");
  }
}

TEST_F(CsvFileTest, TruncatedGzFileIsAnErrorNotAShortTable) {
  std::string content = "a;b\n";
  for (int i = 0; i < 20000; ++i) content += std::to_string(i) + ";" + std::to_string(i * 7) + "\n";
  const std::string whole = WriteGz("whole.csv.gz", content);
  ASSERT_EQ(ReadCsvFile(whole).rows.size(), 20000u);  // the file is fine before it is cut

  std::ifstream in(whole, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = WritePlain("cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  try {
    ReadCsvFile(cut);
    FAIL() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), StartsWith("cannot read " + cut + ": "));
  }
}

TEST_F(CsvFileTest, MissingFileIsADataError) {
  for (const std::string name : {"missing.csv", "missing.csv.gz"}) {
    const std::string path = (dir_ / name).string();
    try {
      ReadCsvFile(path);
      ADD_FAILURE() << "no DataError for " << path;
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()), "cannot open " + path + ": No such file or directory");
    }
  }
}

TEST_F(CsvFileTest, DirectoryIsADataError) { EXPECT_THROW(ReadCsvFile(dir_.string()), DataError); }

TEST(BundledDataTest, SampleFileHas4119RowsAnd21Columns) {
  const CsvTable table = ReadCsvFile(BANKSCORE_SOURCE_DIR "/data/bank-additional.csv");
  ASSERT_EQ(table.header.size(), 21u);
  EXPECT_EQ(table.header.front(), "age");
  EXPECT_EQ(table.header.back(), "y");
  EXPECT_EQ(table.rows.size(), 4119u);
  // The last line is data too: 34;"management";...;"nov";...;"no" (ends with CRLF in the file).
  EXPECT_THAT(table.rows.back()[0], Optional(std::string("34")));
  EXPECT_THAT(table.rows.back()[8], Optional(std::string("nov")));
  EXPECT_THAT(table.rows.back()[20], Optional(std::string("no")));
}

TEST(BundledDataTest, FullGzFileHas41188RowsAnd4640Yes) {
  const auto start = std::chrono::steady_clock::now();
  const CsvTable table = ReadCsvFile(BANKSCORE_SOURCE_DIR "/data/bank-additional-full.csv.gz");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ::testing::Test::RecordProperty(
      "parse_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));

  ASSERT_EQ(table.header.size(), 21u);
  ASSERT_EQ(table.header[20], "y");
  EXPECT_EQ(table.rows.size(), 41188u);
  const auto yes = std::count_if(table.rows.begin(), table.rows.end(),
                                 [](const std::vector<CsvField>& row) { return row[20] == "yes"; });
  EXPECT_EQ(yes, 4640);
}

}  // namespace
}  // namespace bankscore
