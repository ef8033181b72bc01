#include "box/account.hpp"

#include "aws/ec2_catalog.hpp"
#include "aws/endpoints.hpp"
#include "aws/regions.hpp"
#include "aws/retry.hpp"
#include "aws/service.hpp"
#include "aws/sts.hpp"

namespace gpubox::box {

Result<Account> whoami(aws::AwsClient& client, aws::CredentialProvider& credentials,
                       const aws::Settings& settings) {
  GPUBOX_TRY_ASSIGN(creds, credentials.get());
  // STS answers in every region: without a configured one, ask us-east-1 (the global endpoint's).
  const std::string sts_region = settings.region.empty() ? "us-east-1" : settings.region;
  GPUBOX_TRY_ASSIGN(id, aws::get_caller_identity(client, sts_region));
  return Account{id.account,       id.arn,      id.user_id, settings.region, settings.region_source,
                 settings.profile, creds.source};
}

Result<std::string> caller_arn(aws::AwsClient& client, std::string_view region) {
  GPUBOX_TRY_ASSIGN(id, aws::get_caller_identity(client, region));
  return id.arn;
}

std::optional<Duration> aws_clock_skew(aws::HttpClient& http, const aws::Settings& settings,
                                       std::string_view region, TimePoint now) {
  auto url = aws::resolve_endpoint(aws::k_sts, region, settings);
  if (!url) {
    return std::nullopt;
  }
  aws::HttpRequest req;
  req.method = "GET";
  req.url = *url + "/";
  auto resp = http.send(req);
  if (!resp) {
    return std::nullopt;
  }
  auto date = aws::find_header(resp->headers, "Date");
  auto server = date ? aws::parse_http_date(*date) : std::nullopt;
  if (!server) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Duration>(*server - now);
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
