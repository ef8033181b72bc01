#pragma once
// The AWS account gpubox works in: who the caller is, and which regions are enabled. The
// commands `whoami` and `regions` render these; `up` records the caller as a box's owner.

#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::box {

// Who gpubox acts as, and where its settings came from.
struct Account {
  std::string account;
  std::string arn;
  std::string user_id;
  std::string region;
  std::string region_source;  // e.g. "AWS_REGION", "profile dev"
  std::string profile;
  std::string credential_source;  // e.g. "environment"
};

// Resolve the credentials through `credentials` and ask STS who they belong to (in
// `settings.region`, or us-east-1 when none is configured).
Result<Account> whoami(aws::AwsClient& client, aws::CredentialProvider& credentials,
                       const aws::Settings& settings);

// Return the ARN of the caller (STS GetCallerIdentity in `region`), recorded as a box's owner.
Result<std::string> caller_arn(aws::AwsClient& client, std::string_view region);

// Return AWS's clock minus `now`, read from the Date header of a plain GET to the STS endpoint of
// `region` (no credentials needed): SigV4 fails past 5 minutes of skew. nullopt when no Date
// could be read.
std::optional<Duration> aws_clock_skew(aws::HttpClient& http, const aws::Settings& settings,
                                       std::string_view region, TimePoint now);

struct RegionInfo {
  std::string name;           // "eu-west-1"
  std::string display_name;   // "Europe (Ireland)"
  std::string opt_in_status;  // "opt-in-not-required" or "opted-in"
  std::string endpoint;
};

// Return the regions enabled for the account (DescribeRegions in `home_region`), in AWS's order.
// Regions not opted in are left out even when a stand-in lists them.
Result<std::vector<RegionInfo>> enabled_regions(aws::AwsClient& client,
                                                std::string_view home_region);

}  // namespace gpubox::box
