// The bankscore release version ("0.1.0"), from the CMake project version.
#pragma once

namespace bankscore {

const char* Version();

}  // namespace bankscore
