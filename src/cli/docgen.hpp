#pragma once
// Man pages and shell completions generated from the CLI11 tree that `--help` prints, so they
// cannot drift from it. CMake runs `gpubox __generate-docs DIR` at build time (cmake/docs.cmake).

#include <filesystem>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.hpp"

namespace gpubox::cli {

// Return every generated file, by path relative to the output folder: man/man1/gpubox.1,
// man/man1/gpubox-<cmd>.1 for each command, completions/gpubox.bash, _gpubox (zsh), gpubox.fish.
std::map<std::string, std::string> generate_docs(const CLI::App& app, const std::string& version);

// Write generate_docs()'s files under `dir`.
Result<void> write_docs(const CLI::App& app, const std::string& version,
                        const std::filesystem::path& dir);

}  // namespace gpubox::cli
