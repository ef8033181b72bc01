#pragma once
// AWS Price List Query API (JSON 1.1, endpoints only in us-east-1, eu-central-1, ap-south-1).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client.hpp"

namespace gpubox::aws {

struct PriceFilter {
  std::string type = "TERM_MATCH";  // TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF
  std::string field;                // "instanceType", "regionCode", ...
  std::string value;
};

struct GetProductsInput {
  std::string service_code = "AmazonEC2";
  std::vector<PriceFilter> filters;
  std::string format_version;  // "aws_v1"
  std::optional<long long> max_results;
  std::string next_token;
};

struct ProductsPage {
  std::string format_version;
  std::vector<nlohmann::json> products;  // each PriceList string, parsed
  std::string next_token;
};

// Return the JSON body of GetProducts for `in`.
nlohmann::json build_get_products(const GetProductsInput& in);
// Parse one GetProducts page; each PriceList entry is a JSON document inside a string.
Result<ProductsPage> parse_get_products(const nlohmann::json& reply);
// Read every product matching `in.filters`, following every page.
Result<ProductsPage> get_products(AwsClient& client, std::string_view region,
                                  const GetProductsInput& in);

}  // namespace gpubox::aws
