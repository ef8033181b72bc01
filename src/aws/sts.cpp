#include "aws/sts.hpp"

#include "aws/ec2.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {

QueryParams build_get_caller_identity() { return {}; }

Result<CallerIdentity> parse_get_caller_identity(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "GetCallerIdentityResponse"));
  const pugi::xml_node result = child(root, "GetCallerIdentityResult");
  CallerIdentity id{text_at(result, "Account"), text_at(result, "Arn"), text_at(result, "UserId")};
  if (id.account.empty()) {
    return fail(ErrorKind::remote, "GetCallerIdentity reply has no Account");
  }
  return id;
}

Result<CallerIdentity> get_caller_identity(AwsClient& client, std::string_view region) {
  GPUBOX_TRY_ASSIGN(xml,
                    client.query(k_sts, region, "GetCallerIdentity", build_get_caller_identity()));
  return parse_get_caller_identity(xml);
}

QueryParams build_assume_role(const AssumeRoleInput& in) {
  QueryParams p;
  p.emplace_back("RoleArn", in.role_arn);
  p.emplace_back("RoleSessionName", in.session_name);
  add_int(p, "DurationSeconds", in.duration_seconds);
  add_text(p, "ExternalId", in.external_id);
  add_text(p, "SerialNumber", in.serial_number);
  add_text(p, "TokenCode", in.token_code);
  return p;
}

namespace {

// AssumeRole and AssumeRoleWithWebIdentity answer with the same Credentials/AssumedRoleUser shape
// under <ACTION>Response/<ACTION>Result.
Result<AssumeRoleOutput> parse_role_credentials(std::string_view xml, const std::string& action) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, action + "Response"));
  const pugi::xml_node result = child(root, action + "Result");
  AssumeRoleOutput out;
  out.assumed_role_arn = text_at(result, "AssumedRoleUser/Arn");
  out.assumed_role_id = text_at(result, "AssumedRoleUser/AssumedRoleId");
  Credentials& c = out.credentials;
  c.access_key_id = text_at(result, "Credentials/AccessKeyId");
  c.secret_access_key = text_at(result, "Credentials/SecretAccessKey");
  c.session_token = text_at(result, "Credentials/SessionToken");
  c.expiration = parse_iso8601(text_at(result, "Credentials/Expiration"));
  c.source = "assume-role " + out.assumed_role_arn;
  if (c.access_key_id.empty() || c.secret_access_key.empty() || !c.expiration) {
    return fail(ErrorKind::remote, action + " reply lacks credentials or their expiration");
  }
  return out;
}

}  // namespace

Result<AssumeRoleOutput> parse_assume_role(std::string_view xml) {
  return parse_role_credentials(xml, "AssumeRole");
}

Result<AssumeRoleOutput> assume_role(AwsClient& client, std::string_view region,
                                     const AssumeRoleInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_sts, region, "AssumeRole", build_assume_role(in)));
  return parse_assume_role(xml);
}

QueryParams build_assume_role_with_web_identity(const AssumeRoleWithWebIdentityInput& in) {
  QueryParams p;
  p.emplace_back("RoleArn", in.role_arn);
  p.emplace_back("RoleSessionName", in.session_name);
  p.emplace_back("WebIdentityToken", in.web_identity_token);
  add_int(p, "DurationSeconds", in.duration_seconds);
  return p;
}

Result<AssumeRoleOutput> parse_assume_role_with_web_identity(std::string_view xml) {
  return parse_role_credentials(xml, "AssumeRoleWithWebIdentity");
}

Result<AssumeRoleOutput> assume_role_with_web_identity(AwsClient& client, std::string_view region,
                                                       const AssumeRoleWithWebIdentityInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_sts, region, "AssumeRoleWithWebIdentity",
                                      build_assume_role_with_web_identity(in)));
  return parse_assume_role_with_web_identity(xml);
}

}  // namespace gpubox::aws
