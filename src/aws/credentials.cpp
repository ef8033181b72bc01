#include "aws/credentials.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include "aws/credential_sources.hpp"
#include "aws/profile.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

// Refresh expiring credentials this long before they expire, so a request signed with them
// never reaches AWS already expired.
constexpr std::chrono::minutes k_refresh_window{5};

using OptionalCredentials = std::optional<Credentials>;

std::optional<std::string> env_get(const EnvLookup& env, std::string_view name) {
  auto v = env ? env(name) : std::nullopt;
  if (!v || trim(*v).empty()) {
    return std::nullopt;
  }
  return std::string(trim(*v));
}

Result<OptionalCredentials> environment_credentials(const EnvLookup& env) {
  auto id = env_get(env, "AWS_ACCESS_KEY_ID");
  auto secret = env_get(env, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    return OptionalCredentials{};
  }
  if (!id || !secret) {
    return fail(ErrorKind::auth, std::string(id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                                     " is set but " +
                                     (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not");
  }
  auto token = env_get(env, "AWS_SESSION_TOKEN");
  if (!token) {
    token = env_get(env, "AWS_SECURITY_TOKEN");  // the legacy name botocore still accepts
  }
  Credentials c{*id, *secret, token.value_or(""), std::nullopt, "environment"};
  if (auto expiration = env_get(env, "AWS_CREDENTIAL_EXPIRATION")) {
    c.expiration = parse_iso8601(*expiration);
    if (!c.expiration) {
      return fail(ErrorKind::auth, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
    }
  }
  return OptionalCredentials(std::move(c));
}

std::string at(const ProfileValue& v) { return v.file + ":" + std::to_string(v.line); }

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
    GPUBOX_TRY_ASSIGN(from_profile, profile_credentials(m_settings.profile, chain, true));
    if (from_profile) {
      return std::move(*from_profile);
    }
    GPUBOX_TRY_ASSIGN(imds, credentials_from_instance_metadata(m_deps.http, m_deps.env,
                                                               m_deps.dmi_dir));
    if (imds) {
      return std::move(*imds);
    }
    Error e;
    e.kind = ErrorKind::auth;
    e.message = "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                "aws_access_key_id and aws_secret_access_key to profile " +
                m_settings.profile + " in " + m_settings.credentials_file.string();
    e.hint = "run `aws configure`, or choose a profile that has credentials with --profile";
    return fail(std::move(e));
  }

private:
  // Resolve profile `name` in botocore's order: role_arn, credentials-file keys,
  // credential_process, config-file keys. `chain` holds the profiles that led here.
  Result<OptionalCredentials> profile_credentials(const std::string& name,
                                                  std::vector<std::string>& chain,
                                                  bool allow_role) {
    Profile p = find_profile(m_files, name);
    if (const ProfileValue* role = p.find("role_arn"); role != nullptr && allow_role) {
      GPUBOX_TRY_ASSIGN(assumed, assume_role(p, *role, chain));
      return OptionalCredentials(std::move(assumed));
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
      return fail(ErrorKind::auth, "profile " + p.name + " sets " +
                                       (key != nullptr ? "aws_access_key_id" : "aws_secret_access_key") +
                                       " (" + at(set) + ") but not " +
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
      return fail(ErrorKind::invalid_input, "profile " + p.name +
                                                " sets both source_profile and credential_source");
    }
    if (named != nullptr) {
      return named_source(p, *named, via);
    }
    if (source == nullptr) {
      return fail(ErrorKind::invalid_input, "profile " + p.name + " sets role_arn (" +
                                                at(*p.find("role_arn")) +
                                                ") but neither source_profile nor credential_source");
    }
    const std::string& name = source->value;
    if (name != p.name && std::find(chain.begin(), chain.end(), name) != chain.end()) {
      std::string loop;
      for (const std::string& link : chain) {
        loop += link + " -> ";
      }
      return fail(ErrorKind::invalid_input, "source_profile loop: " + loop + name);
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
      GPUBOX_TRY_ASSIGN(imds, credentials_from_instance_metadata(m_deps.http, m_deps.env,
                                                                 m_deps.dmi_dir));
      creds = std::move(imds);
      via = "EC2 instance metadata";
    } else {
      return fail(ErrorKind::invalid_input,
                  "profile " + p.name + ": credential_source '" + named.value + "' (" + at(named) +
                      ") is not supported; use Environment or Ec2InstanceMetadata");
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
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        m_deps.clock.now().time_since_epoch());
    const ProfileValue* session = p.find("role_session_name");
    req.role_session_name =
        session != nullptr ? session->value : "gpubox-" + std::to_string(seconds.count());
    if (const ProfileValue* v = p.find("external_id")) {
      req.external_id = v->value;
    }
    if (const ProfileValue* v = p.find("mfa_serial")) {
      req.mfa_serial = v->value;
    }
    if (const ProfileValue* v = p.find("duration_seconds")) {
      int n = 0;
      auto [end, ec] = std::from_chars(v->value.data(), v->value.data() + v->value.size(), n);
      if (ec != std::errc() || end != v->value.data() + v->value.size() || n <= 0) {
        return fail(ErrorKind::invalid_input,
                    "duration_seconds (" + at(*v) + ") must be a whole number of seconds");
      }
      req.duration_seconds = n;
    }
    return req;
  }

  Result<Credentials> assume_role(const Profile& p, const ProfileValue& role,
                                  std::vector<std::string>& chain) {
    chain.push_back(p.name);
    std::string via;
    GPUBOX_TRY_ASSIGN(source, role_source(p, chain, via));
    GPUBOX_TRY_ASSIGN(req, role_request(p, role));
    if (!m_deps.assume_role) {
      return fail(ErrorKind::internal, "profile " + p.name + " needs AssumeRole, which is not wired");
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
  bool fresh(const Credentials& c) const {
    return !c.expiration || m_deps.clock.now() + k_refresh_window < *c.expiration;
  }

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
