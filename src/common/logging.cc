#include "bankscore/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "bankscore/error.h"
#include "common/files.h"
#include "common/log_event.h"
#include "common/text.h"

namespace bankscore {
namespace {

// The event of the line being logged by this thread (LogStructured), for the %F flag. Sinks are
// synchronous: the line is formatted in the thread that logs it, before LogStructured returns.
thread_local const LogEvent* t_event = nullptr;

// `text` as the body of a JSON string (quotes, backslashes and control bytes escaped), so
// JSON-lines output stays valid whatever a message contains.
void AppendJsonStringBody(std::string_view text, spdlog::memory_buf_t& dest) {
  static const char* kHex = "0123456789abcdef";
  // JSON strings are UTF-8: bytes that are not become \xHH text first.
  std::string repaired;
  if (!IsValidUtf8(text)) text = repaired = EscapeControl(text);
  for (char c : text) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      case '\t':
        dest.append(std::string_view("\\t"));
        break;
      case '\r':
        dest.append(std::string_view("\\r"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          dest.append(escaped, escaped + sizeof escaped);
        } else {
          dest.push_back(c);
        }
    }
  }
}

// %j: the message as the body of a JSON string.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    AppendJsonStringBody(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

// %F: the fields of the structured event being logged, as ',"name":value' members; nothing for
// a line logged without one.
class JsonEventFields : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (t_event == nullptr) return;
    const LogEvent& e = *t_event;
    const auto text = [&dest](std::string_view name, const std::string& value) {
      if (value.empty()) return;
      dest.append(std::string_view(",\""));
      dest.append(name);
      dest.append(std::string_view("\":\""));
      AppendJsonStringBody(value, dest);
      dest.push_back('"');
    };
    const auto number = [&dest](std::string_view name, std::optional<std::int64_t> value) {
      if (!value) return;
      const std::string member = ",\"" + std::string(name) + "\":" + std::to_string(*value);
      dest.append(std::string_view(member));
    };
    text("event", e.event);
    if (e.run_id != 0) number("run_id", e.run_id);
    text("model_version", e.model_version);
    number("rows", e.rows);
    text("status", e.status);
    number("duration_ms", e.duration_ms);
    text("error_class", e.error_class);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEventFields>();
  }
};

// %q: the message with control characters and invalid UTF-8 escaped (common/text.h), so a value
// from the data (a category, a version string, a rejection reason) cannot forge log lines or
// move a terminal's cursor.
class EscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        EscapeControl(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }
};

}  // namespace

void ConfigureLogger(spdlog::logger& logger, const LoggingConfig& config) {
  logger.set_level(spdlog::level::from_str(config.level));
  if (config.json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('j');
    formatter->add_flag<JsonEventFields>('F').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","pid":%P,"message":"%j"%F})");
    logger.set_formatter(std::move(formatter));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<EscapedMessage>('q').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %q");
    logger.set_formatter(std::move(formatter));
  }
}

std::shared_ptr<spdlog::logger> MakeLogger(const LoggingConfig& config, const std::string& name) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  ConfigureLogger(*logger, config);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void LogStructured(spdlog::logger& log, spdlog::level::level_enum level, const LogEvent& event,
                   const std::string& message) {
  t_event = &event;
  log.log(level, "{}", message);
  t_event = nullptr;
}

std::string ErrorClass(const std::exception& e) {
  if (dynamic_cast<const ConfigError*>(&e)) return "config";
  if (const auto* db = dynamic_cast<const DatabaseError*>(&e)) {
    return db->transient() ? "database_transient" : "database";
  }
  if (dynamic_cast<const DataError*>(&e)) return "data";
  if (dynamic_cast<const ModelError*>(&e)) return "model";
  if (dynamic_cast<const FileError*>(&e)) return "file";
  if (dynamic_cast<const Error*>(&e)) return "error";
  return "internal";
}

}  // namespace bankscore
