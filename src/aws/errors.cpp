#include "aws/errors.hpp"

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "aws/json_fields.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

enum class Match { exact, prefix, suffix };

struct Rule {
  Match match;
  std::string_view pattern;
  ErrorKind kind;
  bool retryable;
  bool throttling;
};

constexpr auto E = Match::exact;
constexpr auto P = Match::prefix;
constexpr auto S = Match::suffix;
constexpr auto k_throttled = ErrorKind::throttled;
constexpr auto k_remote = ErrorKind::remote;
constexpr auto k_capacity = ErrorKind::capacity;
constexpr auto k_quota = ErrorKind::quota;
constexpr auto k_auth = ErrorKind::auth;
constexpr auto k_not_found = ErrorKind::not_found;
constexpr auto k_invalid = ErrorKind::invalid_input;
constexpr auto k_conflict = ErrorKind::conflict;

// THE classification table. The first matching rule wins, so exact codes come before patterns,
// and specific patterns (".InUse", ".NotFound") before the generic "Invalid" prefix.
// Sources: botocore retries/standard.py (throttling and transient codes), the EC2 API
// errors-overview page and its RunInstances error list (launch codes).
constexpr std::array k_rules = std::to_array<Rule>({
    // Throttling (standard.py:503), always retried with backoff.
    {E, "Throttling", k_throttled, true, true},
    {E, "ThrottlingException", k_throttled, true, true},
    {E, "ThrottledException", k_throttled, true, true},
    {E, "RequestThrottledException", k_throttled, true, true},
    {E, "TooManyRequestsException", k_throttled, true, true},
    {E, "ProvisionedThroughputExceededException", k_throttled, true, true},
    {E, "TransactionInProgressException", k_throttled, true, true},
    {E, "RequestLimitExceeded", k_throttled, true, true},
    {E, "BandwidthLimitExceeded", k_throttled, true, true},
    {E, "LimitExceededException", k_throttled, true, true},
    {E, "RequestThrottled", k_throttled, true, true},
    {E, "SlowDown", k_throttled, true, true},
    {E, "PriorRequestNotComplete", k_throttled, true, true},
    {E, "EC2ThrottledException", k_throttled, true, true},
    // Transient service failures (standard.py:456, plus STS IDPCommunicationError).
    {E, "RequestTimeout", k_remote, true, false},
    {E, "RequestTimeoutException", k_remote, true, false},
    {E, "IDPCommunicationError", k_remote, true, false},
    {E, "InternalError", k_remote, true, false},
    {E, "InternalFailure", k_remote, true, false},
    {E, "ServiceUnavailable", k_remote, true, false},
    {E, "Unavailable", k_remote, true, false},
    // Capacity: not retried at the same placement; the caller moves on to the next offer.
    {E, "InsufficientInstanceCapacity", k_capacity, false, false},
    {E, "InsufficientCapacity", k_capacity, false, false},
    {E, "InsufficientHostCapacity", k_capacity, false, false},
    {E, "InsufficientReservedInstanceCapacity", k_capacity, false, false},
    {E, "UnfulfillableCapacity", k_capacity, false, false},
    {E, "SpotMaxPriceTooLow", k_capacity, false, false},
    // "Unsupported" means this instance type or feature is not offered in this AZ or Region
    // (§6.3). The request itself is well formed and may succeed at another placement, which is
    // exactly how capacity errors are handled (fall through to the next offer), so it is
    // capacity, not invalid_input, and never retried here.
    {E, "Unsupported", k_capacity, false, false},
    // Quotas: fail fast and point at Service Quotas.
    {E, "VcpuLimitExceeded", k_quota, false, false},
    {E, "MaxSpotInstanceCountExceeded", k_quota, false, false},
    {E, "InstanceLimitExceeded", k_quota, false, false},
    {E, "ServiceQuotaExceededException", k_quota, false, false},
    {E, "QuotaExceededException", k_quota, false, false},
    {E, "ResourceLimitExceeded", k_quota, false, false},
    {S, "LimitExceeded", k_quota, false, false},  // AddressLimitExceeded, VolumeLimitExceeded...
    // Authentication, authorization and account state.
    {E, "AuthFailure", k_auth, false, false},
    {E, "UnauthorizedOperation", k_auth, false, false},
    {P, "AccessDenied", k_auth, false, false},
    {E, "InvalidClientTokenId", k_auth, false, false},
    {E, "SignatureDoesNotMatch", k_auth, false, false},
    {E, "InvalidSignatureException", k_auth, false, false},
    {P, "ExpiredToken", k_auth, false, false},
    {E, "UnrecognizedClientException", k_auth, false, false},
    {E, "MissingAuthenticationToken", k_auth, false, false},
    {E, "IncompleteSignature", k_auth, false, false},
    {E, "RequestExpired", k_auth, false, false},
    {E, "RequestInTheFuture", k_auth, false, false},
    {E, "RequestTimeTooSkewed", k_auth, false, false},
    {E, "OptInRequired", k_auth, false, false},
    {E, "PendingVerification", k_auth, false, false},
    {E, "Blocked", k_auth, false, false},
    // Conflicts: the resource's state forbids the request.
    {E, "DependencyViolation", k_conflict, false, false},
    {E, "IncorrectInstanceState", k_conflict, false, false},
    {E, "IncorrectState", k_conflict, false, false},
    {E, "IdempotentParameterMismatch", k_conflict, false, false},
    {E, "ConflictException", k_conflict, false, false},
    {E, "ResourceAlreadyExistsException", k_conflict, false, false},
    {E, "ParameterAlreadyExists", k_conflict, false, false},
    {S, ".InUse", k_conflict, false, false},
    {S, ".Duplicate", k_conflict, false, false},
    // Not found. EC2 answers these also during eventual consistency; callers that just created
    // the resource retry the Describe themselves (§6.4).
    {E, "ParameterNotFound", k_not_found, false, false},
    {E, "NoSuchResourceException", k_not_found, false, false},
    {E, "ResourceNotFoundException", k_not_found, false, false},
    {S, ".NotFound", k_not_found, false, false},
    {S, "NotFoundException", k_not_found, false, false},
    // Invalid input.
    {E, "InvalidParameterValue", k_invalid, false, false},
    {E, "InvalidParameterCombination", k_invalid, false, false},
    {E, "MissingParameter", k_invalid, false, false},
    {E, "ValidationException", k_invalid, false, false},
    {E, "ValidationError", k_invalid, false, false},
    {E, "DryRunOperation", k_invalid, false, false},  // see is_dry_run_success()
    {S, ".Malformed", k_invalid, false, false},
    {P, "Invalid", k_invalid, false, false},
});

bool matches(const Rule& rule, std::string_view code) {
  switch (rule.match) {
    case Match::exact:
      return code == rule.pattern;
    case Match::prefix:
      return code.starts_with(rule.pattern);
    case Match::suffix:
      return code.ends_with(rule.pattern);
  }
  return false;
}

ErrorClass classify_status(int http_status) {
  switch (http_status) {
    case 500:
    case 502:
    case 503:
    case 504:
      return {k_remote, true, false};
    case 429:
      return {k_throttled, true, true};
    case 401:
    case 403:
      return {k_auth, false, false};
    case 404:
      return {k_not_found, false, false};
    case 409:
      return {k_conflict, false, false};
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) {
    return {k_invalid, false, false};
  }
  return {k_remote, false, false};
}

// Strip the JSON 1.1 `__type` decorations: "com.amazon.x#Code:http://..." -> "Code".
std::string json_code(std::string_view type) {
  if (auto colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) {
    type = type.substr(hash + 1);
  }
  return std::string(type);
}

std::string first_text(const pugi::xml_node& root, const char* name) {
  auto node = root.find_node([name](const pugi::xml_node& n) {
    return n.type() == pugi::node_element && std::string_view(n.name()) == name;
  });
  return node ? std::string(trim(node.child_value())) : std::string();
}

// A one-line summary of a body that is neither XML nor JSON (moto's HTML 500 page).
std::string opaque_summary(std::string_view body) {
  std::string out;
  bool in_tag = false;
  for (char c : body) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
      out.push_back(' ');
    } else if (!in_tag) {
      out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
  }
  std::string collapsed;
  for (char c : out) {
    if (c != ' ' || (!collapsed.empty() && collapsed.back() != ' ')) {
      collapsed.push_back(c);
    }
  }
  collapsed = std::string(trim(collapsed));
  constexpr size_t k_max = 160;
  if (collapsed.size() > k_max) {
    collapsed = collapsed.substr(0, k_max) + "...";
  }
  return collapsed;
}

}  // namespace

ErrorClass classify(std::string_view aws_code, int http_status) {
  if (!aws_code.empty()) {
    for (const auto& rule : k_rules) {
      if (matches(rule, aws_code)) {
        return {rule.kind, rule.retryable, rule.throttling};
      }
    }
  }
  return classify_status(http_status);
}

bool is_throttling_code(std::string_view aws_code) {
  return !aws_code.empty() && classify(aws_code, 0).throttling;
}

bool is_clock_skew_code(std::string_view aws_code) {
  static constexpr std::array<std::string_view, 6> k_codes{
      "AuthFailure",        "InvalidSignatureException", "RequestExpired",
      "RequestInTheFuture", "RequestTimeTooSkewed",      "SignatureDoesNotMatch"};
  for (auto c : k_codes) {
    if (c == aws_code) {
      return true;
    }
  }
  return false;
}

bool is_dry_run_success(const Error& error) { return error.aws_code == "DryRunOperation"; }

bool parse_xml_error(std::string_view body, AwsErrorFields& out) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return false;
  }
  std::string code = first_text(doc, "Code");
  if (code.empty()) {
    return false;
  }
  out.code = std::move(code);
  out.message = first_text(doc, "Message");
  // EC2 spells it RequestID, the query protocol RequestId.
  out.request_id = first_text(doc, "RequestID");
  if (out.request_id.empty()) {
    out.request_id = first_text(doc, "RequestId");
  }
  return true;
}

bool parse_json_error(std::string_view body, AwsErrorFields& out) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("__type") ||
      !doc["__type"].is_string()) {
    return false;
  }
  out.code = json_code(doc["__type"].get<std::string>());
  for (const char* key : {"message", "Message"}) {
    if (doc.contains(key) && doc[key].is_string()) {
      out.message = doc[key].get<std::string>();
      break;
    }
  }
  return true;
}

bool parse_rest_json_error(const HttpResponse& response, AwsErrorFields& out) {
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  std::string type = find_header(response.headers, "x-amzn-ErrorType").value_or("");
  for (const char* key : {"__type", "code"}) {
    if (type.empty()) {
      type = json_string(doc, key);
    }
  }
  if (type.empty()) {
    return false;
  }
  out.code = json_code(type);
  out.message = json_string(doc, "message");
  if (out.message.empty()) {
    out.message = json_string(doc, "Message");
  }
  out.request_id = find_header(response.headers, "x-amzn-RequestId").value_or("");
  return true;
}

void apply_class(Error& error) {
  auto c = classify(error.aws_code, error.http_status);
  error.kind = c.kind;
  error.retryable = c.retryable;
}

Error error_from_response(const HttpResponse& response, std::string_view context) {
  AwsErrorFields fields;
  bool parsed = parse_json_error(response.body, fields) || parse_xml_error(response.body, fields) ||
                parse_rest_json_error(response, fields);
  if (parsed && fields.request_id.empty()) {
    fields.request_id = find_header(response.headers, "x-amzn-RequestId").value_or("");
  }
  // The query-compatible JSON services name the real code in this header: "Code;Sender".
  if (auto q = find_header(response.headers, "x-amzn-query-error"); q && !q->empty()) {
    fields.code = q->substr(0, q->find(';'));
  }
  Error e;
  e.http_status = response.status;
  e.aws_code = fields.code;
  e.request_id = fields.request_id;
  if (!fields.code.empty()) {
    e.message = fmt::format("{}: {}: {}", context, fields.code,
                            fields.message.empty() ? "(no message)" : fields.message);
  } else {
    auto summary = opaque_summary(response.body);
    e.message = fmt::format("{}: HTTP {}{}{}", context, response.status,
                            summary.empty() ? "" : ": ", summary);
  }
  apply_class(e);
  return e;
}

}  // namespace gpubox::aws
