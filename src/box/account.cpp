#include "box/account.hpp"

#include "aws/ec2_catalog.hpp"
#include "aws/regions.hpp"
#include "aws/sts.hpp"

namespace gpubox::box {

Result<Account> whoami(aws::AwsClient& client, aws::CredentialProvider& credentials,
                       const aws::Settings& settings) {
  GPUBOX_TRY_ASSIGN(creds, credentials.get());
  GPUBOX_TRY_ASSIGN(id, aws::get_caller_identity(client, settings.region));
  return Account{id.account,       id.arn,      id.user_id, settings.region, settings.region_source,
                 settings.profile, creds.source};
}

Result<std::string> caller_arn(aws::AwsClient& client, std::string_view region) {
  GPUBOX_TRY_ASSIGN(id, aws::get_caller_identity(client, region));
  return id.arn;
}

Result<std::vector<RegionInfo>> enabled_regions(aws::AwsClient& client,
                                                std::string_view home_region) {
  // Without AllRegions, AWS returns only the regions enabled for the account; the filter keeps
  // stand-ins (moto lists every region with its opt-in status) to the same answer.
  GPUBOX_TRY_ASSIGN(all, aws::describe_regions(client, home_region, {}));
  std::vector<RegionInfo> out;
  for (auto& r : all) {
    if (r.opt_in_status != "not-opted-in") {
      out.push_back({r.name, aws::region_display_name(r.name), r.opt_in_status, r.endpoint});
    }
  }
  return out;
}

}  // namespace gpubox::box
