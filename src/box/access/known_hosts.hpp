#pragma once
// gpubox's own known_hosts file. Host keys of AWS boxes are pinned from the instance's console
// output (cloud-init prints them there), so the first `ssh NAME` already checks the key instead
// of trusting whatever answers. Entries are keyed by box name, matching the HostKeyAlias that the
// managed SSH config sets.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/filesystem.hpp"

namespace gpubox::box {

// Return the host keys ("<type> <base64>", comment dropped) printed between
// "-----BEGIN SSH HOST KEY KEYS-----" and "-----END SSH HOST KEY KEYS-----" in `console_output`
// (already base64-decoded). Uses the last complete block; empty when there is none yet.
std::vector<std::string> parse_console_host_keys(std::string_view console_output);

// Return whether `key_line` looks like "<type> <base64>" with a known SSH key type.
bool is_host_key_line(std::string_view key_line);

// Replace the entries for box `name` in `known_hosts` with `key_lines` (each "<type> <base64>"),
// atomically (mode 0600) and under a lock, through `fs`; other entries are kept. Fails on an
// empty or malformed key list.
Result<void> pin_host_keys(FileSystem& fs, const std::filesystem::path& known_hosts,
                           std::string_view name, std::span<const std::string> key_lines);

// Remove the entries for box `name` from `known_hosts` (nothing to do when the file is missing).
Result<void> unpin_host_keys(FileSystem& fs, const std::filesystem::path& known_hosts,
                             std::string_view name);

}  // namespace gpubox::box
