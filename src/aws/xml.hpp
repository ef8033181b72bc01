#pragma once
// Small pugixml helpers for AWS Query/EC2 replies. Elements are matched by local name only:
// moto's EC2 namespace lacks the trailing slash real AWS uses, so namespaces are never compared.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {

// Return the part of `node`'s name after any "prefix:".
std::string_view local_name(pugi::xml_node node);

// Return the first child element of `parent` whose local name is `name` (an empty node if none).
pugi::xml_node child(pugi::xml_node parent, std::string_view name);

// Return the node at `path` ("instanceState/name") below `node` (an empty node if absent).
pugi::xml_node at(pugi::xml_node node, std::string_view path);

// Return the text at `path` below `node`, or "" when absent.
std::string text_at(pugi::xml_node node, std::string_view path);

// Return the <item> children of the list element at `path` below `node` (none when absent).
std::vector<pugi::xml_node> items(pugi::xml_node node, std::string_view path);

// Return the texts of the <item> children at `path` (for lists of strings).
std::vector<std::string> item_texts(pugi::xml_node node, std::string_view path);

// Parse a whole decimal integer; nullopt on anything else.
std::optional<std::int64_t> parse_int(std::string_view s);

// Parse a decimal number; nullopt on anything else.
std::optional<double> parse_double(std::string_view s);

// Parse "true"/"false"; nullopt on anything else.
std::optional<bool> parse_bool(std::string_view s);

// Return the integer at `path`, or `fallback` when absent or malformed.
std::int64_t int_at(pugi::xml_node node, std::string_view path, std::int64_t fallback = 0);

// Return the boolean at `path`, or `fallback` when absent or malformed.
bool bool_at(pugi::xml_node node, std::string_view path, bool fallback = false);

// Convert epoch seconds (JSON protocol timestamps) to a time point.
TimePoint from_epoch_seconds(double seconds);

// Parse `xml` into `doc` and return the root element, which must have local name `root`.
Result<pugi::xml_node> load_xml(pugi::xml_document& doc, std::string_view xml,
                                std::string_view root);

}  // namespace gpubox::aws
