#pragma once
// The CSVs of data/catalog/, embedded at build time (see src/catalog/sources.cmake).

#include <span>
#include <string_view>

namespace gpubox::catalog {

// Return data/catalog/aws-gpu-instances.csv as consecutive chunks; concatenated they are the file.
std::span<const std::string_view> embedded_instances_csv_chunks();

// Return data/catalog/aws-gpu-coverage.csv as consecutive chunks; concatenated they are the file.
std::span<const std::string_view> embedded_coverage_csv_chunks();

}  // namespace gpubox::catalog
