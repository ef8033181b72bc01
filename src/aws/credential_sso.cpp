#include "aws/credential_sso.hpp"

#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "aws/endpoints.hpp"
#include "aws/errors.hpp"
#include "aws/json_fields.hpp"
#include "aws/service.hpp"
#include "core/crypto.hpp"
#include "core/iso8601.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

// What GetRoleCredentials needs, from the profile and its [sso-session] section.
struct SsoConfig {
  std::string session;  // the sso-session name; empty for a legacy profile
  std::string start_url;
  std::string region;
  std::string account_id;
  std::string role_name;
};

// The AWS CLI names token cache files by the SHA-1 of the session name or start URL.
std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

std::string profile_value(const Profile& p, std::string_view key,
                          std::vector<std::string>& missing) {
  const ProfileValue* v = p.find(key);
  if (v == nullptr) {
    missing.emplace_back(key);
    return {};
  }
  return v->value;
}

// Fill the portal keys from `[sso-session NAME]`; the profile may repeat them only unchanged.
Result<void> read_sso_session(const ProfileFiles& files, const Profile& p, const ProfileValue& ref,
                              SsoConfig& out) {
  std::string header = "sso-session " + ref.value;
  const IniSection* section = files.config ? files.config->find(header) : nullptr;
  if (section == nullptr || !files.config) {
    return fail(ErrorKind::invalid_input, "profile " + p.name + " refers to [" + header + "] (" +
                                              ref.where() + "), which " +
                                              files.config_path.string() + " does not have");
  }
  std::string where =
      "[" + header + "] (" + files.config->path + ":" + std::to_string(section->line) + ")";
  std::vector<std::string> missing;
  for (auto [key, field] :
       {std::pair{"sso_region", &out.region}, std::pair{"sso_start_url", &out.start_url}}) {
    const IniEntry* entry = section->find(key);
    if (entry == nullptr || trim(entry->value).empty()) {
      missing.emplace_back(key);
      continue;
    }
    *field = std::string(trim(entry->value));
    const ProfileValue* own = p.find(key);
    if (own != nullptr && own->value != *field) {
      return fail(ErrorKind::invalid_input, "profile " + p.name + " sets " + key + " (" +
                                                own->where() + ") to a different value than " +
                                                where);
    }
  }
  if (!missing.empty()) {
    return fail(ErrorKind::invalid_input, where + " does not set " + join(missing));
  }
  out.session = ref.value;
  return {};
}

Result<SsoConfig> load_sso_config(const ProfileFiles& files, const Profile& p) {
  SsoConfig c;
  std::vector<std::string> missing;
  const ProfileValue* session = p.find("sso_session");
  const ProfileValue* marker = session != nullptr ? session : p.find("sso_start_url");
  if (marker == nullptr) {
    return fail(ErrorKind::invalid_input, "profile " + p.name + " is not an SSO profile");
  }
  if (session == nullptr) {
    c.start_url = profile_value(p, "sso_start_url", missing);
    c.region = profile_value(p, "sso_region", missing);
  }
  c.account_id = profile_value(p, "sso_account_id", missing);
  c.role_name = profile_value(p, "sso_role_name", missing);
  if (!missing.empty()) {
    return fail(ErrorKind::invalid_input,
                "profile " + p.name + " uses SSO (" +
                    (session != nullptr ? "sso_session" : "sso_start_url") + " at " +
                    marker->where() + ") but does not set " + join(missing));
  }
  if (session != nullptr) {
    GPUBOX_TRY(read_sso_session(files, p, *session, c));
  }
  return c;
}

Error login_error(const Profile& p, std::string message) {
  Error e;
  e.kind = ErrorKind::auth;
  e.message = std::move(message);
  e.hint = "aws sso login --profile " + p.name;
  return e;
}

// Return the access token `aws sso login` cached. It is not refreshed here even when the cache
// holds a refresh token (botocore's SSOTokenProvider does that): the user logs in again.
Result<std::string> cached_access_token(const SsoConfig& c, const Profile& p, const Clock& clock,
                                        const std::filesystem::path& cache_dir) {
  std::filesystem::path path =
      cache_dir / (sha1_hex(c.session.empty() ? c.start_url : c.session) + ".json");
  std::string who = "the SSO token for profile " + p.name;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(login_error(
        p, "no SSO token for profile " + p.name + ": " + path.string() + " does not exist"));
  }
  auto text = read_file(path);
  nlohmann::json doc = nlohmann::json::parse(text ? *text : std::string(), nullptr, false);
  auto field = [&doc](const char* key) { return json_string(doc, key); };
  std::string token = field("accessToken");
  std::string expires_at = field("expiresAt");
  if (expires_at.ends_with("UTC")) {  // older AWS CLI versions wrote "2026-11-26T10:00:00UTC"
    expires_at.replace(expires_at.size() - 3, 3, "Z");
  }
  auto expiry = parse_iso8601(expires_at);
  if (!text || doc.is_discarded() || token.empty() || !expiry) {
    return fail(login_error(
        p, who + " in " + path.string() + " is unreadable (no accessToken or expiresAt)"));
  }
  if (*expiry <= clock.now()) {
    return fail(login_error(p, who + " in " + path.string() + " expired at " + field("expiresAt")));
  }
  return token;
}

Error portal_error(const HttpResponse& reply, const std::string& who, const Profile& p) {
  AwsErrorFields f;
  parse_rest_json_error(reply, f);
  std::string detail = f.code.empty() ? "HTTP " + std::to_string(reply.status) : f.code;
  if (!f.message.empty()) {
    detail += ": " + f.message.substr(0, 200);
  }
  Error e;
  if (reply.status == 401 || reply.status == 403) {
    e = login_error(p, who + " was refused (" + detail + "); the SSO session may have ended");
  } else {
    e.message = who + ": " + detail;
  }
  e.aws_code = f.code;
  e.request_id = f.request_id;
  e.http_status = reply.status;
  if (e.kind != ErrorKind::auth) {
    apply_class(e);
  }
  return e;
}

Result<Credentials> parse_role_credentials(const HttpResponse& reply, const std::string& who) {
  // Never quote the body: it holds the secret key.
  nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  const nlohmann::json* creds = nullptr;
  if (!doc.is_discarded() && doc.is_object()) {
    auto it = doc.find("roleCredentials");
    creds = it != doc.end() && it->is_object() ? &*it : nullptr;
  }
  if (creds == nullptr) {
    return fail(ErrorKind::remote, who + ": the reply has no roleCredentials object (HTTP " +
                                       std::to_string(reply.status) + ")");
  }
  auto text = [creds](const char* key) { return json_string(*creds, key); };
  Credentials c{text("accessKeyId"), text("secretAccessKey"), text("sessionToken"), std::nullopt,
                ""};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return fail(ErrorKind::remote, who + ": the reply has no accessKeyId or no secretAccessKey");
  }
  if (auto it = creds->find("expiration"); it != creds->end() && it->is_number()) {
    c.expiration = TimePoint{std::chrono::milliseconds{it->get<std::int64_t>()}};
  }
  return c;
}

Result<Credentials> get_role_credentials(HttpClient& http, const Settings& settings,
                                         const SsoConfig& c, const std::string& token,
                                         const Profile& p) {
  // --endpoint-url names the endpoint of the command's own service, not of the SSO portal.
  Settings portal_settings = settings;
  portal_settings.endpoint_url_flag.clear();
  GPUBOX_TRY_ASSIGN(base, resolve_endpoint(k_sso, c.region, portal_settings));
  // REST-JSON with a bearer token: GetRoleCredentials is not SigV4-signed.
  HttpRequest request{"GET",
                      base + "/federation/credentials?account_id=" + uri_encode(c.account_id) +
                          "&role_name=" + uri_encode(c.role_name),
                      {{"Accept", "application/json"}, {"x-amz-sso_bearer_token", token}},
                      ""};
  std::string who = "SSO GetRoleCredentials for role " + c.role_name + " in account " +
                    c.account_id + " (profile " + p.name + ")";
  auto reply = http.send(request);
  if (!reply) {
    Error e = std::move(reply.error());
    e.message = who + ": " + e.message;
    return fail(std::move(e));
  }
  if (reply->status < 200 || reply->status >= 300) {
    return fail(portal_error(*reply, who, p));
  }
  return parse_role_credentials(*reply, who);
}

}  // namespace

bool profile_uses_sso(const Profile& profile) {
  return profile.find("sso_session") != nullptr || profile.find("sso_start_url") != nullptr;
}

std::filesystem::path default_sso_cache_dir(const std::filesystem::path& home) {
  return home / ".aws" / "sso" / "cache";
}

Result<Credentials> credentials_from_sso(const ProfileFiles& files, const Profile& profile,
                                         HttpClient& http, const Settings& settings, Clock& clock,
                                         const std::filesystem::path& sso_cache_dir) {
  GPUBOX_TRY_ASSIGN(config, load_sso_config(files, profile));
  GPUBOX_TRY_ASSIGN(token, cached_access_token(config, profile, clock, sso_cache_dir));
  GPUBOX_TRY_ASSIGN(creds, get_role_credentials(http, settings, config, token, profile));
  creds.source =
      "sso " + config.role_name + " in " + config.account_id + " (profile " + profile.name + ")";
  return creds;
}

}  // namespace gpubox::aws
