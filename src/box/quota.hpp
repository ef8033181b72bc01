#pragma once
// EC2 vCPU quotas for GPU families: which Service Quotas code governs an instance type (looked up
// by quota NAME with ListServiceQuotas, never hard-coded), what is used now, and whether one
// more instance fits. Shared by `gpubox quota` and `gpubox up`'s preflight.

#include <optional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "core/error.hpp"

namespace gpubox::box {

struct QuotaCheck {
  std::string region;
  std::string instance_type;
  bool spot = false;
  std::string quota_code;  // e.g. "L-DB2E81BA"
  std::string quota_name;  // e.g. "Running On-Demand G and VT instances"
  double quota_vcpus = 0;
  int used_vcpus = 0;    // vCPUs of running/pending instances governed by the same quota
  int needed_vcpus = 0;  // vCPUs of `count` more instances of the type
  bool fits = false;     // used + needed <= quota
};

// Return the quota check for launching `count` instances of `instance_type` (each `type_vcpus`
// vCPUs) in `region`, on-demand or `spot`.
Result<QuotaCheck> check_quota(aws::AwsClient& client, std::string_view region,
                               std::string_view instance_type, int type_vcpus, bool spot,
                               int count = 1);

// Return the exact command that asks AWS for enough quota for `check` to fit, e.g.
// "gpubox quota request --type g5.xlarge --region us-east-1 --count 1".
std::string quota_request_command(const QuotaCheck& check, int count = 1);

}  // namespace gpubox::box
