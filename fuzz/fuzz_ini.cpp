// libFuzzer target: the INI parser of ~/.aws/config and ~/.aws/credentials. Any text must give an
// IniFile or an Error naming a line of the input, never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/ini.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = gpubox::parse_ini(text, "fuzz.ini");
  if (!parsed) {
    // Errors are "PATH:LINE: what is wrong".
    if (!parsed.error().message.starts_with("fuzz.ini:")) {
      std::abort();
    }
    return 0;
  }
  for (const auto& section : parsed->sections) {
    if (parsed->find(section.name) == nullptr) {
      std::abort();  // every parsed section can be looked up by its name
    }
    for (const auto& [key, entry] : section.entries) {
      if (section.find(key) == nullptr || entry.line < 1) {
        std::abort();
      }
    }
  }
  return 0;
}
