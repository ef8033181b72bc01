#pragma once
// EC2 (protocol "ec2") shared types and wire helpers. The operations live in ec2_catalog.hpp
// (regions, zones, instance types, images, spot prices), ec2_network.hpp (key pairs, security
// groups) and ec2_instances.hpp (instances, tags, volumes, console output). Each operation has a
// pure builder (input -> QueryParams), a pure parser (XML -> output) and a thin call.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "aws/client.hpp"

namespace gpubox::aws {

using Tags = std::map<std::string, std::string>;

// A Describe* filter: `Filter.N.Name` with values `Filter.N.Value.M`.
struct Filter {
  std::string name;
  std::vector<std::string> values;
};

// Append `values` as `<prefix>.1`, `<prefix>.2`, ... (empty lists are left out, as botocore does).
void add_list(QueryParams& params, std::string_view prefix, const std::vector<std::string>& values);

// Append `filters` as `Filter.N.Name` / `Filter.N.Value.M`.
void add_filters(QueryParams& params, const std::vector<Filter>& filters);

// Append `tags` as `<prefix>.N.Key` / `<prefix>.N.Value`, e.g. prefix "Tag".
void add_tags(QueryParams& params, std::string_view prefix, const Tags& tags);

// Append `TagSpecification.<index>` for `resource_type` when `tags` is not empty.
void add_tag_spec(QueryParams& params, int index, std::string_view resource_type, const Tags& tags);

// Append `name=value` when `value` is not empty.
void add_text(QueryParams& params, std::string name, const std::string& value);

// Append `name=true|false` when `value` is set.
void add_bool(QueryParams& params, std::string name, std::optional<bool> value);

// Append `name=<decimal>` when `value` is set.
void add_int(QueryParams& params, std::string name, std::optional<long long> value);

// Read a `tagSet` below `node` into a map.
Tags parse_tags(pugi::xml_node node);

// Return the `<return>` flag of a simple EC2 reply whose root is `root` (true when absent).
Result<bool> parse_return_flag(std::string_view xml, std::string_view root);

}  // namespace gpubox::aws
