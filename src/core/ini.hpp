#pragma once
// A parser for the INI dialect of AWS's shared config and credentials files (botocore's
// raw_config_parse): `[section]` headers, `key = value` lines, `#`/`;` comment lines, indented
// continuation lines, and nested sub-keys under a key with an empty value:
//
//   [services local]
//   ec2 =
//     endpoint_url = http://localhost:4566

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpubox {

struct IniEntry {
  std::string value;                          // continuation lines are joined with '\n'
  std::map<std::string, std::string> nested;  // sub-keys (lowercased) when `value` is empty
  int line = 0;                               // 1-based line of the key
};

struct IniSection {
  std::string name;  // header text, trimmed: "default", "profile dev", "services local"
  int line = 0;
  std::map<std::string, IniEntry> entries;  // keys are lowercased, as configparser does

  // Return the entry for `key` (lowercase), or nullptr.
  const IniEntry* find(std::string_view key) const;
};

struct IniFile {
  std::string path;  // used in error messages and `source` strings
  std::vector<IniSection> sections;

  // Return the section whose header is exactly `name`, or nullptr.
  const IniSection* find(std::string_view name) const;
};

// Parse `text`; a malformed line gives an invalid_input Error "PATH:LINE: what is wrong".
// Repeated sections are merged and a repeated key keeps its last value.
Result<IniFile> parse_ini(std::string_view text, std::string path);

// Read and parse the file at `path`; a file that does not exist gives nullopt.
Result<std::optional<IniFile>> read_ini_file(const std::filesystem::path& path);

}  // namespace gpubox
