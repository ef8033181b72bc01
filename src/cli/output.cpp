#include "cli/output.hpp"

#include <algorithm>
#include <ostream>

#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

// Count display columns of UTF-8 text (code points; good enough for our ASCII-heavy tables).
// ANSI colour sequences (ESC [ ... m) take no columns.
size_t display_width(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      while (i < s.size() && s[i] != 'm') {
        ++i;
      }
      continue;
    }
    width += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 ? 1 : 0;
  }
  return width;
}

}  // namespace

// Return `text` safe to write to a terminal: escape sequences (ESC, C1 controls such as the
// 8-bit CSI) and other control characters become '?', except newline and tab. Text from AWS
// (error messages, tags) passes through this, so an OSC 52 clipboard write or a cursor movement
// in it never reaches the terminal.
std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += '?';
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += '?';  // U+0080..U+009F, the C1 controls (U+009B is a CSI)
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Table::render(bool tty) const {
  std::string out;
  if (!tty) {
    for (const auto& row : m_rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        out += (i ? "\t" : "") + terminal_safe(row[i]);
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
      std::string cell = terminal_safe(upper ? to_upper(cells[i]) : cells[i]);
      if (!upper && m_paint != nullptr && i == m_paint_column) {
        cell = paint(*m_paint, cell);
      }
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

std::string paint(const Streams& s, std::string_view text) {
  if (!s.color) {
    return std::string(text);
  }
  const std::string_view word = text.substr(0, text.find(' '));
  const char* code = nullptr;
  if (word == "running" || word == "PASS") {
    code = "32";  // green
  } else if (word == "stopped" || word == "stopping" || word == "WARN" || word == "pending") {
    code = "33";  // yellow
  } else if (word == "FAIL" || word == "terminated" || word == "error") {
    code = "31";  // red
  }
  if (code == nullptr) {
    return std::string(text);
  }
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

void print_json(const Streams& s, const nlohmann::json& doc) {
  // One compact document, on a terminal too: `| jq` makes it pretty, scripts read one line.
  s.out << doc.dump() << '\n';
}

void warn(const Streams& s, const std::string& text) {
  s.err << "gpubox: warning: " << terminal_safe(text) << '\n';
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
  s.err << "gpubox: error: " << terminal_safe(e.message);
  if (!e.aws_code.empty() && e.message.find(e.aws_code) == std::string::npos) {
    s.err << " (" << terminal_safe(e.aws_code) << ")";
  }
  if (!e.request_id.empty()) {
    s.err << " [request id " << terminal_safe(e.request_id) << "]";
  }
  s.err << '\n';
  if (!e.hint.empty()) {
    s.err << "hint: " << terminal_safe(e.hint) << '\n';
  }
  return exit_code_for(e);
}

}  // namespace gpubox::cli
