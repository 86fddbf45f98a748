#include "bankscore/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/text.h"

namespace bankscore {
namespace {

// %j: the message as the body of a JSON string (quotes, backslashes and control bytes escaped),
// so JSON-lines output stays valid whatever a message contains.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static const char* kHex = "0123456789abcdef";
    std::string_view text(msg.payload.data(), msg.payload.size());
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
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
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
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","pid":%P,"message":"%j"})");
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

}  // namespace bankscore
