// ensure_include: the one edit gpubox makes to the user's ~/.ssh/config.

#include "box/access/ssh_config.hpp"
#include "core/strings.hpp"

namespace gpubox::box {

namespace fs = std::filesystem;

namespace {

// Split an ssh_config line into keyword and arguments ("Include=a b" and "Include a b" alike),
// dropping surrounding double quotes from each argument.
std::vector<std::string> config_words(std::string_view line) {
  std::vector<std::string> words;
  std::string current;
  bool in_quotes = false;
  bool first = true;
  for (char c : line) {
    bool sep = (c == ' ' || c == '\t' || (first && c == '=')) && !in_quotes;
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (sep) {
      if (!current.empty()) {
        words.push_back(std::move(current));
        current.clear();
        first = false;
      }
    } else {
      current += c;
    }
  }
  if (!current.empty()) {
    words.push_back(std::move(current));
  }
  return words;
}

Result<void> add_include_line(FileSystem& files, const fs::path& ssh_config,
                              const fs::path& managed) {
  GPUBOX_TRY(files.ensure_private_dir(ssh_config.parent_path()));
  // Write through a symlinked config (dotfile managers) instead of replacing the link.
  GPUBOX_TRY_ASSIGN(target, files.resolve_symlink(ssh_config));
  std::string existing;
  if (files.exists(target)) {
    GPUBOX_TRY_ASSIGN(text, files.read_file(target));
    existing = std::move(text);
  }
  std::string managed_text = managed.string();
  if (managed_text.find_first_of(" \t") != std::string::npos) {
    managed_text = "\"" + managed_text + "\"";
  }
  std::string updated = "Include " + managed_text + "\n" + existing;
  return files.write_file_atomic(target, updated, files.mode_of(target).value_or(0600));
}

Result<void> record_answer(FileSystem& files, const fs::path& answer_file, bool yes) {
  if (answer_file.has_parent_path()) {
    GPUBOX_TRY(files.ensure_private_dir(answer_file.parent_path()));
  }
  return files.write_file_atomic(answer_file, yes ? "yes\n" : "no\n", 0600);
}

}  // namespace

bool includes_managed(std::string_view config_text, const fs::path& managed, const fs::path& home) {
  std::string plain = managed.lexically_normal().string();
  std::string tilde;
  fs::path rel = managed.lexically_normal().lexically_relative(home.lexically_normal());
  if (!home.empty() && !rel.empty() && *rel.begin() != "..") {
    tilde = "~/" + rel.string();
  }
  for (const std::string& line : split(config_text, '\n')) {
    std::vector<std::string> words = config_words(trim(line));
    if (words.empty() || words.front().starts_with('#')) {
      continue;
    }
    if (iequals(words.front(), "host") || iequals(words.front(), "match")) {
      return false;  // an Include below here only applies inside that block
    }
    if (!iequals(words.front(), "include")) {
      continue;
    }
    for (size_t i = 1; i < words.size(); ++i) {
      if (words[i] == plain || (!tilde.empty() && words[i] == tilde)) {
        return true;
      }
    }
  }
  return false;
}

Result<IncludeResult> ensure_include(FileSystem& files, const fs::path& ssh_config,
                                     const fs::path& managed, const fs::path& answer_file,
                                     const AskFn& ask) {
  fs::path home = ssh_config.parent_path().parent_path();
  if (files.exists(ssh_config)) {
    GPUBOX_TRY_ASSIGN(text, files.read_file(ssh_config));
    if (includes_managed(text, managed, home)) {
      return IncludeResult::present;
    }
  }
  if (files.exists(answer_file)) {
    // Asked before: a "no" stands, and so does a user removing the line after a "yes".
    return IncludeResult::not_included;
  }
  bool yes = ask("Add `Include " + managed.string() + "` to the top of " + ssh_config.string() +
                 " so that `ssh <box>` works?");
  if (yes) {
    GPUBOX_TRY(add_include_line(files, ssh_config, managed));
  }
  GPUBOX_TRY(record_answer(files, answer_file, yes));
  return yes ? IncludeResult::added : IncludeResult::not_included;
}

}  // namespace gpubox::box
