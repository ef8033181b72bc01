#include "aws/ec2.hpp"

#include <string>

#include "aws/xml.hpp"

namespace gpubox::aws {

namespace {

std::string indexed(std::string_view prefix, size_t n) {
  return std::string(prefix) + "." + std::to_string(n);
}

}  // namespace

void add_list(QueryParams& params, std::string_view prefix,
              const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    params.emplace_back(indexed(prefix, i + 1), values[i]);
  }
}

void add_filters(QueryParams& params, const std::vector<Filter>& filters) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string base = indexed("Filter", i + 1);
    params.emplace_back(base + ".Name", filters[i].name);
    add_list(params, base + ".Value", filters[i].values);
  }
}

void add_tags(QueryParams& params, std::string_view prefix, const Tags& tags) {
  size_t n = 0;
  for (const auto& [key, value] : tags) {
    const std::string base = indexed(prefix, ++n);
    params.emplace_back(base + ".Key", key);
    params.emplace_back(base + ".Value", value);
  }
}

void add_tag_spec(QueryParams& params, int index, std::string_view resource_type,
                  const Tags& tags) {
  if (tags.empty()) {
    return;
  }
  const std::string base = indexed("TagSpecification", static_cast<size_t>(index));
  params.emplace_back(base + ".ResourceType", std::string(resource_type));
  add_tags(params, base + ".Tag", tags);
}

void add_text(QueryParams& params, std::string name, const std::string& value) {
  if (!value.empty()) {
    params.emplace_back(std::move(name), value);
  }
}

void add_bool(QueryParams& params, std::string name, std::optional<bool> value) {
  if (value) {
    params.emplace_back(std::move(name), *value ? "true" : "false");
  }
}

void add_int(QueryParams& params, std::string name, std::optional<long long> value) {
  if (value) {
    params.emplace_back(std::move(name), std::to_string(*value));
  }
}

Tags parse_tags(pugi::xml_node node) {
  Tags tags;
  for (const pugi::xml_node item : items(node, "tagSet")) {
    tags[text_at(item, "key")] = text_at(item, "value");
  }
  return tags;
}

Result<bool> parse_return_flag(std::string_view xml, std::string_view root) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(element, load_xml(doc, xml, root));
  // A 2xx reply is success; moto leaves <return> out of some replies (CreateTags), so only an
  // explicit false counts as a refusal.
  return bool_at(element, "return", true);
}

}  // namespace gpubox::aws
