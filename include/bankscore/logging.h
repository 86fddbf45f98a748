// Building the process logger from the validated logging config.
//
// The logger writes to stderr, as plain text or as one JSON object per line. It is created once in
// main and passed down by reference; the library never uses spdlog's global registry.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "bankscore/config.h"

namespace bankscore {

std::shared_ptr<spdlog::logger> MakeLogger(const LoggingConfig& config, const std::string& name);

// Applies level and format to an existing logger (on config reload).
void ConfigureLogger(spdlog::logger& logger, const LoggingConfig& config);

}  // namespace bankscore
