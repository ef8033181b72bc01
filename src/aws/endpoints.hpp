#pragma once
// Where to send a request: configured endpoint overrides first (see Settings), otherwise the
// standard https://{endpoint_prefix}.{region}.{dnsSuffix} host of the region's partition.

#include <string>
#include <string_view>

#include "aws/service.hpp"
#include "aws/settings.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

// Return the base URL (scheme and host, no trailing slash) for `service` in `region`. An empty
// `region`, an unknown region, and Pricing outside its few regions are invalid_input Errors.
Result<std::string> resolve_endpoint(const Service& service, std::string_view region,
                                     const Settings& settings);

// Return the Pricing API region closest to `region` (us-east-1, eu-central-1, ap-south-1, or
// cn-northwest-1 in China), since Pricing exists only there.
std::string_view pricing_region_for(std::string_view region);

// Return the DNS suffix of `region`'s partition ("amazonaws.com", "amazonaws.com.cn"), or an
// empty view when `region` is not a known region name.
std::string_view dns_suffix_for(std::string_view region);

}  // namespace gpubox::aws
