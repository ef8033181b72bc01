#include "aws/service_quotas.hpp"

#include "aws/json_fields.hpp"
#include "aws/paging.hpp"
#include "aws/service.hpp"

namespace gpubox::aws {

namespace {

ServiceQuota to_quota(const nlohmann::json& j) {
  ServiceQuota q;
  q.service_code = json_string(j, "ServiceCode");
  q.service_name = json_string(j, "ServiceName");
  q.quota_code = json_string(j, "QuotaCode");
  q.quota_name = json_string(j, "QuotaName");
  q.arn = json_string(j, "QuotaArn");
  q.value = json_number(j, "Value");
  q.unit = json_string(j, "Unit");
  q.adjustable = json_bool(j, "Adjustable");
  q.global = json_bool(j, "GlobalQuota");
  return q;
}

QuotaChangeRequest to_request(const nlohmann::json& j) {
  QuotaChangeRequest r;
  r.id = json_string(j, "Id");
  r.case_id = json_string(j, "CaseId");
  r.service_code = json_string(j, "ServiceCode");
  r.quota_code = json_string(j, "QuotaCode");
  r.quota_name = json_string(j, "QuotaName");
  r.desired_value = json_number(j, "DesiredValue");
  r.status = json_string(j, "Status");
  r.created = json_time(j, "Created");
  r.last_updated = json_time(j, "LastUpdated");
  r.requester = json_string(j, "Requester");
  r.unit = json_string(j, "Unit");
  return r;
}

Result<const nlohmann::json*> object_member(const nlohmann::json& reply, const char* key,
                                            std::string_view operation) {
  if (!reply.is_object() || !reply.contains(key) || !reply[key].is_object()) {
    return fail(ErrorKind::remote, std::string(operation) + " reply has no " + key + " object");
  }
  return &reply[key];
}

void add_paging(nlohmann::json& body, std::optional<long long> max_results,
                const std::string& next_token) {
  if (max_results) {
    body["MaxResults"] = *max_results;
  }
  if (!next_token.empty()) {
    body["NextToken"] = next_token;
  }
}

}  // namespace

nlohmann::json build_get_service_quota(const GetServiceQuotaInput& in) {
  return {{"ServiceCode", in.service_code}, {"QuotaCode", in.quota_code}};
}

Result<ServiceQuota> parse_get_service_quota(const nlohmann::json& reply) {
  GPUBOX_TRY_ASSIGN(quota, object_member(reply, "Quota", "GetServiceQuota"));
  return to_quota(*quota);
}

Result<ServiceQuota> get_service_quota(AwsClient& client, std::string_view region,
                                       const GetServiceQuotaInput& in) {
  GPUBOX_TRY_ASSIGN(
      reply, client.json(k_service_quotas, region, "GetServiceQuota", build_get_service_quota(in)));
  return parse_get_service_quota(reply);
}

nlohmann::json build_list_service_quotas(const ListServiceQuotasInput& in) {
  nlohmann::json body = {{"ServiceCode", in.service_code}};
  if (!in.quota_code.empty()) {
    body["QuotaCode"] = in.quota_code;
  }
  add_paging(body, in.max_results, in.next_token);
  return body;
}

Result<ServiceQuotasPage> parse_list_service_quotas(const nlohmann::json& reply) {
  if (!reply.is_object()) {
    return fail(ErrorKind::remote, "ListServiceQuotas reply is not a JSON object");
  }
  ServiceQuotasPage page;
  for (const nlohmann::json& q : json_array(reply, "Quotas")) {
    page.quotas.push_back(to_quota(q));
  }
  page.next_token = json_string(reply, "NextToken");
  return page;
}

Result<ServiceQuotasPage> list_service_quotas(AwsClient& client, std::string_view region,
                                              const ListServiceQuotasInput& in) {
  const PagedJson<ListServiceQuotasInput, ServiceQuotasPage, ServiceQuota> op{
      &k_service_quotas, "ListServiceQuotas", build_list_service_quotas, parse_list_service_quotas,
      &ServiceQuotasPage::quotas};
  return json_all_pages(client, region, op, in);
}

Result<ServiceQuota> get_aws_default_service_quota(AwsClient& client, std::string_view region,
                                                   const GetServiceQuotaInput& in) {
  GPUBOX_TRY_ASSIGN(reply, client.json(k_service_quotas, region, "GetAWSDefaultServiceQuota",
                                       build_get_service_quota(in)));
  return parse_get_service_quota(reply);
}

Result<ServiceQuotasPage> list_aws_default_service_quotas(AwsClient& client,
                                                          std::string_view region,
                                                          const ListServiceQuotasInput& in) {
  const PagedJson<ListServiceQuotasInput, ServiceQuotasPage, ServiceQuota> op{
      &k_service_quotas, "ListAWSDefaultServiceQuotas", build_list_service_quotas,
      parse_list_service_quotas, &ServiceQuotasPage::quotas};
  return json_all_pages(client, region, op, in);
}

nlohmann::json build_request_service_quota_increase(const RequestQuotaIncreaseInput& in) {
  // DesiredValue is a double in the model; nlohmann writes 32.0, never 32.
  nlohmann::json body = {{"ServiceCode", in.service_code},
                         {"QuotaCode", in.quota_code},
                         {"DesiredValue", in.desired_value}};
  if (in.support_case_allowed) {
    body["SupportCaseAllowed"] = *in.support_case_allowed;
  }
  return body;
}

Result<QuotaChangeRequest> parse_request_service_quota_increase(const nlohmann::json& reply) {
  GPUBOX_TRY_ASSIGN(request, object_member(reply, "RequestedQuota", "RequestServiceQuotaIncrease"));
  return to_request(*request);
}

Result<QuotaChangeRequest> request_service_quota_increase(AwsClient& client,
                                                          std::string_view region,
                                                          const RequestQuotaIncreaseInput& in) {
  GPUBOX_TRY_ASSIGN(reply, client.json(k_service_quotas, region, "RequestServiceQuotaIncrease",
                                       build_request_service_quota_increase(in)));
  return parse_request_service_quota_increase(reply);
}

nlohmann::json build_list_requested_service_quota_change_history(
    const ListQuotaChangeHistoryInput& in) {
  nlohmann::json body = nlohmann::json::object();
  if (!in.service_code.empty()) {
    body["ServiceCode"] = in.service_code;
  }
  if (!in.status.empty()) {
    body["Status"] = in.status;
  }
  add_paging(body, in.max_results, in.next_token);
  return body;
}

Result<QuotaChangeRequestsPage> parse_list_requested_service_quota_change_history(
    const nlohmann::json& reply) {
  if (!reply.is_object()) {
    return fail(ErrorKind::remote,
                "ListRequestedServiceQuotaChangeHistory reply is not a JSON object");
  }
  QuotaChangeRequestsPage page;
  for (const nlohmann::json& r : json_array(reply, "RequestedQuotas")) {
    page.requests.push_back(to_request(r));
  }
  page.next_token = json_string(reply, "NextToken");
  return page;
}

Result<QuotaChangeRequestsPage> list_requested_service_quota_change_history(
    AwsClient& client, std::string_view region, const ListQuotaChangeHistoryInput& in) {
  const PagedJson<ListQuotaChangeHistoryInput, QuotaChangeRequestsPage, QuotaChangeRequest> op{
      &k_service_quotas, "ListRequestedServiceQuotaChangeHistory",
      build_list_requested_service_quota_change_history,
      parse_list_requested_service_quota_change_history, &QuotaChangeRequestsPage::requests};
  return json_all_pages(client, region, op, in);
}

}  // namespace gpubox::aws
