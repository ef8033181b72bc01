#include "box/onbox/onbox_files.hpp"

#include <algorithm>
#include <cctype>

#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

constexpr std::string_view k_userdata_archive = "userdata.tar.gz";
constexpr std::string_view k_onbox_archive = "onbox.tar.gz";

std::string_view blob(std::string_view name) {
  for (const EmbeddedBlob& b : embedded_blobs()) {
    if (b.name == name) {
      return b.bytes;
    }
  }
  return {};
}

bool is_archive(std::string_view name) {
  return name == k_userdata_archive || name == k_onbox_archive;
}

}  // namespace

std::vector<std::string> onbox_file_names() {
  std::vector<std::string> names;
  for (const EmbeddedBlob& b : embedded_blobs()) {
    if (!is_archive(b.name)) {
      names.emplace_back(b.name);
    }
  }
  return names;
}

Result<std::string_view> onbox_file(std::string_view name) {
  for (const EmbeddedBlob& b : embedded_blobs()) {
    if (b.name == name && !is_archive(name)) {
      return b.bytes;
    }
  }
  return fail(ErrorKind::not_found, "no embedded onbox file " + std::string(name));
}

std::string_view userdata_archive() { return blob(k_userdata_archive); }

std::string_view onbox_archive() { return blob(k_onbox_archive); }

Result<void> extract_onbox_files(const std::filesystem::path& dir) {
  GPUBOX_TRY(ensure_private_dir(dir));
  for (const std::string& name : onbox_file_names()) {
    GPUBOX_TRY_ASSIGN(bytes, onbox_file(name));
    bool script = name.ends_with(".sh") || name.ends_with(".py");
    GPUBOX_TRY(write_file_atomic(dir / name, bytes, script ? 0755 : 0644));
  }
  return {};
}

Result<void> upload_onbox_files(ProcessRunner& runner, const remote::SshTarget& target) {
  std::string dir = std::string(k_remote_onbox_dir);
  // One round trip: the remote shell makes the directory and unpacks the archive from stdin.
  // --no-same-owner keeps the files owned by whoever runs tar, even root.
  std::string command = "mkdir -p ~/" + dir + " && tar --no-same-owner -xzf - -C ~/" + dir;
  RunOptions options;
  options.stdin_text = std::string(onbox_archive());
  options.timeout = std::chrono::minutes(2);
  GPUBOX_TRY_ASSIGN(result, remote::ssh_run(runner, target, {command}, options));
  if (result.exit_code != 0) {
    return fail(ErrorKind::remote, "uploading gpubox's scripts to " + target.name +
                                       " failed: " + std::string(trim(result.stderr_text)));
  }
  return {};
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty() && std::ranges::all_of(word, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
  if (plain) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += shell_quote(a);
  }
  return out;
}

}  // namespace gpubox::box
