#include "aws/profile.hpp"

#include <vector>

#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

void merge_section(const IniSection& section, const std::string& file, Profile& into) {
  for (const auto& [key, entry] : section.entries) {
    into.values[key] = ProfileValue{entry.value, entry.nested, file, entry.line};
  }
}

// Return the profile name a config-file header declares, or nullopt for other sections.
std::optional<std::string> config_profile_name(std::string_view header) {
  if (header == "default") {
    return std::string(header);
  }
  if (header.starts_with("profile") && header.size() > 7 &&
      (header[7] == ' ' || header[7] == '\t')) {
    return std::string(trim(header.substr(7)));
  }
  return std::nullopt;
}

std::vector<std::string> all_profile_names(const ProfileFiles& files) {
  std::vector<std::string> names;
  if (files.config) {
    for (const IniSection& s : files.config->sections) {
      if (auto n = config_profile_name(s.name)) {
        names.push_back(*n);
      }
    }
  }
  if (files.credentials) {
    for (const IniSection& s : files.credentials->sections) {
      names.push_back(s.name);
    }
  }
  return names;
}

}  // namespace

const ProfileValue* Profile::find(std::string_view key) const {
  auto it = values.find(std::string(key));
  if (it == values.end() || (it->second.value.empty() && it->second.nested.empty())) {
    return nullptr;
  }
  return &it->second;
}

Result<ProfileFiles> load_profile_files(const std::filesystem::path& config_path,
                                        const std::filesystem::path& credentials_path) {
  ProfileFiles files{config_path, credentials_path, std::nullopt, std::nullopt};
  GPUBOX_TRY_ASSIGN(config, read_ini_file(config_path));
  GPUBOX_TRY_ASSIGN(credentials, read_ini_file(credentials_path));
  files.config = std::move(config);
  files.credentials = std::move(credentials);
  return files;
}

Profile find_profile(const ProfileFiles& files, std::string_view name) {
  Profile profile;
  profile.name = std::string(name);
  if (files.config) {
    // `[default]` and `[profile default]` both name the default profile; the latter wins.
    if (name == "default") {
      if (const IniSection* s = files.config->find("default")) {
        merge_section(*s, files.config->path, profile);
        profile.in_config = true;
      }
    }
    if (const IniSection* s = files.config->find("profile " + std::string(name))) {
      merge_section(*s, files.config->path, profile);
      profile.in_config = true;
    }
  }
  if (files.credentials) {
    if (const IniSection* s = files.credentials->find(name)) {
      merge_section(*s, files.credentials->path, profile);
      profile.in_credentials = true;
    }
  }
  return profile;
}

Error profile_not_found(const ProfileFiles& files, std::string_view name, std::string_view origin) {
  Error e;
  e.kind = ErrorKind::not_found;
  e.message = "profile '" + std::string(name) + "' (from " + std::string(origin) + ") is not in " +
              files.config_path.string() + " or " + files.credentials_path.string();
  if (files.config && files.config->find(name) != nullptr) {
    e.hint = "in the config file, write the section as [profile " + std::string(name) + "]";
    return e;
  }
  std::string best;
  size_t best_distance = 3;
  for (const std::string& candidate : all_profile_names(files)) {
    size_t d = edit_distance(candidate, name);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (!best.empty()) {
    e.hint = "did you mean '" + best + "'?";
  }
  return e;
}

}  // namespace gpubox::aws
