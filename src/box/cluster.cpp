#include "box/cluster.hpp"

#include <charconv>

#include <fmt/format.h>

#include "box/names.hpp"

namespace gpubox::box {

namespace {

// Return the rank written in `digits` (1 to 2 digits, no sign), if it is one.
std::optional<int> parse_rank(std::string_view digits) {
  int rank = -1;
  if (digits.empty() || digits.size() > 2 || (digits.size() > 1 && digits.front() == '0')) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rank);
  if (ec != std::errc() || end != digits.data() + digits.size() || rank >= k_max_nodes) {
    return std::nullopt;
  }
  return rank;
}

}  // namespace

std::string node_name(std::string_view cluster, int rank) {
  return fmt::format("{}.{}", cluster, rank);
}

Result<void> validate_box_name(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && parse_rank(name.substr(dot + 1))) {
    return validate_name(name.substr(0, dot));
  }
  return validate_name(name);
}

Result<BoxRef> parse_box_ref(std::string_view text) {
  const size_t sep = text.find_last_of(":.");
  if (sep == std::string_view::npos) {
    GPUBOX_TRY(validate_name(text));
    return BoxRef{std::string(text), std::nullopt};
  }
  std::string_view name = text.substr(0, sep);
  auto rank = parse_rank(text.substr(sep + 1));
  if (!rank) {
    return fail(ErrorKind::invalid_input,
                fmt::format("'{}' names no node: after NAME: comes a node number, 0 to {}", text,
                            k_max_nodes - 1),
                fmt::format("e.g. {}:0 for the first node", name));
  }
  GPUBOX_TRY(validate_name(name));
  return BoxRef{std::string(name), rank};
}

std::string display_name(const state::Box& box) {
  return box.cluster.empty() ? box.name : fmt::format("{}:{}", box.cluster, box.node_index);
}

Result<std::vector<state::Box>> resolve_boxes(state::BoxStore& store, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(parsed, parse_box_ref(ref));
  if (parsed.rank) {
    GPUBOX_TRY_ASSIGN(node, store.find_box(node_name(parsed.name, *parsed.rank)));
    return node ? std::vector<state::Box>{*node} : std::vector<state::Box>{};
  }
  GPUBOX_TRY_ASSIGN(single, store.find_box(parsed.name));
  if (single) {
    return std::vector<state::Box>{*single};
  }
  return store.list_members(parsed.name);
}

Result<std::string> ssh_box_name(state::BoxStore& store, std::string_view ref) {
  auto parsed = parse_box_ref(ref);
  if (!parsed) {
    return std::string(ref);  // the lookup refuses it with the name rules
  }
  if (parsed->rank) {
    return node_name(parsed->name, *parsed->rank);
  }
  GPUBOX_TRY_ASSIGN(single, store.find_box(parsed->name));
  if (!single) {
    GPUBOX_TRY_ASSIGN(members, store.list_members(parsed->name));
    if (!members.empty()) {
      return members.front().name;
    }
  }
  return parsed->name;
}

}  // namespace gpubox::box
