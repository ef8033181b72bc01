#pragma once
// Service Quotas (JSON 1.1): EC2 vCPU quotas and increase requests.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

struct GetServiceQuotaInput {
  std::string service_code;  // "ec2"
  std::string quota_code;    // "L-DB2E81BA"
};

struct ServiceQuota {
  std::string service_code;
  std::string service_name;
  std::string quota_code;
  std::string quota_name;
  std::string arn;
  double value = 0;
  std::string unit;
  bool adjustable = false;
  bool global = false;
};

struct ListServiceQuotasInput {
  std::string service_code;
  std::string quota_code;  // optional filter
  std::optional<long long> max_results;
  std::string next_token;
};

struct ServiceQuotasPage {
  std::vector<ServiceQuota> quotas;
  std::string next_token;
};

struct RequestQuotaIncreaseInput {
  std::string service_code;
  std::string quota_code;
  double desired_value = 0;
  std::optional<bool> support_case_allowed;
};

struct QuotaChangeRequest {
  std::string id;
  std::string case_id;
  std::string service_code;
  std::string quota_code;
  std::string quota_name;
  double desired_value = 0;
  std::string status;  // PENDING, CASE_OPENED, APPROVED, DENIED, CASE_CLOSED, NOT_APPROVED, ...
  std::optional<TimePoint> created;
  std::optional<TimePoint> last_updated;
  std::string requester;
  std::string unit;
};

struct ListQuotaChangeHistoryInput {
  std::string service_code;  // optional
  std::string status;        // optional
  std::optional<long long> max_results;
  std::string next_token;
};

struct QuotaChangeRequestsPage {
  std::vector<QuotaChangeRequest> requests;
  std::string next_token;
};

// Return the JSON body of GetServiceQuota for `in`.
nlohmann::json build_get_service_quota(const GetServiceQuotaInput& in);
// Parse a GetServiceQuota reply.
Result<ServiceQuota> parse_get_service_quota(const nlohmann::json& reply);
// Read the quota value applied to the account in `region`.
Result<ServiceQuota> get_service_quota(AwsClient& client, std::string_view region,
                                       const GetServiceQuotaInput& in);

// Return the JSON body of ListServiceQuotas for `in`.
nlohmann::json build_list_service_quotas(const ListServiceQuotasInput& in);
// Parse one ListServiceQuotas page.
Result<ServiceQuotasPage> parse_list_service_quotas(const nlohmann::json& reply);
// List a service's applied quotas, following every page.
Result<ServiceQuotasPage> list_service_quotas(AwsClient& client, std::string_view region,
                                              const ListServiceQuotasInput& in);

// Read AWS's default value of a quota in `region` (what applies where none was ever applied:
// GetServiceQuota then answers NoSuchResourceException).
Result<ServiceQuota> get_aws_default_service_quota(AwsClient& client, std::string_view region,
                                                   const GetServiceQuotaInput& in);
// List a service's default quotas, following every page (`in.quota_code` is not sent).
Result<ServiceQuotasPage> list_aws_default_service_quotas(AwsClient& client,
                                                          std::string_view region,
                                                          const ListServiceQuotasInput& in);

// Return the JSON body of RequestServiceQuotaIncrease for `in`.
nlohmann::json build_request_service_quota_increase(const RequestQuotaIncreaseInput& in);
// Parse a RequestServiceQuotaIncrease reply.
Result<QuotaChangeRequest> parse_request_service_quota_increase(const nlohmann::json& reply);
// Ask for a quota increase.
Result<QuotaChangeRequest> request_service_quota_increase(AwsClient& client,
                                                          std::string_view region,
                                                          const RequestQuotaIncreaseInput& in);

// Return the JSON body of ListRequestedServiceQuotaChangeHistory for `in`.
nlohmann::json build_list_requested_service_quota_change_history(
    const ListQuotaChangeHistoryInput& in);
// Parse one ListRequestedServiceQuotaChangeHistory page.
Result<QuotaChangeRequestsPage> parse_list_requested_service_quota_change_history(
    const nlohmann::json& reply);
// List past quota increase requests, following every page.
Result<QuotaChangeRequestsPage> list_requested_service_quota_change_history(
    AwsClient& client, std::string_view region, const ListQuotaChangeHistoryInput& in);

}  // namespace gpubox::aws
