#include "aws/credentials.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/credential_container.hpp"
#include "aws/credential_sources.hpp"
#include "aws/credential_sso.hpp"
#include "aws/json_fields.hpp"
#include "aws/profile.hpp"
#include "aws/xml.hpp"
#include "core/crypto.hpp"
#include "core/iso8601.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

// A longer source_profile chain is a mistake or an attack on the stack (thousands segfaulted).
constexpr size_t k_max_source_profile_depth = 32;

// Refresh expiring credentials this long before they expire, so a request signed with them
// never reaches AWS already expired.
constexpr std::chrono::minutes k_refresh_window{5};

using OptionalCredentials = std::optional<Credentials>;

Result<OptionalCredentials> environment_credentials(const EnvLookup& env) {
  auto id = env_value(env, "AWS_ACCESS_KEY_ID");
  auto secret = env_value(env, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    return OptionalCredentials{};
  }
  if (!id || !secret) {
    return fail(ErrorKind::auth,
                std::string(id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is set but " +
                    (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not");
  }
  auto token = env_value(env, "AWS_SESSION_TOKEN");
  if (!token) {
    token = env_value(env, "AWS_SECURITY_TOKEN");  // the legacy name botocore still accepts
  }
  Credentials c{*id, *secret, token.value_or(""), std::nullopt, "environment"};
  if (auto expiration = env_value(env, "AWS_CREDENTIAL_EXPIRATION")) {
    c.expiration = parse_iso8601(*expiration);
    if (!c.expiration) {
      return fail(ErrorKind::auth, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
    }
  }
  return OptionalCredentials(std::move(c));
}

bool fresh_at(const Credentials& c, TimePoint now) {
  return !c.expiration || now + k_refresh_window < *c.expiration;
}

// Assumed-role credentials kept between runs, one 0600 JSON file per role request (the AWS CLI
// keeps its own in ~/.aws/cli/cache the same way). Best effort: a cache that cannot be read or
// written only costs an STS call.
class RoleCache {
public:
  RoleCache(std::filesystem::path dir, Clock& clock) : m_dir(std::move(dir)), m_clock(clock) {}

  std::optional<Credentials> load(const std::string& key) const {
    if (m_dir.empty()) {
      return std::nullopt;
    }
    auto text = read_file(file(key));
    if (!text) {
      return std::nullopt;
    }
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return std::nullopt;
    }
    auto field = [&doc](const char* name) { return json_string(doc, name); };
    Credentials c{field("AccessKeyId"), field("SecretAccessKey"), field("SessionToken"),
                  parse_iso8601(field("Expiration")), field("Source")};
    if (c.access_key_id.empty() || c.secret_access_key.empty() || !c.expiration ||
        !fresh_at(c, m_clock.now())) {
      return std::nullopt;
    }
    c.source += " (cached until " + format_iso8601(*c.expiration) + ")";
    return c;
  }

  void store(const std::string& key, const Credentials& c) const {
    if (m_dir.empty() || !c.expiration) {
      return;
    }
    nlohmann::json doc = {{"AccessKeyId", c.access_key_id},
                          {"SecretAccessKey", c.secret_access_key},
                          {"SessionToken", c.session_token},
                          {"Expiration", format_iso8601(*c.expiration)},
                          {"Source", c.source}};
    // The parent first, so a data directory created here is owner-only too.
    auto dir = ensure_private_dir(m_dir.parent_path());
    dir = dir ? ensure_private_dir(m_dir) : dir;
    auto written = dir ? write_file_atomic(file(key), doc.dump(), 0600) : dir;
    if (!written) {
      GPUBOX_LOG("aws credentials: not cached: {}", written.error().message);
    }
  }

private:
  std::filesystem::path file(const std::string& key) const {
    return m_dir / (sha256_hex(key) + ".json");
  }

  std::filesystem::path m_dir;
  Clock& m_clock;
};

Result<std::string> read_token_file(const std::string& path, const std::string& origin) {
  auto text = read_file(path);
  if (!text) {
    return fail(ErrorKind::auth,
                "cannot read the web identity token file " + path + " (" + origin + ")");
  }
  std::string token(trim(*text));
  if (token.empty()) {
    return fail(ErrorKind::auth,
                "the web identity token file " + path + " (" + origin + ") is empty");
  }
  return token;
}

Result<std::optional<int>> parse_duration(const ProfileValue* v) {
  if (v == nullptr) {
    return std::optional<int>{};
  }
  int n = 0;
  auto [end, ec] = std::from_chars(v->value.data(), v->value.data() + v->value.size(), n);
  if (ec != std::errc() || end != v->value.data() + v->value.size() || n <= 0) {
    return fail(ErrorKind::invalid_input,
                "duration_seconds (" + v->where() + ") must be a whole number of seconds");
  }
  return std::optional<int>(n);
}

// One pass over the chain; the files are read once per pass.
class ChainResolver {
public:
  ChainResolver(const Settings& settings, CredentialDeps& deps, const ProfileFiles& files)
      : m_settings(settings), m_deps(deps), m_files(files) {}

  Result<Credentials> resolve() {
    if (!m_settings.profile_explicit) {
      GPUBOX_TRY_ASSIGN(env, environment_credentials(m_deps.env));
      if (env) {
        return std::move(*env);
      }
    }
    std::vector<std::string> chain;
    Profile profile = find_profile(m_files, m_settings.profile);
    // botocore's order: a profile's role beats AWS_WEB_IDENTITY_TOKEN_FILE, which beats the
    // profile's SSO, keys and credential_process (and, like the keys, is skipped for --profile).
    if (profile.find("role_arn") == nullptr && !m_settings.profile_explicit) {
      GPUBOX_TRY_ASSIGN(web, environment_web_identity());
      if (web) {
        return std::move(*web);
      }
    }
    GPUBOX_TRY_ASSIGN(from_profile, profile_credentials(m_settings.profile, chain, true));
    if (from_profile) {
      return std::move(*from_profile);
    }
    GPUBOX_TRY_ASSIGN(container, credentials_from_container(m_deps.http, m_deps.env));
    if (container) {
      return std::move(*container);
    }
    GPUBOX_TRY_ASSIGN(imds,
                      credentials_from_instance_metadata(m_deps.http, m_deps.env, m_deps.dmi_dir));
    if (imds) {
      return std::move(*imds);
    }
    return fail(ErrorKind::auth,
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                "aws_access_key_id and aws_secret_access_key to profile " +
                    m_settings.profile + " in " + m_settings.credentials_file.string(),
                "run `aws configure`, or choose a profile that has credentials with --profile");
  }

private:
  // Resolve profile `name` in botocore's order: role_arn (AssumeRole, or
  // AssumeRoleWithWebIdentity with web_identity_token_file), SSO, credentials-file keys,
  // credential_process, config-file keys. `chain` holds the profiles that led here.
  Result<OptionalCredentials> profile_credentials(const std::string& name,
                                                  std::vector<std::string>& chain,
                                                  bool allow_role) {
    Profile p = find_profile(m_files, name);
    if (const ProfileValue* role = p.find("role_arn"); role != nullptr && allow_role) {
      bool web = p.find("web_identity_token_file") != nullptr &&
                 p.find("source_profile") == nullptr && p.find("credential_source") == nullptr;
      GPUBOX_TRY_ASSIGN(assumed,
                        web ? profile_web_identity(p, *role) : assume_role(p, *role, chain));
      return OptionalCredentials(std::move(assumed));
    }
    if (profile_uses_sso(p)) {
      GPUBOX_TRY_ASSIGN(sso, credentials_from_sso(m_files, p, m_deps.http, m_settings, m_deps.clock,
                                                  m_deps.sso_cache_dir));
      return OptionalCredentials(std::move(sso));
    }
    const ProfileValue* key = p.find("aws_access_key_id");
    bool key_in_credentials = key != nullptr && key->file == m_files.credentials_path.string();
    if (const ProfileValue* process = p.find("credential_process");
        process != nullptr && !key_in_credentials) {
      GPUBOX_TRY_ASSIGN(c, credentials_from_process(m_deps.processes, process->value, p.name));
      return OptionalCredentials(std::move(c));
    }
    return static_keys(p);
  }

  Result<OptionalCredentials> static_keys(const Profile& p) {
    const ProfileValue* key = p.find("aws_access_key_id");
    const ProfileValue* secret = p.find("aws_secret_access_key");
    if (key == nullptr && secret == nullptr) {
      return OptionalCredentials{};
    }
    if (key == nullptr || secret == nullptr) {
      const ProfileValue& set = key != nullptr ? *key : *secret;
      return fail(ErrorKind::auth,
                  "profile " + p.name + " sets " +
                      (key != nullptr ? "aws_access_key_id" : "aws_secret_access_key") + " (" +
                      set.where() + ") but not " +
                      (key != nullptr ? "aws_secret_access_key" : "aws_access_key_id"));
    }
    const ProfileValue* token = p.find("aws_session_token");
    if (token == nullptr) {
      token = p.find("aws_security_token");
    }
    return OptionalCredentials(Credentials{key->value, secret->value,
                                           token != nullptr ? token->value : "", std::nullopt,
                                           "profile " + p.name + " in " + key->file});
  }

  // Return the credentials the role is assumed with, and set `via` to where they came from.
  Result<Credentials> role_source(const Profile& p, std::vector<std::string>& chain,
                                  std::string& via) {
    const ProfileValue* source = p.find("source_profile");
    const ProfileValue* named = p.find("credential_source");
    if (source != nullptr && named != nullptr) {
      return fail(ErrorKind::invalid_input,
                  "profile " + p.name + " sets both source_profile and credential_source");
    }
    if (named != nullptr) {
      return named_source(p, *named, via);
    }
    if (source == nullptr) {
      return fail(ErrorKind::invalid_input,
                  "profile " + p.name + " sets role_arn (" + p.find("role_arn")->where() +
                      ") but neither source_profile nor credential_source");
    }
    const std::string& name = source->value;
    if (name != p.name && std::ranges::find(chain, name) != chain.end()) {
      std::string loop;
      for (const std::string& link : chain) {
        loop += link + " -> ";
      }
      return fail(ErrorKind::invalid_input, "source_profile loop: " + loop + name);
    }
    if (chain.size() >= k_max_source_profile_depth) {
      Error e;
      e.kind = ErrorKind::invalid_input;
      e.message = fmt::format("profile {}: the source_profile chain is longer than {} profiles",
                              chain.front(), k_max_source_profile_depth);
      e.hint = "point source_profile at a profile with credentials within a few steps";
      return fail(std::move(e));
    }
    if (!find_profile(m_files, name).exists()) {
      return fail(profile_not_found(m_files, name, "source_profile of profile " + p.name));
    }
    // A profile may name itself as source_profile to assume a role with its own static keys.
    GPUBOX_TRY_ASSIGN(creds, profile_credentials(name, chain, name != p.name));
    if (!creds) {
      return fail(ErrorKind::auth, "profile " + name + " (source_profile of profile " + p.name +
                                       ") has no credentials");
    }
    via = "profile " + name;
    return std::move(*creds);
  }

  Result<Credentials> named_source(const Profile& p, const ProfileValue& named, std::string& via) {
    OptionalCredentials creds;
    if (named.value == "Environment") {
      GPUBOX_TRY_ASSIGN(env, environment_credentials(m_deps.env));
      creds = std::move(env);
      via = "environment";
    } else if (named.value == "Ec2InstanceMetadata") {
      GPUBOX_TRY_ASSIGN(
          imds, credentials_from_instance_metadata(m_deps.http, m_deps.env, m_deps.dmi_dir));
      creds = std::move(imds);
      via = "EC2 instance metadata";
    } else if (named.value == "EcsContainer") {
      GPUBOX_TRY_ASSIGN(container, credentials_from_container(m_deps.http, m_deps.env));
      creds = std::move(container);
      via = "container credentials";
    } else {
      return fail(ErrorKind::invalid_input,
                  "profile " + p.name + ": credential_source '" + named.value + "' (" +
                      named.where() +
                      ") is not supported; use Environment, Ec2InstanceMetadata or EcsContainer");
    }
    if (!creds) {
      return fail(ErrorKind::auth, "profile " + p.name + ": credential_source " + named.value +
                                       " has no credentials");
    }
    return std::move(*creds);
  }

  Result<AssumeRoleRequest> role_request(const Profile& p, const ProfileValue& role) {
    AssumeRoleRequest req;
    req.role_arn = role.value;
    req.profile = p.name;
    req.region = m_settings.region.empty() ? "us-east-1" : m_settings.region;
    const ProfileValue* session = p.find("role_session_name");
    req.role_session_name = session != nullptr ? session->value : default_session_name();
    if (const ProfileValue* v = p.find("external_id")) {
      req.external_id = v->value;
    }
    if (const ProfileValue* v = p.find("mfa_serial")) {
      req.mfa_serial = v->value;
      GPUBOX_TRY_ASSIGN(code, mfa_code(p, *v));
      req.mfa_code = std::move(code);
    }
    GPUBOX_TRY_ASSIGN(duration, parse_duration(p.find("duration_seconds")));
    req.duration_seconds = duration;
    return req;
  }

  // Ask for the current code of the MFA device `serial` (botocore's prompt), once per role:
  // the assumed credentials are cached, so the next commands do not ask again.
  Result<std::string> mfa_code(const Profile& p, const ProfileValue& serial) {
    if (!m_deps.ask_mfa_code) {
      return fail(ErrorKind::auth, "profile " + p.name + " assumes its role with MFA (" +
                                       serial.where() + "), and nobody can be asked for a code");
    }
    auto code = m_deps.ask_mfa_code("Enter MFA code for " + serial.value + ": ");
    if (!code) {
      Error e = std::move(code.error());
      e.message = "profile " + p.name + " needs an MFA code for " + serial.value + ": " + e.message;
      return fail(std::move(e));
    }
    std::string typed(trim(*code));
    bool digits = typed.size() == 6 &&
                  std::ranges::all_of(typed, [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      return fail(ErrorKind::invalid_input, "an MFA code is 6 digits");
    }
    return typed;
  }

  std::string default_session_name() const {
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(m_deps.clock.now().time_since_epoch());
    return "gpubox-" + std::to_string(seconds.count());
  }

  // The cache key of a role request: what identifies the role and how it is reached, never a
  // secret and never a generated session name.
  std::string cache_key(std::string_view kind, std::string_view profile, std::string_view role,
                        std::string_view session, std::string_view external_id,
                        std::string_view duration, std::string_view via) const {
    return fmt::format("gpubox-role-cache-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}", kind,
                       m_settings.config_file.string(), profile, role, session, external_id,
                       duration, via, m_settings.region.empty() ? "us-east-1" : m_settings.region);
  }

  Result<Credentials> call_web_identity(const WebIdentityRequest& req, const std::string& key) {
    RoleCache cache(m_deps.role_cache_dir, m_deps.clock);
    if (auto cached = cache.load(key)) {
      return std::move(*cached);
    }
    if (!m_deps.assume_role_with_web_identity) {
      return fail(ErrorKind::internal, "AssumeRoleWithWebIdentity is not wired");
    }
    auto assumed = m_deps.assume_role_with_web_identity(req);
    if (!assumed) {
      Error e = std::move(assumed.error());
      e.message =
          "assume role " + req.role_arn + " with a web identity (" + req.origin + "): " + e.message;
      return fail(std::move(e));
    }
    assumed->source = "assume-role-with-web-identity " + req.role_arn + " (" + req.origin + ")";
    cache.store(key, *assumed);
    return assumed;
  }

  // AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME): EKS service accounts,
  // GitHub Actions OIDC.
  Result<OptionalCredentials> environment_web_identity() {
    auto file = env_value(m_deps.env, "AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role = env_value(m_deps.env, "AWS_ROLE_ARN");
    if (!file && !role) {
      return OptionalCredentials{};
    }
    if (!file || !role) {
      return fail(ErrorKind::auth,
                  std::string(file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN") +
                      " is set but " + (file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE") +
                      " is not");
    }
    auto session = env_value(m_deps.env, "AWS_ROLE_SESSION_NAME");
    WebIdentityRequest req;
    req.role_arn = *role;
    req.role_session_name = session ? *session : default_session_name();
    req.region = m_settings.region;
    req.origin = "environment";
    GPUBOX_TRY_ASSIGN(token, read_token_file(*file, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    req.token = std::move(token);
    GPUBOX_TRY_ASSIGN(
        creds, call_web_identity(
                   req, cache_key("web-identity", "", *role, session.value_or(""), "", "", *file)));
    return OptionalCredentials(std::move(creds));
  }

  Result<Credentials> profile_web_identity(const Profile& p, const ProfileValue& role) {
    const ProfileValue& file = *p.find("web_identity_token_file");
    const ProfileValue* session = p.find("role_session_name");
    WebIdentityRequest req;
    req.role_arn = role.value;
    req.role_session_name = session != nullptr ? session->value : default_session_name();
    req.region = m_settings.region;
    req.origin = "profile " + p.name;
    GPUBOX_TRY_ASSIGN(duration, parse_duration(p.find("duration_seconds")));
    req.duration_seconds = duration;
    GPUBOX_TRY_ASSIGN(token,
                      read_token_file(file.value, "web_identity_token_file, " + file.where()));
    req.token = std::move(token);
    return call_web_identity(
        req, cache_key("web-identity", p.name, role.value, session != nullptr ? session->value : "",
                       "", duration ? std::to_string(*duration) : "", file.value));
  }

  Result<Credentials> assume_role(const Profile& p, const ProfileValue& role,
                                  std::vector<std::string>& chain) {
    // Looked up before the source is resolved: a cached role costs neither the source's
    // credential_process or STS call nor the AssumeRole call.
    auto text = [&p](const char* key) {
      const ProfileValue* v = p.find(key);
      return v != nullptr ? v->value : std::string();
    };
    std::string key = cache_key("assume-role", p.name, role.value, text("role_session_name"),
                                text("external_id"), text("duration_seconds"),
                                text("source_profile") + "|" + text("credential_source"));
    RoleCache cache(m_deps.role_cache_dir, m_deps.clock);
    if (auto cached = cache.load(key)) {
      return std::move(*cached);
    }
    GPUBOX_TRY_ASSIGN(assumed, assume_role_uncached(p, role, chain));
    cache.store(key, assumed);
    return assumed;
  }

  Result<Credentials> assume_role_uncached(const Profile& p, const ProfileValue& role,
                                           std::vector<std::string>& chain) {
    chain.push_back(p.name);
    std::string via;
    GPUBOX_TRY_ASSIGN(source, role_source(p, chain, via));
    GPUBOX_TRY_ASSIGN(req, role_request(p, role));
    if (!m_deps.assume_role) {
      return fail(ErrorKind::internal,
                  "profile " + p.name + " needs AssumeRole, which is not wired");
    }
    auto assumed = m_deps.assume_role(source, req);
    if (!assumed) {
      Error e = std::move(assumed.error());
      e.message = "assume role " + req.role_arn + " (profile " + p.name + "): " + e.message;
      return fail(std::move(e));
    }
    assumed->source = "assume-role " + req.role_arn + " via " + via;
    return assumed;
  }

  const Settings& m_settings;
  CredentialDeps& m_deps;
  const ProfileFiles& m_files;
};

class DefaultCredentialProvider final : public CredentialProvider {
public:
  DefaultCredentialProvider(Settings settings, CredentialDeps deps)
      : m_settings(std::move(settings)), m_deps(std::move(deps)) {}

  Result<Credentials> get() override {
    std::lock_guard lock(m_mutex);
    if (m_cached && fresh(*m_cached)) {
      return *m_cached;
    }
    GPUBOX_TRY_ASSIGN(files,
                      load_profile_files(m_settings.config_file, m_settings.credentials_file));
    ChainResolver resolver(m_settings, m_deps, files);
    GPUBOX_TRY_ASSIGN(creds, resolver.resolve());
    GPUBOX_LOG("aws credentials from {}", creds.source);
    m_cached = creds;
    return creds;
  }

private:
  bool fresh(const Credentials& c) const { return fresh_at(c, m_deps.clock.now()); }

  Settings m_settings;
  CredentialDeps m_deps;
  std::mutex m_mutex;
  OptionalCredentials m_cached;
};

}  // namespace

std::unique_ptr<CredentialProvider> make_default_credential_provider(const Settings& settings,
                                                                     CredentialDeps deps) {
  return std::make_unique<DefaultCredentialProvider>(settings, std::move(deps));
}

}  // namespace gpubox::aws
