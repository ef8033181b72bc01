#include "aws/client.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "aws/endpoints.hpp"
#include "aws/errors.hpp"
#include "aws/operations.hpp"
#include "aws/sigv4.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {

struct AwsClient::State {
  explicit State(RandomSource r) : random(std::move(r)) {}
  RetryQuota quota;
  std::atomic<Duration::rep> clock_offset_ms{0};
  RandomSource random;
};

namespace {

constexpr int k_max_pagination_pages = 1000;

// The request URL for an endpoint: a bare "scheme://host[:port]" gets the "/" path AWS expects.
std::string request_url(std::string endpoint) {
  auto scheme = endpoint.find("://");
  auto path = endpoint.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) {
    endpoint += '/';
  }
  return endpoint;
}

bool is_success(int status) { return status >= 200 && status < 300; }

// The canonical request contains the session token in clear; drop that line before logging.
std::string redact_canonical_request(std::string_view canonical) {
  std::string out;
  for (const auto& line : split(canonical, '\n')) {
    if (starts_with_ci(line, "x-amz-security-token:")) {
      out += "x-amz-security-token:REDACTED\n";
    } else {
      out += line + "\n";
    }
  }
  if (!out.empty()) {
    out.pop_back();
  }
  return out;
}

void log_request(const HttpRequest& req, const SigningResult& signing, std::string_view operation,
                 int attempt, int max_attempts) {
  if (!log::enabled()) {
    return;
  }
  GPUBOX_LOG("aws request: {} {} {} attempt {}/{} ({} body bytes)", req.method, req.url, operation,
             attempt, max_attempts, req.body.size());
  for (const auto& [name, value] : req.headers) {
    GPUBOX_LOG("aws request header: {}: {}", name, log::redact_header(name, value));
  }
  if (signing.authorization.empty()) {
    GPUBOX_LOG("aws request: unsigned");
    return;
  }
  GPUBOX_LOG("aws canonical request:\n{}", redact_canonical_request(signing.canonical_request));
  GPUBOX_LOG("aws string to sign:\n{}", signing.string_to_sign);
}

// The request id of a reply: the JSON services put it in a header; EC2 in the body.
std::string response_request_id(const HttpResponse& resp) {
  for (const char* name : {"x-amzn-RequestId", "x-amz-request-id"}) {
    if (auto v = find_header(resp.headers, name)) {
      return *v;
    }
  }
  auto open = resp.body.find("<requestId>");
  auto close = resp.body.find("</requestId>");
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return resp.body.substr(open + 11, close - open - 11);
  }
  return "";
}

std::string xml_next_token(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return "";
  }
  auto node = doc.find_node([](const pugi::xml_node& n) {
    std::string_view name = n.name();
    return n.type() == pugi::node_element && (name == "nextToken" || name == "NextToken");
  });
  return node ? std::string(trim(node.child_value())) : std::string();
}

int effective_max_attempts(const Settings& settings) {
  return settings.max_attempts > 0 ? settings.max_attempts : k_default_max_attempts;
}

// Regions an account has not opted into refuse every call, with codes that otherwise mean bad
// credentials: EC2 AuthFailure, the JSON services UnrecognizedClientException, STS
// InvalidClientTokenId, or OptInRequired.
bool may_mean_region_disabled(const Error& e) {
  return e.aws_code == "AuthFailure" || e.aws_code == "OptInRequired" ||
         e.aws_code == "UnrecognizedClientException" || e.aws_code == "InvalidClientTokenId";
}

constexpr std::string_view k_probe_region = "us-east-1";  // never an opt-in region

// Return whether `region` is one the account has not opted into, asked once per process of
// DescribeRegions in us-east-1 (which always answers for the aws partition).
bool region_not_opted_in(AwsClient& client, std::string_view region) {
  static std::mutex mutex;
  static std::map<std::string, bool, std::less<>> known;
  {
    std::lock_guard lock(mutex);
    if (auto it = known.find(region); it != known.end()) {
      return it->second;
    }
  }
  auto xml = client.query(k_ec2, k_probe_region, "DescribeRegions",
                          {{"AllRegions", "true"}, {"RegionName.1", std::string(region)}});
  const bool disabled =
      xml && xml->find("<optInStatus>not-opted-in</optInStatus>") != std::string::npos;
  std::lock_guard lock(mutex);
  known[std::string(region)] = disabled;
  return disabled;
}

// Say "region X is not enabled for this account" when that is why `error` happened.
void explain_disabled_region(AwsClient& client, std::string_view region, Error& error) {
  if (!may_mean_region_disabled(error) || region == k_probe_region || region.starts_with("cn-") ||
      region.starts_with("us-gov-")) {
    return;
  }
  if (error.aws_code != "OptInRequired" && !region_not_opted_in(client, region)) {
    return;
  }
  error.message =
      fmt::format("region {} is not enabled for this account ({})", region, error.message);
  error.hint = fmt::format(
      "enable it in the AWS console (Account > AWS Regions; it takes a few minutes), or use "
      "another region with --region");
}

}  // namespace

std::string user_agent() { return fmt::format("gpubox/{}", GPUBOX_VERSION); }

AwsClient::AwsClient(ClientDeps deps) : AwsClient(deps, default_random_source()) {}

AwsClient::AwsClient(ClientDeps deps, RandomSource random)
    : m_deps(deps), m_state(std::make_unique<State>(std::move(random))) {}

AwsClient::~AwsClient() = default;
AwsClient::AwsClient(AwsClient&&) noexcept = default;

Duration AwsClient::clock_offset() const { return Duration{m_state->clock_offset_ms.load()}; }

// Follow the server's Date header whenever it is 5 minutes or more away from our signing time
// (AWS JS SDK getUpdatedSystemClockOffset); return true when the offset changed.
bool AwsClient::update_clock_offset(const HttpResponse& resp) {
  auto date = find_header(resp.headers, "Date");
  auto server = date ? parse_http_date(*date) : std::nullopt;
  if (!server) {
    return false;
  }
  auto corrected = corrected_clock_offset(*server, m_deps.clock.now(), clock_offset());
  if (!corrected) {
    return false;
  }
  m_state->clock_offset_ms.store(corrected->count());
  return true;
}

int AwsClient::retry_quota_available() const { return m_state->quota.available(); }

Result<std::string> AwsClient::query(const Service& service, std::string_view region,
                                     std::string_view action, const QueryParams& params) {
  HttpRequest req;
  req.method = "POST";
  req.body = "Action=" + form_encode(action) + "&Version=" + form_encode(service.api_version);
  for (const auto& [name, value] : params) {
    req.body += "&" + form_encode(name) + "=" + form_encode(value);
  }
  set_header(req.headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  GPUBOX_TRY_ASSIGN(resp, send(service, region, action, req));
  return std::move(resp.body);
}

Result<nlohmann::json> AwsClient::json(const Service& service, std::string_view region,
                                       std::string_view operation, const nlohmann::json& body) {
  HttpRequest req;
  req.method = "POST";
  // An operation without input still sends "{}" (botocore serialize.py, JSON protocol).
  req.body = body.is_null() || body.empty() ? std::string("{}") : body.dump();
  set_header(req.headers, "X-Amz-Target",
             fmt::format("{}.{}", service.json_target_prefix, operation));
  set_header(req.headers, "Content-Type", "application/x-amz-json-1.1");
  GPUBOX_TRY_ASSIGN(resp, send(service, region, operation, req));
  if (trim(resp.body).empty()) {
    return nlohmann::json::object();
  }
  auto parsed = nlohmann::json::parse(resp.body, nullptr, false);
  if (parsed.is_discarded()) {
    Error e;
    e.kind = ErrorKind::remote;
    e.message = fmt::format("{} in {}: the reply is not JSON", operation, region);
    e.http_status = resp.status;
    e.request_id = response_request_id(resp);
    return fail(std::move(e));
  }
  return parsed;
}

// One attempt: resolve, get credentials, sign with the skew-corrected time, send, classify.
// A non-2xx reply comes back as a classified Error; the caller decides about retries.
Result<HttpResponse> AwsClient::send_once(const Service& service, std::string_view region,
                                          std::string_view operation, const HttpRequest& base,
                                          int attempt) {
  auto context = fmt::format("{} in {}", operation, region);
  GPUBOX_TRY_ASSIGN(endpoint, resolve_endpoint(service, region, m_deps.settings));
  GPUBOX_TRY_ASSIGN(creds, m_deps.credentials.get());
  HttpRequest req = base;
  req.url = request_url(std::move(endpoint));
  set_header(req.headers, "User-Agent", user_agent());
  SigningParams params;
  params.region = std::string(region);
  params.service = std::string(service.signing_name);
  params.time = m_deps.clock.now() + clock_offset();
  // Re-signed on every attempt, so each retry carries a fresh X-Amz-Date. Anonymous credentials
  // (AssumeRoleWithWebIdentity) send the request unsigned.
  SigningResult signing;
  if (!creds.anonymous) {
    signing = sign(req, creds, params);
  }
  log_request(req, signing, operation, attempt, effective_max_attempts(m_deps.settings));

  auto started = std::chrono::steady_clock::now();
  auto resp = m_deps.http.send(req);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
  if (!resp) {
    GPUBOX_LOG("aws response: {} attempt {} transport error after {} ms: {}", operation, attempt,
               elapsed, resp.error().message);
    Error e = std::move(resp.error());
    e.message = fmt::format("{}: {}", context, e.message);
    return fail(std::move(e));
  }
  update_clock_offset(*resp);
  std::string request_id = response_request_id(*resp);
  GPUBOX_LOG("aws response: {} {} attempt {} request-id {} {} ms", resp->status, operation, attempt,
             request_id.empty() ? "-" : request_id, elapsed);
  if (is_success(resp->status)) {
    return std::move(*resp);
  }
  Error e = error_from_response(*resp, context);
  if (e.request_id.empty()) {
    e.request_id = std::move(request_id);
  }
  return fail(std::move(e));
}

Result<HttpResponse> AwsClient::send(const Service& service, std::string_view region,
                                     std::string_view operation, const HttpRequest& base) {
  // The one list of operations (and so of IAM actions, `gpubox iam-policy`) is the law here.
  if (find_operation(service, operation) == nullptr) {
    return fail(ErrorKind::internal,
                std::string(service.id) + " " + std::string(operation) +
                    " is not in gpubox's list of AWS operations (src/aws/operations.cpp)");
  }
  auto with_retries = [&]() -> Result<HttpResponse> {
    const int max_attempts = effective_max_attempts(m_deps.settings);
    int tokens_taken = 0;
    bool skew_retried = false;
    for (int attempt = 1;; ++attempt) {
      const Duration offset_before = clock_offset();
      auto result = send_once(service, region, operation, base, attempt);
      if (result) {
        m_state->quota.on_success(tokens_taken);
        return result;
      }
      Error& error = result.error();
      // A clock-skew error is retried once, immediately and outside the attempt budget, when the
      // offset changed since this attempt was signed: its reply's Date header (or a parallel
      // request's) showed our clock is 5 minutes or more away from the server's.
      bool offset_changed = clock_offset() != offset_before;
      if (!skew_retried && offset_changed && is_clock_skew_code(error.aws_code)) {
        skew_retried = true;
        GPUBOX_LOG("aws retry: {} failed with {}; clock offset now {} ms, re-signing", operation,
                   error.aws_code, clock_offset().count());
        --attempt;
        continue;
      }
      if (!should_retry(error, attempt, max_attempts)) {
        return result;
      }
      auto cost = m_state->quota.acquire(error);
      if (!cost) {
        GPUBOX_LOG("aws retry: {} not retried, the retry quota is exhausted", operation);
        return result;
      }
      tokens_taken += *cost;
      auto delay = backoff_delay(attempt, m_state->random());
      GPUBOX_LOG("aws retry: {} attempt {} failed ({}), retrying in {} ms", operation, attempt,
                 error.aws_code.empty() ? to_string(error.kind) : error.aws_code, delay.count());
      m_deps.clock.sleep_for(delay);
    }
  };
  auto result = with_retries();
  if (!result) {
    explain_disabled_region(*this, region, result.error());
  }
  return result;
}

Result<void> paginate_query(AwsClient& client, const Service& service, std::string_view region,
                            std::string_view action, QueryParams params,
                            const QueryPageFn& on_page) {
  std::string previous;
  for (int page = 0; page < k_max_pagination_pages; ++page) {
    GPUBOX_TRY_ASSIGN(xml, client.query(service, region, action, params));
    GPUBOX_TRY(on_page(xml));
    std::string token = xml_next_token(xml);
    if (token.empty()) {
      return {};
    }
    if (token == previous) {
      return fail(ErrorKind::remote, fmt::format("{} in {}: NextToken repeats", action, region));
    }
    std::erase_if(params, [](const auto& p) { return p.first == "NextToken"; });
    params.emplace_back("NextToken", token);
    previous = std::move(token);
  }
  return fail(ErrorKind::remote, fmt::format("{} in {}: pagination did not end", action, region));
}

Result<void> paginate_json(AwsClient& client, const Service& service, std::string_view region,
                           std::string_view operation, nlohmann::json body,
                           const JsonPageFn& on_page) {
  std::string previous;
  if (!body.is_object()) {
    body = nlohmann::json::object();
  }
  for (int page = 0; page < k_max_pagination_pages; ++page) {
    GPUBOX_TRY_ASSIGN(reply, client.json(service, region, operation, body));
    GPUBOX_TRY(on_page(reply));
    auto it = reply.find("NextToken");
    if (it == reply.end() || !it->is_string() || it->get<std::string>().empty()) {
      return {};
    }
    std::string token = it->get<std::string>();
    if (token == previous) {
      return fail(ErrorKind::remote, fmt::format("{} in {}: NextToken repeats", operation, region));
    }
    body["NextToken"] = token;
    previous = std::move(token);
  }
  return fail(ErrorKind::remote,
              fmt::format("{} in {}: pagination did not end", operation, region));
}

}  // namespace gpubox::aws
