#include "core/ini.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/strings.hpp"

namespace gpubox {
namespace {

bool is_indented(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

bool is_comment(std::string_view trimmed) {
  return !trimmed.empty() && (trimmed[0] == '#' || trimmed[0] == ';');
}

// Parses line by line. Messages never quote the offending line: it may hold a secret key.
class Parser {
public:
  explicit Parser(std::string path) { m_file.path = std::move(path); }

  Result<IniFile> run(std::string_view text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) {
        end = text.size();
      }
      std::string_view line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      ++m_line;
      GPUBOX_TRY(parse_line(line));
      start = end + 1;
    }
    return std::move(m_file);
  }

private:
  std::unexpected<Error> error(std::string_view what) const {
    return fail(ErrorKind::invalid_input,
                m_file.path + ":" + std::to_string(m_line) + ": " + std::string(what));
  }

  Result<void> parse_line(std::string_view line) {
    std::string_view t = trim(line);
    if (t.empty() || is_comment(t)) {
      return {};
    }
    if (is_indented(line) && m_entry != nullptr) {
      return continue_entry(t);
    }
    m_entry = nullptr;
    if (t.front() == '[') {
      return start_section(t);
    }
    return start_entry(t);
  }

  Result<void> start_section(std::string_view t) {
    size_t close = t.find(']');
    if (close == std::string_view::npos) {
      return error("section header is missing its closing ']'");
    }
    std::string_view rest = trim(t.substr(close + 1));
    if (!rest.empty() && !is_comment(rest)) {
      return error("unexpected text after the section header");
    }
    std::string name(trim(t.substr(1, close - 1)));
    if (name.empty()) {
      return error("empty section name '[]'");
    }
    for (size_t i = 0; i < m_file.sections.size(); ++i) {
      if (m_file.sections[i].name == name) {
        m_section = i;  // a repeated section is merged into the first one
        return {};
      }
    }
    m_file.sections.push_back(IniSection{name, m_line, {}});
    m_section = m_file.sections.size() - 1;
    return {};
  }

  Result<void> start_entry(std::string_view t) {
    size_t eq = t.find('=');
    if (eq == std::string_view::npos) {
      return error("expected 'key = value', a [section] header or a comment");
    }
    std::string key = to_lower(trim(t.substr(0, eq)));
    if (key.empty()) {
      return error("missing key before '='");
    }
    if (m_section == k_none) {
      return error("'key = value' line before any [section] header");
    }
    IniEntry& entry = m_file.sections[m_section].entries[key];
    entry = IniEntry{std::string(trim(t.substr(eq + 1))), {}, m_line};
    m_entry = &entry;
    m_nested = entry.value.empty();
    return {};
  }

  Result<void> continue_entry(std::string_view t) {
    if (!m_nested) {
      m_entry->value += '\n';
      m_entry->value += t;
      return {};
    }
    size_t eq = t.find('=');
    if (eq == std::string_view::npos) {
      return error("expected an indented 'key = value' line in a nested block");
    }
    std::string key = to_lower(trim(t.substr(0, eq)));
    if (key.empty()) {
      return error("missing key before '=' in a nested block");
    }
    m_entry->nested[key] = std::string(trim(t.substr(eq + 1)));
    return {};
  }

  static constexpr size_t k_none = static_cast<size_t>(-1);
  IniFile m_file;
  size_t m_section = k_none;
  IniEntry* m_entry = nullptr;  // the key that indented lines continue; stable in std::map
  bool m_nested = false;
  int m_line = 0;
};

}  // namespace

const IniEntry* IniSection::find(std::string_view key) const {
  auto it = entries.find(std::string(key));
  return it == entries.end() ? nullptr : &it->second;
}

const IniSection* IniFile::find(std::string_view name) const {
  for (const IniSection& s : sections) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

Result<IniFile> parse_ini(std::string_view text, std::string path) {
  return Parser(std::move(path)).run(text);
}

Result<std::optional<IniFile>> read_ini_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::optional<IniFile>{};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorKind::invalid_input,
                "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  GPUBOX_TRY_ASSIGN(file, parse_ini(buffer.str(), path.string()));
  return std::optional<IniFile>(std::move(file));
}

}  // namespace gpubox
