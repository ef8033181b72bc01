#include "aws/pricing.hpp"

#include "aws/json_fields.hpp"
#include "aws/paging.hpp"
#include "aws/service.hpp"

namespace gpubox::aws {

nlohmann::json build_get_products(const GetProductsInput& in) {
  nlohmann::json body = {{"ServiceCode", in.service_code}};
  if (!in.filters.empty()) {
    nlohmann::json filters = nlohmann::json::array();
    for (const PriceFilter& f : in.filters) {
      filters.push_back({{"Type", f.type}, {"Field", f.field}, {"Value", f.value}});
    }
    body["Filters"] = std::move(filters);
  }
  if (!in.format_version.empty()) {
    body["FormatVersion"] = in.format_version;
  }
  if (in.max_results) {
    body["MaxResults"] = *in.max_results;
  }
  if (!in.next_token.empty()) {
    body["NextToken"] = in.next_token;
  }
  return body;
}

Result<ProductsPage> parse_get_products(const nlohmann::json& reply) {
  if (!reply.is_object()) {
    return fail(ErrorKind::remote, "GetProducts reply is not a JSON object");
  }
  ProductsPage page;
  page.format_version = json_string(reply, "FormatVersion");
  page.next_token = json_string(reply, "NextToken");
  // The model marks PriceList members jsonvalue: each is a JSON document serialized as a string.
  for (const nlohmann::json& entry : json_array(reply, "PriceList")) {
    nlohmann::json product = entry.is_string()
                                 ? nlohmann::json::parse(entry.get<std::string>(), nullptr, false)
                                 : nlohmann::json(nlohmann::json::value_t::discarded);
    if (product.is_discarded() || !product.is_object()) {
      return fail(ErrorKind::remote, "GetProducts PriceList entry is not a JSON document");
    }
    page.products.push_back(std::move(product));
  }
  return page;
}

Result<ProductsPage> get_products(AwsClient& client, std::string_view region,
                                  const GetProductsInput& in) {
  const PagedJson<GetProductsInput, ProductsPage, nlohmann::json> op{
      &k_pricing, "GetProducts", build_get_products, parse_get_products, &ProductsPage::products};
  return json_all_pages(client, region, op, in);
}

}  // namespace gpubox::aws
