#include "cli/output.hpp"

#include <algorithm>
#include <ostream>

#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

// Count display columns of UTF-8 text (code points; good enough for our ASCII-heavy tables).
size_t display_width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string Table::render(bool tty) const {
  std::string out;
  if (!tty) {
    for (const auto& row : m_rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        out += (i ? "\t" : "") + row[i];
      }
      out += '\n';
    }
    return out;
  }
  std::vector<size_t> widths(m_header.size(), 0);
  for (size_t i = 0; i < m_header.size(); ++i) {
    widths[i] = display_width(m_header[i]);
  }
  for (const auto& row : m_rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool upper) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = upper ? to_upper(cells[i]) : cells[i];
      l += cell;
      if (i + 1 < cells.size()) {
        l += std::string(widths[i] - display_width(cells[i]) + 2, ' ');
      }
    }
    return l + "\n";
  };
  out += line(m_header, true);
  for (const auto& row : m_rows) {
    out += line(row, false);
  }
  return out;
}

void print_json(const Streams& s, const nlohmann::json& doc) {
  s.out << doc.dump(s.out_is_tty ? 2 : -1) << '\n';
}

void warn(const Streams& s, const std::string& text) {
  s.err << "gpubox: warning: " << text << '\n';
}

void progress(const Streams& s, const std::string& text) {
  if (!s.quiet) {
    s.err << text << '\n';
  }
}

int exit_code_for(const Error& e) {
  switch (e.kind) {
    case ErrorKind::auth:
      return 4;
    case ErrorKind::invalid_input:
      return 2;
    default:
      return 1;
  }
}

int report_error(const Streams& s, const Error& e) {
  s.err << "gpubox: error: " << e.message;
  if (!e.aws_code.empty() && e.message.find(e.aws_code) == std::string::npos) {
    s.err << " (" << e.aws_code << ")";
  }
  if (!e.request_id.empty()) {
    s.err << " [request id " << e.request_id << "]";
  }
  s.err << '\n';
  if (!e.hint.empty()) {
    s.err << "hint: " << e.hint << '\n';
  }
  return exit_code_for(e);
}

}  // namespace gpubox::cli
