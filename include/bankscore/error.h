// Error types thrown by the bankscore library.
//
// Every failure the library reports is one of these exceptions. The message is one line that says
// what failed and where (config key, file and line, table, column), so the CLI can print it as is.
// ConfigError means the user's input is wrong (exit code 2); every other Error is a runtime failure
// (exit code 1).
#pragma once

#include <stdexcept>
#include <string>

namespace bankscore {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Invalid configuration or command-line usage. Nothing has been written when this is thrown.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A database could not be reached, or a statement failed. The failed batch has been rolled back.
class DatabaseError : public Error {
 public:
  // `transient` marks failures worth retrying (lost connection, server restart).
  DatabaseError(const std::string& message, bool transient = false)
      : Error(message), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

// Input data that cannot be used (malformed CSV, no labelled rows, mismatched model features).
class DataError : public Error {
 public:
  using Error::Error;
};

// The model bundle or the XGBoost library reported a failure.
class ModelError : public Error {
 public:
  using Error::Error;
};

}  // namespace bankscore
