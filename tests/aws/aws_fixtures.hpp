#pragma once
// Read the recorded AWS replies under tests/fixtures/aws/ (see its README.md).

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace gpubox::testing {

// Return the bytes of tests/fixtures/aws/`relative`; throw if it is missing.
inline std::string aws_fixture(const std::string& relative) {
  const std::string path = std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/aws/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Return tests/fixtures/aws/`relative` parsed as JSON.
inline nlohmann::json aws_json_fixture(const std::string& relative) {
  return nlohmann::json::parse(aws_fixture(relative));
}

}  // namespace gpubox::testing
