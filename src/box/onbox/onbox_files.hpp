#pragma once
// The on-box scripts (onbox/), embedded in the binary at build time by cmake/embed.cmake, and the
// ways gpubox ships them: extracted to a local directory, or piped over ssh as a tar.gz.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

// One embedded file: its name in onbox/ (or "userdata.tar.gz" / "onbox.tar.gz") and its bytes.
struct EmbeddedBlob {
  std::string_view name;
  std::string_view bytes;
};

// Return every embedded blob (defined in the generated onbox_embedded.cpp).
std::span<const EmbeddedBlob> embedded_blobs();

// Return the names of the onbox files shipped to a box, in a stable order.
std::vector<std::string> onbox_file_names();

// Return the bytes of the embedded file `name`; not_found when it was not embedded.
Result<std::string_view> onbox_file(std::string_view name);

// Return the tar.gz of bootstrap.sh and watchdog.py that EC2 user-data carries.
std::string_view userdata_archive();

// Return the tar.gz of every onbox file, as uploaded over ssh.
std::string_view onbox_archive();

// Write every onbox file into `dir` (created 0700 when missing); scripts get mode 0755.
Result<void> extract_onbox_files(const std::filesystem::path& dir);

// The directory on the box, relative to the ssh user's home, that uploads go to.
inline constexpr std::string_view k_remote_onbox_dir = ".gpubox/onbox";

// Upload every onbox file to ~/.gpubox/onbox on `target` in one ssh call (tar.gz on stdin).
Result<void> upload_onbox_files(ProcessRunner& runner, const remote::SshTarget& target);

// Return `word` quoted for a POSIX shell (single quotes; safe for any bytes but NUL).
std::string shell_quote(std::string_view word);

// Return `argv` as one POSIX shell command line, each word quoted when needed.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace gpubox::box
