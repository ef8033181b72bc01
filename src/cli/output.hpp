#pragma once
// Output conventions: results on stdout, progress/warnings/errors on stderr. Tables are aligned
// with an uppercase header on a terminal and tab-separated without a header when piped.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace gpubox::cli {

struct Streams {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;
  bool quiet = false;
  bool color = false;  // stdout is a terminal, and neither NO_COLOR nor --no-color is set
};

struct Streams;
std::string paint(const Streams& s, std::string_view text);

class Table {
public:
  explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}
  void add_row(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  // Colour the cells of `column` with paint(s, ...) on a terminal, after they are made safe.
  void paint_column(size_t column, const Streams& s) {
    m_paint_column = column;
    m_paint = &s;
  }
  // Return the table rendered for a terminal (`tty`) or a pipe.
  std::string render(bool tty) const;
  bool empty() const { return m_rows.empty(); }

private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
  size_t m_paint_column = static_cast<size_t>(-1);
  const Streams* m_paint = nullptr;
};

// Return `text` coloured for its meaning when `s.color`: running/PASS green, stopped/stopping/
// WARN yellow, FAIL/error/terminated red; otherwise (and for any other text) `text` unchanged.
std::string paint(const Streams& s, std::string_view text);

// Write exactly one compact JSON document and a newline.
void print_json(const Streams& s, const nlohmann::json& doc);
// Return `text` with escape sequences and other control characters (not newline or tab) as
// '?': what gpubox prints from AWS or a box never drives the terminal.
std::string terminal_safe(std::string_view text);

// Write "gpubox: warning: <text>" to stderr.
void warn(const Streams& s, const std::string& text);
// Write "gpubox: error: <message>" (and the hint, if any) to stderr; return the exit code.
int report_error(const Streams& s, const Error& e);
// Return the process exit code for an error kind: 4 for auth, 2 for invalid input, else 1.
int exit_code_for(const Error& e);

}  // namespace gpubox::cli
