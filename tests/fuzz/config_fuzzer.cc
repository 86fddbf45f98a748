// Fuzz target: the YAML config parser (ParseConfig, src/common/config.cc), which turns YAML text
// into the validated Config. ConfigError is the expected refusal (it names the key and line);
// any other exception (a yaml-cpp one that escaped, std::out_of_range, ...), a crash, a hang or a
// sanitizer report is a finding. A config that parses is parsed again and must give the same
// feature columns: the parser has no state between calls.
#include <cstdint>
#include <string>

#include "bankscore/config.h"
#include "bankscore/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // LoadConfig refuses a file over 1 MiB before parsing it; ParseConfig gets what LoadConfig read.
  if (size > (1 << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const bankscore::Config config = bankscore::ParseConfig(text, "fuzz.yaml");
    if (bankscore::ParseConfig(text, "fuzz.yaml").source.FeatureColumns() !=
        config.source.FeatureColumns()) {
      bankscore::fuzz::Fail("the same text parsed twice gave different features");
    }
  } catch (const bankscore::ConfigError&) {
    // The expected refusal.
  }
  return 0;
}
