#include "catalog/csv.hpp"

#include <charconv>

namespace gpubox::catalog {

std::optional<CsvLine> CsvLines::next() {
  if (m_rest.empty()) {
    return std::nullopt;
  }
  size_t end = m_rest.find('\n');
  std::string_view line = m_rest.substr(0, end);
  m_rest = end == std::string_view::npos ? std::string_view{} : m_rest.substr(end + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return CsvLine{line, ++m_number};
}

bool split_csv_line(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t pos = 0;
  while (true) {
    if (pos < line.size() && line[pos] == '"') {
      size_t close = line.find('"', pos + 1);
      if (close == std::string_view::npos) {
        return false;
      }
      fields.push_back(line.substr(pos + 1, close - pos - 1));
      pos = close + 1;
      if (pos < line.size() && line[pos] != ',') {
        return false;
      }
    } else {
      size_t comma = line.find(',', pos);
      fields.push_back(line.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
      pos = comma == std::string_view::npos ? line.size() : comma;
    }
    if (pos >= line.size()) {
      return true;
    }
    ++pos;  // skip the comma; a trailing comma yields one more empty field
    if (pos == line.size()) {
      fields.emplace_back();
      return true;
    }
  }
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.front() == '+') {
    return std::nullopt;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace gpubox::catalog
