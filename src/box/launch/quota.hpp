#pragma once
// EC2 vCPU quotas for GPU families: which Service Quotas code governs an instance type (looked up
// by quota NAME with ListServiceQuotas, never hard-coded), what is used now, and whether one
// more instance fits. Shared by `gpubox quota` and `gpubox up`'s preflight.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/service_quotas.hpp"
#include "catalog/catalog.hpp"
#include "core/clock.hpp"
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
  // The region has no applied value for this quota (Service Quotas answers
  // NoSuchResourceException), so AWS's default applies: quota_vcpus is that default.
  bool from_default = false;
  // The quota could not be read (no servicequotas:* permission): nothing above is known but the
  // type, region, market and quota name; fits is true so that EC2 has the final word.
  bool unknown = false;
};

// The IAM actions gpubox's quota lookup needs, as a policy names them.
inline constexpr const char* k_quota_permissions =
    "servicequotas:GetServiceQuota, servicequotas:ListServiceQuotas and their "
    "AWSDefault variants";

// Return whether `error` is Service Quotas refusing gpubox for lack of permission.
bool is_quota_access_denied(const Error& error);

// Return the check of a quota gpubox may not read: `unknown`, fitting, with the quota's name.
QuotaCheck unknown_quota_check(std::string_view region, std::string_view instance_type, bool spot,
                               int needed_vcpus);

// Return the quota check for launching `count` instances of `instance_type` (each `type_vcpus`
// vCPUs) in `region`, on-demand or `spot`.
Result<QuotaCheck> check_quota(aws::AwsClient& client, std::string_view region,
                               std::string_view instance_type, int type_vcpus, bool spot,
                               int count = 1);

// Return the exact command that asks AWS for enough quota for `check` to fit, e.g.
// "gpubox quota request --type g5.xlarge --region us-east-1 --count 1".
std::string quota_request_command(const QuotaCheck& check, int count = 1);

// Return the Service Quotas name of the quota that governs `instance_type` on-demand or `spot`
// ("Running On-Demand G and VT instances"), or nullopt for a family gpubox does not know.
std::optional<std::string> quota_name_for(std::string_view instance_type, bool spot);

// Return whether `quota_name` (as AWS spells it today or once did) is the quota called `wanted`.
bool quota_name_matches(std::string_view quota_name, std::string_view wanted);

// A per-region cache of quota name -> quota code, stored as JSON in one file with a TTL, so the
// ListServiceQuotas paging is paid once. Thread-safe; a missing or corrupt file is an empty cache.
class QuotaCodeCache {
public:
  // Use `file` (created on first store) with entries older than `ttl` treated as missing.
  QuotaCodeCache(std::filesystem::path file, const Clock& clock,
                 std::chrono::seconds ttl = std::chrono::hours(24 * 7));
  // Return the cached code of `quota_name` in `region` when fresh.
  std::optional<std::string> code_for(std::string_view region, std::string_view quota_name);
  // Replace the entries of `region` with `quotas` (name -> code) and write the file.
  Result<void> store(std::string_view region, const std::vector<aws::ServiceQuota>& quotas);
  // Forget `region` (a cached code stopped working).
  void forget(std::string_view region);

private:
  struct RegionEntry {
    TimePoint fetched_at{};
    std::map<std::string, std::string> codes;
  };
  void load_locked();
  Result<void> save_locked();

  std::filesystem::path m_file;
  const Clock& m_clock;
  std::chrono::seconds m_ttl;
  std::mutex m_mutex;
  bool m_loaded = false;
  std::map<std::string, RegionEntry, std::less<>> m_regions;
};

// Return the vCPUs of an instance type, or nullopt when unknown (then DescribeInstanceTypes asks).
using VcpuLookup = std::function<std::optional<int>(std::string_view instance_type)>;

// Optional helpers for check_quota: a code cache and a vCPU table (both may be empty).
struct QuotaDeps {
  QuotaCodeCache* cache = nullptr;
  VcpuLookup vcpus_of;
};

// Both quotas of one region for one instance type, or the error that region answered.
struct RegionQuota {
  std::string region;
  std::optional<QuotaCheck> on_demand;
  std::optional<QuotaCheck> spot;
  std::optional<Error> error;
};

// Return check_quota for `count` instances, using `deps` for codes and vCPUs of other types.
Result<QuotaCheck> check_quota(aws::AwsClient& client, const QuotaDeps& deps,
                               std::string_view region, std::string_view instance_type,
                               int type_vcpus, bool spot, int count = 1);

// Return the on-demand and spot checks of one `instance_type` in `region` with one
// DescribeInstances and one quota lookup.
Result<RegionQuota> check_region_quotas(aws::AwsClient& client, const QuotaDeps& deps,
                                        std::string_view region, std::string_view instance_type,
                                        int type_vcpus, int count = 1);

// Return check_region_quotas for every region in `regions`, queried in parallel, in the order
// given; a region that fails carries its error and the others still answer.
std::vector<RegionQuota> check_quotas_in_regions(aws::AwsClient& client, const QuotaDeps& deps,
                                                 const std::vector<std::string>& regions,
                                                 std::string_view instance_type, int type_vcpus);

// The outcome of `gpubox quota request`.
struct QuotaIncrease {
  QuotaCheck check;             // the state before the request
  double desired_vcpus = 0;     // what was (or would have been) asked for
  bool already_enough = false;  // nothing sent: the quota already allows `count` more
  bool already_open = false;    // AWS refused: a request for this quota is open
  std::optional<aws::QuotaChangeRequest> request;  // the new request, or the open one
};

// Return the DesiredValue for `check`: current use plus what it needs, never below the current
// quota (AWS refuses a value that does not raise it).
double desired_quota_value(const QuotaCheck& check);

// Ask AWS for enough quota to run `count` more `instance_type` in `region`; an open request
// for the same quota is reported, not an error.
Result<QuotaIncrease> request_quota_increase(aws::AwsClient& client, const QuotaDeps& deps,
                                             std::string_view region,
                                             std::string_view instance_type, int type_vcpus,
                                             bool spot, int count);

// Return the quota increase requests of `region`, newest first.
Result<std::vector<aws::QuotaChangeRequest>> quota_request_history(aws::AwsClient& client,
                                                                   std::string_view region);

// An instance type and its vCPUs, the unit of EC2's instance quotas.
struct QuotaType {
  std::string instance_type;
  int vcpus = 0;
};

// Resolve `instance_type`, or else the cheapest type in `catalog` with `gpu` ("T4", "A10G:4") in
// `region`, to its vCPUs: from the catalog, else from DescribeInstanceTypes in `region`.
Result<QuotaType> resolve_quota_type(aws::AwsClient& client, const catalog::Catalog& catalog,
                                     std::string_view region, const std::string& instance_type,
                                     const std::string& gpu);

}  // namespace gpubox::box
