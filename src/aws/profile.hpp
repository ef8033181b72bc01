#pragma once
// Profiles of the shared config and credentials files, merged the way botocore does: a profile
// is `[profile NAME]` (or `[default]`) in the config file plus `[NAME]` in the credentials file,
// and a key set in the credentials file wins.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/ini.hpp"

namespace gpubox::aws {

struct ProfileValue {
  std::string value;
  std::map<std::string, std::string> nested;
  std::string file;  // the file it came from
  int line = 0;

  // Return "file:line", for messages that point at the setting.
  std::string where() const { return file + ":" + std::to_string(line); }
};

struct Profile {
  std::string name;
  std::map<std::string, ProfileValue> values;
  bool in_config = false;
  bool in_credentials = false;

  bool exists() const { return in_config || in_credentials; }
  // Return the value of `key`, or nullptr when unset or empty.
  const ProfileValue* find(std::string_view key) const;
};

struct ProfileFiles {
  std::filesystem::path config_path;
  std::filesystem::path credentials_path;
  std::optional<IniFile> config;       // nullopt when the file does not exist
  std::optional<IniFile> credentials;  // nullopt when the file does not exist
};

// Read and parse both files; a missing file is fine, a malformed one is an Error.
Result<ProfileFiles> load_profile_files(const std::filesystem::path& config_path,
                                        const std::filesystem::path& credentials_path);

// Return profile `name` merged from both files (check Profile::exists()).
Profile find_profile(const ProfileFiles& files, std::string_view name);

// Return the not_found Error for a profile `name` that exists in neither file, with a
// "did you mean" hint; `origin` says who asked for it ("--profile", "source_profile of dev").
Error profile_not_found(const ProfileFiles& files, std::string_view name, std::string_view origin);

}  // namespace gpubox::aws
