#include "cli/env.hpp"

#include "aws/assume_role.hpp"
#include "aws/client.hpp"
#include "aws/credential_sso.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoints.hpp"
#include "aws/service.hpp"
#include "aws/settings.hpp"
#include "box/access/caller_ip.hpp"
#include "catalog/catalog.hpp"
#include "cli/progress.hpp"
#include "cli/user_config.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"
#include "remote/stand_in.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {
namespace {

// Ask for the MFA code of a role's profile as a secret; without a terminal, an auth Error.
Result<std::string> ask_mfa(Prompter& prompter, const std::string& question) {
  auto code = prompter.secret(question);
  if (!code) {
    Error e = std::move(code.error());
    e.kind = ErrorKind::auth;
    e.hint =
        "run gpubox in a terminal once (the role is then cached until it expires), or use a "
        "profile without mfa_serial";
    return fail(std::move(e));
  }
  return code;
}

}  // namespace

AwsContext::~AwsContext() = default;

Env::Env(Streams streams_, EnvLookup getenv_, Clock& clock_, aws::HttpClient& http_,
         ProcessRunner& runner_, Prompter& prompter_)
    : streams(streams_),
      getenv(std::move(getenv_)),
      clock(clock_),
      http(http_),
      runner(runner_),
      prompter(prompter_) {}

Env::~Env() = default;

std::string Env::home() const { return getenv("HOME").value_or("/"); }

Result<AwsContext*> Env::aws() {
  if (m_aws) {
    return m_aws.get();
  }
  aws::SettingsInput in;
  in.env = getenv;
  in.profile_flag = global.profile;
  in.region_flag = global.region;
  in.home = home();
  GPUBOX_TRY_ASSIGN(config, load_config(config_path(getenv)));
  // aws::load_settings places the config file's region after AWS_REGION and AWS_DEFAULT_REGION
  // and before the AWS profile's; it reads it through this lookup, never from the environment.
  std::optional<std::string> config_region;
  if (auto it = config.find("region"); it != config.end()) {
    config_region = it->second;
  }
  in.env = [lookup = getenv, config_region](std::string_view name) -> std::optional<std::string> {
    if (name == "GPUBOX_CONFIG_FILE_REGION") {
      return config_region;
    }
    return lookup(name);
  };
  GPUBOX_TRY_ASSIGN(settings, aws::load_settings(in));
  // No region is not an error here: commands on a named box use the box's region, and `ls`
  // looks everywhere. Commands that need a default one ask home_region() (cli/deps.hpp).
  settings.debug = global.debug;
  auto ctx = std::make_unique<AwsContext>();
  ctx->settings = std::make_unique<aws::Settings>(std::move(settings));
  auto data = gpubox::data_dir(getenv);
  aws::CredentialDeps deps{
      .clock = clock,
      .processes = runner,
      .http = http,
      .assume_role = aws::make_sts_assume_role(http, clock, *ctx->settings),
      .env = getenv,
      .assume_role_with_web_identity =
          aws::make_sts_assume_role_with_web_identity(http, clock, *ctx->settings),
      .role_cache_dir = data ? *data / "credentials-cache" : std::filesystem::path(),
      .sso_cache_dir = aws::default_sso_cache_dir(home()),
      .ask_mfa_code = [this](const std::string& question) { return ask_mfa(prompter, question); },
  };
  ctx->credentials = aws::make_default_credential_provider(*ctx->settings, deps);
  ctx->client = std::make_unique<aws::AwsClient>(
      aws::ClientDeps{http, clock, *ctx->credentials, *ctx->settings});
  m_aws = std::move(ctx);
  return m_aws.get();
}

ProgressSink& Env::progress() {
  if (!m_progress) {
    m_progress = std::make_unique<Progress>(streams.err, streams.err_is_tty,
                                            streams.quiet || global.quiet, clock);
  }
  return *m_progress;
}

Result<std::filesystem::path> Env::data_dir() {
  if (m_data_dir) {
    return *m_data_dir;
  }
  GPUBOX_TRY_ASSIGN(dir, gpubox::data_dir(getenv));
  GPUBOX_TRY(ensure_private_dir(dir));
  m_data_dir = dir;
  return dir;
}

namespace {

// Return whether `e` says the database file itself is damaged (not merely locked or unreadable).
bool is_damaged_store(const Error& e) {
  return e.message.find("file is not a database") != std::string::npos ||
         e.message.find("database disk image is malformed") != std::string::npos;
}

// Move a damaged state.db (and its -wal/-shm) aside, keeping it; return where it went.
std::filesystem::path move_aside(const std::filesystem::path& db, TimePoint now) {
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const std::filesystem::path aside = db.string() + ".damaged-" + std::to_string(stamp.count());
  std::error_code ec;
  std::filesystem::rename(db, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::rename(db.string() + suffix, aside.string() + suffix, ec);
  }
  return aside;
}

}  // namespace

Result<state::BoxStore*> Env::store() {
  if (m_store) {
    return m_store.get();
  }
  GPUBOX_TRY_ASSIGN(dir, data_dir());
  const auto path = dir / "state.db";
  auto store = state::BoxStore::open(path);
  if (!store && is_damaged_store(store.error())) {
    const auto aside = move_aside(path, clock.now());
    warn(streams, "the local state " + path.string() + " was damaged (" + store.error().message +
                      "); kept it as " + aside.string() +
                      " and started a new one, rebuilt from AWS tags (`gpubox ls --all-regions`)");
    store = state::BoxStore::open(path);
  }
  if (!store && !store.error().retryable) {
    // Unreadable or read-only: commands still work from AWS tags, remembering nothing.
    warn(streams, "cannot use the local state " + path.string() + " (" + store.error().message +
                      "): working from AWS tags only, nothing is saved locally; fix its "
                      "permissions or move it away");
    store = state::BoxStore::open_memory();
  }
  if (!store) {
    return fail(store.error());
  }
  m_store = std::make_unique<state::BoxStore>(std::move(*store));
  return m_store.get();
}

Result<const catalog::Catalog*> Env::catalog() {
  if (m_catalog) {
    return m_catalog;
  }
  {
    GPUBOX_TRY_ASSIGN(embedded, catalog::load_embedded());
    m_embedded_catalog = std::make_unique<catalog::Catalog>(std::move(embedded));
    if (auto dir = data_dir(); dir && std::filesystem::exists(*dir / "catalog.csv")) {
      auto cached = catalog::load_file((*dir / "catalog.csv").string());
      if (cached) {
        m_cached_catalog = std::make_unique<catalog::Catalog>(std::move(*cached));
      } else {
        warn(streams, "ignoring the refreshed catalog: " + cached.error().message);
      }
    }
  }
  std::optional<catalog::Catalog> cached;
  if (m_cached_catalog) {
    cached = std::move(*m_cached_catalog);
  }
  const catalog::Catalog& chosen = catalog::newest(*m_embedded_catalog, cached);
  if (&chosen == m_embedded_catalog.get()) {
    m_catalog = m_embedded_catalog.get();
  } else {
    m_cached_catalog = std::make_unique<catalog::Catalog>(std::move(*cached));
    m_catalog = m_cached_catalog.get();
  }
  return m_catalog;
}

bool Env::aws_endpoint_is_local() {
  for (const char* var : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2"}) {
    if (auto v = getenv(var); v && remote::is_stand_in_endpoint(*v)) {
      return true;
    }
  }
  auto ctx = aws();
  if (!ctx) {
    return false;
  }
  auto url = aws::resolve_endpoint(aws::k_ec2, (*ctx)->settings->region, *(*ctx)->settings);
  return url && remote::is_stand_in_endpoint(*url);
}

namespace {

// Refuses the network lookup: used when the AWS endpoint is a local stand-in.
class RefusingCallerIpSource final : public box::CallerIpSource {
public:
  Result<std::string> lookup() override {
    Error e;
    e.kind = ErrorKind::invalid_input;
    e.message = "not looking up this machine's public address while AWS is a local stand-in";
    e.hint = "pass --allow-from CIDR or set GPUBOX_CALLER_IP";
    return fail(std::move(e));
  }
};

}  // namespace

box::CallerIpSource& Env::caller_ip() {
  if (!m_caller_ip) {
    if (!getenv("GPUBOX_CALLER_IP") && aws_endpoint_is_local()) {
      m_caller_ip = std::make_unique<RefusingCallerIpSource>();
    } else {
      m_caller_ip = box::make_caller_ip_source(getenv, http);
    }
  }
  return *m_caller_ip;
}

remote::ConnectPolicy Env::connect_policy() {
  remote::ConnectPolicy p;
  if (auto v = getenv("GPUBOX_SSH_CONNECT"); v && !v->empty()) {
    p.connect_override = *v;
  }
  p.endpoint_is_local = aws_endpoint_is_local();
  return p;
}

}  // namespace gpubox::cli
