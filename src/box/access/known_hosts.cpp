#include "box/access/known_hosts.hpp"

#include <algorithm>
#include <system_error>

#include "box/cluster.hpp"
#include "box/names.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_begin = "-----BEGIN SSH HOST KEY KEYS-----";
constexpr std::string_view k_end = "-----END SSH HOST KEY KEYS-----";

bool known_key_type(std::string_view type) {
  return type == "ssh-ed25519" || type == "ssh-rsa" || type == "ssh-dss" ||
         type.starts_with("ecdsa-sha2-") || type.starts_with("sk-ssh-ed25519") ||
         type.starts_with("sk-ecdsa-sha2-");
}

bool is_base64(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  });
}

// Find "<type> <base64>" anywhere in a console line (the kernel may prefix a timestamp).
std::string key_in_line(std::string_view line) {
  std::vector<std::string> words;
  for (const std::string& w : split(line, ' ')) {
    if (!trim(w).empty()) {
      words.emplace_back(trim(w));
    }
  }
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (known_key_type(words[i]) && is_base64(words[i + 1])) {
      return words[i] + " " + words[i + 1];
    }
  }
  return {};
}

// Return whether known_hosts `line` is an entry for `name` (its first field lists `name`).
bool entry_for(std::string_view line, std::string_view name) {
  std::string_view t = trim(line);
  if (t.empty() || t.front() == '#') {
    return false;
  }
  std::string_view hosts = t.substr(0, t.find_first_of(" \t"));
  for (const std::string& pattern : split(hosts, ',')) {
    if (pattern == name) {
      return true;
    }
  }
  return false;
}

// Rewrite `known_hosts` without `name`'s entries, then append `new_lines`.
Result<void> rewrite(FileSystem& files, const fs::path& known_hosts, std::string_view name,
                     std::span<const std::string> new_lines) {
  if (known_hosts.has_parent_path()) {
    GPUBOX_TRY(files.ensure_private_dir(known_hosts.parent_path()));
  }
  // Two gpubox processes may pin different boxes at once; serialize the read-modify-write.
  return files.with_lock(known_hosts.string() + ".lock", [&]() -> Result<void> {
    std::string existing;
    if (files.exists(known_hosts)) {
      GPUBOX_TRY_ASSIGN(text, files.read_file(known_hosts));
      existing = std::move(text);
    }
    std::string out;
    for (const std::string& line : split(existing, '\n')) {
      if (!trim(line).empty() && !entry_for(line, name)) {
        out += line + "\n";
      }
    }
    for (const std::string& key : new_lines) {
      out += std::string(name) + " " + key + "\n";
    }
    return files.write_file_atomic(known_hosts, out, 0600);
  });
}

}  // namespace

bool is_host_key_line(std::string_view key_line) {
  std::vector<std::string> words = split(trim(key_line), ' ');
  return words.size() == 2 && known_key_type(words[0]) && is_base64(words[1]);
}

std::vector<std::string> parse_console_host_keys(std::string_view console_output) {
  std::vector<std::string> last_block;
  std::vector<std::string> current;
  bool inside = false;
  for (const std::string& line : split(console_output, '\n')) {
    if (line.find(k_begin) != std::string::npos) {
      inside = true;
      current.clear();
    } else if (inside && line.find(k_end) != std::string::npos) {
      inside = false;
      last_block = current;  // only a block with its END line counts
    } else if (inside) {
      std::string key = key_in_line(line);
      if (!key.empty() && std::ranges::find(current, key) == current.end()) {
        current.push_back(std::move(key));
      }
    }
  }
  return last_block;
}

Result<void> pin_host_keys(FileSystem& files, const fs::path& known_hosts, std::string_view name,
                           std::span<const std::string> key_lines) {
  GPUBOX_TRY(validate_box_name(name));
  if (key_lines.empty()) {
    return fail(ErrorKind::invalid_input, "no host keys to pin for '" + std::string(name) + "'");
  }
  for (const std::string& key : key_lines) {
    if (!is_host_key_line(key)) {
      return fail(ErrorKind::invalid_input,
                  "not an SSH host key (want '<type> <base64>'): " + key.substr(0, 40));
    }
  }
  return rewrite(files, known_hosts, name, key_lines);
}

Result<void> unpin_host_keys(FileSystem& files, const fs::path& known_hosts,
                             std::string_view name) {
  if (!files.exists(known_hosts)) {
    return {};
  }
  return rewrite(files, known_hosts, name, {});
}

}  // namespace gpubox::box
