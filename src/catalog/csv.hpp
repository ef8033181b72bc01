#pragma once
// A minimal CSV reader for the catalog files: one record per line, optional double quotes,
// '#' comment lines before the header. Fields are views into the input.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpubox::catalog {

// One physical line of a CSV input with its 1-based line number.
struct CsvLine {
  std::string_view text;  // without the line terminator
  size_t number = 0;
};

// Iterate over the lines of `input`; `next()` returns nullopt at the end.
class CsvLines {
public:
  explicit CsvLines(std::string_view input) : m_rest(input) {}

  // Return the next line, or nullopt when the input is exhausted.
  std::optional<CsvLine> next();

private:
  std::string_view m_rest;
  size_t m_number = 0;
};

// Split `line` into fields; quoted fields lose their quotes ("" inside quotes is not supported).
// Return false when a quote is unbalanced.
bool split_csv_line(std::string_view line, std::vector<std::string_view>& fields);

// Parse a non-negative decimal number; nullopt when `text` is not exactly one number.
std::optional<double> parse_number(std::string_view text);

}  // namespace gpubox::catalog
