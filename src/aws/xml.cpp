#include "aws/xml.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace gpubox::aws {

namespace {

std::string_view head_of(std::string_view path, std::string_view& rest) {
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) {
    rest = {};
    return path;
  }
  rest = path.substr(slash + 1);
  return path.substr(0, slash);
}

}  // namespace

std::string_view local_name(pugi::xml_node node) {
  std::string_view name = node.name();
  const auto colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name) {
      return c;
    }
  }
  return {};
}

pugi::xml_node at(pugi::xml_node node, std::string_view path) {
  while (node && !path.empty()) {
    std::string_view rest;
    node = child(node, head_of(path, rest));
    path = rest;
  }
  return node;
}

std::string text_at(pugi::xml_node node, std::string_view path) {
  return at(node, path).child_value();
}

std::vector<pugi::xml_node> items(pugi::xml_node node, std::string_view path) {
  std::vector<pugi::xml_node> out;
  const pugi::xml_node list = at(node, path);
  for (pugi::xml_node c = list.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == "item") {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> item_texts(pugi::xml_node node, std::string_view path) {
  std::vector<std::string> out;
  for (const pugi::xml_node item : items(node, path)) {
    out.emplace_back(item.child_value());
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_double(std::string_view s) {
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true") {
    return true;
  }
  if (s == "false") {
    return false;
  }
  return std::nullopt;
}

std::int64_t int_at(pugi::xml_node node, std::string_view path, std::int64_t fallback) {
  return parse_int(text_at(node, path)).value_or(fallback);
}

bool bool_at(pugi::xml_node node, std::string_view path, bool fallback) {
  return parse_bool(text_at(node, path)).value_or(fallback);
}

TimePoint from_epoch_seconds(double seconds) {
  // TimePoint holds int64 nanoseconds (about +-292 years around 1970); converting a timestamp
  // outside that range would overflow (undefined behaviour), so garbage is clamped to it.
  constexpr double k_limit_seconds = 9.2e9;
  seconds = std::isnan(seconds) ? 0.0 : std::clamp(seconds, -k_limit_seconds, k_limit_seconds);
  const auto micros = static_cast<std::int64_t>(seconds * 1e6);
  return TimePoint{
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds{micros})};
}

Result<pugi::xml_node> load_xml(pugi::xml_document& doc, std::string_view xml,
                                std::string_view root) {
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return fail(ErrorKind::remote, "unparseable XML reply (expected " + std::string(root) +
                                       "): " + parsed.description());
  }
  const pugi::xml_node element = doc.document_element();
  if (local_name(element) != root) {
    return fail(ErrorKind::remote, "unexpected XML reply <" + std::string(local_name(element)) +
                                       ">, expected <" + std::string(root) + ">");
  }
  return element;
}

}  // namespace gpubox::aws
