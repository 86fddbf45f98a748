// What the fuzz targets share: how a broken invariant is reported.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace bankscore::fuzz {

// A finding that is not a crash (a wrong result, an invariant broken): printed, then abort(), so
// that libFuzzer saves the input as a crash and the replay test fails.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace bankscore::fuzz
