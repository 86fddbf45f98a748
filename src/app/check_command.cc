// bankscore check: is everything `score` needs in place? One line per check, with the fix.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bankscore/commands.h"
#include "bankscore/database.h"
#include "bankscore/error.h"
#include "common/text.h"
#include "ingest/source_check.h"
#include "model/bundle.h"

namespace bankscore {
namespace {

// Prints one line per check: "ok" and what was found, or "problem", the error and the fix.
class CheckList {
 public:
  explicit CheckList(std::ostream& out) : out_(out) {}

  // Runs `check`, which returns what it found or throws; true when it passed.
  bool Run(const std::string& what, const std::string& fix,
           const std::function<std::string()>& check) {
    try {
      const std::string found = check();
      out_ << fmt::format("  ok       {:<16} {}\n", what, found);
      return true;
    } catch (const std::exception& e) {
      out_ << fmt::format("  problem  {:<16} {}\n", what, e.what());
      if (!fix.empty()) out_ << fmt::format("  {:<25} fix: {}\n", "", fix);
      ++problems_;
      return false;
    }
  }

  void Skip(const std::string& what, const std::string& why) {
    out_ << fmt::format("  skipped  {:<16} {}\n", what, why);
    ++problems_;  // not checked is not known to be in place
  }

  int problems() const { return problems_; }

 private:
  std::ostream& out_;
  int problems_ = 0;
};

std::string DescribeSession(Database& db, const DatabaseConfig& config) {
  if (config.backend == DatabaseConfig::Backend::kSqlite) return "SQLite file " + config.path;
  const RowBatch r = db.Query(
      "SELECT current_user::text, current_database()::text, "
      "COALESCE(inet_server_addr()::text, 'local socket'), "
      "COALESCE(inet_server_port()::text, '-')");
  const auto text = [&r](std::size_t i) { return ValueText(r.rows.at(0).at(i)); };
  return fmt::format("PostgreSQL {} port {}, database {}, role {}", text(2), text(3), text(1),
                     text(0));
}

// Throws unless a TCP socket can be bound to `listen` (nothing else serves there).
std::string CheckPortFree(const ListenAddress& listen) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(listen.port);
  if (const int rc = getaddrinfo(listen.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw ConfigError("server.listen: cannot resolve " + listen.host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  const int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd < 0) throw Error("server.listen: cannot open a socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as the server binds
  const bool bound = bind(fd, found->ai_addr, found->ai_addrlen) == 0;
  const int error = errno;
  close(fd);
  if (!bound) {
    throw Error("server.listen " + listen.ToString() + " cannot be bound: " + std::strerror(error));
  }
  return listen.ToString() + " is free";
}

// The database checks after it was reached; false when one `score` needs failed.
void CheckTables(CheckList& checks, Database& db, const Config& config) {
  const std::string& source = config.source.table;
  const bool source_ok = checks.Run(
      "source table", "load the data (bankscore load) or fix source.* in the config", [&] {
        ValidateSourceTable(db, config);
        const auto max_key = db.MaxKey(source, config.source.key);
        return fmt::format("{} readable: {} feature columns, largest {} {}", source,
                           config.source.FeatureColumns().size(), config.source.key,
                           max_key ? std::to_string(*max_key) : "none (empty)");
      });
  const ResultsConfig& r = config.results;
  std::vector<std::string> missing;
  for (const std::string& table : {r.table, r.runs_table, r.rejected_table}) {
    if (!db.TableExists(table)) missing.push_back(table);
  }
  if (!missing.empty()) {
    // score creates them when the role may: always in SQLite, with CREATE on the schema in
    // PostgreSQL.
    checks.Run("results tables", "run bankscore init-db as the tables' owner", [&] {
      const std::string absent = fmt::format("{}", fmt::join(missing, ", "));
      if (config.database.backend == DatabaseConfig::Backend::kPostgres &&
          ValueText(db.Query("SELECT has_schema_privilege(current_schema(), 'CREATE')::text")
                        .rows.at(0)
                        .at(0)) != "true") {
        throw Error("absent (" + absent + ") and this role may not create tables in the schema");
      }
      return "absent (" + absent + "); the first score creates them";
    });
    return;
  }
  checks.Run("results tables", "", [&] {
    return fmt::format("{}, {}, {} present", r.table, r.runs_table, r.rejected_table);
  });
  if (!source_ok) return checks.Skip("scoring grants", "the source table is not usable");
  checks.Run("scoring grants", "grant what is named (sql/postgres/roles.sql)", [&] {
    db.CheckScoringAccess();
    return fmt::format("can read {} and write {}, {}, {}", source, r.table, r.runs_table,
                       r.rejected_table);
  });
}

void CheckDatabase(CheckList& checks, const CommandContext& ctx) {
  const DatabaseConfig& database = ctx.config.database;
  if (database.backend == DatabaseConfig::Backend::kSqlite &&
      !std::filesystem::exists(database.path)) {
    checks.Run(
        "database", "fix database.path, or create it with bankscore load",
        [&]() -> std::string { throw ConfigError("no SQLite database at " + database.path); });
    return checks.Skip("source table", "no database");
  }
  std::unique_ptr<Database> db;
  const bool reached = checks.Run(
      "database", "check database.* in the config, that the server runs and the role may log in",
      [&] {
        db = OpenDatabase(ctx.config, ctx.log);
        return DescribeSession(*db, database);
      });
  if (!reached) return checks.Skip("source table", "the database cannot be reached");
  CheckTables(checks, *db, ctx.config);
}

}  // namespace

int CheckCommand(const CommandContext& ctx) {
  ctx.out << "bankscore check: " << ctx.config.file << "\n";
  CheckList checks(ctx.out);
  checks.Run("config", "", [&] {
    const bool sqlite = ctx.config.database.backend == DatabaseConfig::Backend::kSqlite;
    return fmt::format("valid; backend {}, source {}", sqlite ? "sqlite" : "postgres",
                       ctx.config.source.Identity());
  });
  CheckDatabase(checks, ctx);
  checks.Run("model", "train a model (bankscore train) or fix model.path", [&] {
    const ModelBundle bundle = LoadConfiguredModel(ctx.config);
    return fmt::format("version {} loads and matches the source columns", bundle.metadata.version);
  });
  if (const auto& listen = ctx.config.server.listen) {
    checks.Run("server", "stop what serves there, or change server.listen",
               [&] { return CheckPortFree(*listen); });
  }
  if (checks.problems() > 0) {
    ctx.out << fmt::format("{} problem(s): bankscore score would not run as configured\n",
                           checks.problems());
    return 1;
  }
  ctx.out << "everything bankscore score needs is in place\n";
  return 0;
}

}  // namespace bankscore
