#include "aws/assume_role.hpp"

#include "aws/client.hpp"
#include "aws/sts.hpp"

namespace gpubox::aws {

AssumeRoleFn make_sts_assume_role(HttpClient& http, Clock& clock, const Settings& settings) {
  return [&http, &clock, &settings](const Credentials& source,
                                    const AssumeRoleRequest& req) -> Result<Credentials> {
    StaticCredentialProvider provider(source);
    AwsClient client(ClientDeps{http, clock, provider, settings});
    AssumeRoleInput in;
    in.role_arn = req.role_arn;
    in.session_name = req.role_session_name;
    in.external_id = req.external_id;
    in.serial_number = req.mfa_serial;
    in.token_code = req.mfa_code;
    if (req.duration_seconds) {
      in.duration_seconds = *req.duration_seconds;
    }
    GPUBOX_TRY_ASSIGN(out, assume_role(client, req.region.empty() ? "us-east-1" : req.region, in));
    out.credentials.source = "assume-role " + req.role_arn + " (profile " + req.profile + ")";
    return out.credentials;
  };
}

WebIdentityFn make_sts_assume_role_with_web_identity(HttpClient& http, Clock& clock,
                                                     const Settings& settings) {
  return [&http, &clock, &settings](const WebIdentityRequest& req) -> Result<Credentials> {
    AnonymousCredentialProvider anonymous;
    AwsClient client(ClientDeps{http, clock, anonymous, settings});
    AssumeRoleWithWebIdentityInput in;
    in.role_arn = req.role_arn;
    in.session_name = req.role_session_name;
    in.web_identity_token = req.token;
    if (req.duration_seconds) {
      in.duration_seconds = *req.duration_seconds;
    }
    GPUBOX_TRY_ASSIGN(out, assume_role_with_web_identity(
                               client, req.region.empty() ? "us-east-1" : req.region, in));
    return out.credentials;
  };
}

}  // namespace gpubox::aws
