#pragma once
// A fresh directory under $TMPDIR (or /tmp) for file-level tests, removed with its contents when
// the object goes out of scope.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace gpubox::testing {

class ScopedTempDir {
public:
  ScopedTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/gpubox-test-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) {
      m_path = pattern;
    }
  }
  ~ScopedTempDir() {
    std::error_code ec;
    if (!m_path.empty()) {
      std::filesystem::remove_all(m_path, ec);
    }
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  // Write `content` to `relative` (creating parent folders) and return the full path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const {
    std::filesystem::path full = m_path / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
    return full;
  }

private:
  std::filesystem::path m_path;
};

}  // namespace gpubox::testing
