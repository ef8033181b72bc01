#pragma once
// Where in the account's network a launch goes. Without --subnet, the region's default VPC and
// its default subnets: an account without a default VPC (AWS Organizations, Control Tower) is
// refused before anything is created, with a message that names --subnet, and zones without a
// default subnet are skipped. With --subnet, that subnet's VPC and zone first, then the VPC's
// subnets in other zones; a subnet that does not map public IPv4 addresses gets one asked for
// explicitly at launch.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_vpc.hpp"
#include "core/error.hpp"

namespace gpubox::box {

struct NetworkPlan {
  std::string vpc_id;                          // empty: the default VPC
  std::map<std::string, aws::Subnet> subnets;  // zone -> subnet to launch into (with --subnet)
  std::vector<std::string> zones;              // the zones to try, in order
  std::vector<std::string> skipped_zones;      // offered zones without a default subnet
};

// Resolve the network of a launch in `region` over the offered `zones` (in preference order),
// into `subnet_id` when given. Read-only.
Result<NetworkPlan> resolve_network(aws::AwsClient& client, std::string_view region,
                                    std::string_view subnet_id,
                                    const std::vector<std::string>& zones);

}  // namespace gpubox::box
