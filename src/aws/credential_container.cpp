#include "aws/credential_container.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "aws/json_fields.hpp"
#include "core/iso8601.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

constexpr std::string_view k_ecs_host = "http://169.254.170.2";
// botocore tries 3 times with a 1 s timeout; one retry covers a dropped connection to the agent.
constexpr int k_attempts = 2;
constexpr std::string_view k_allowed_hosts =
    "a loopback address (127.0.0.0/8, [::1], localhost), 169.254.170.2, 169.254.170.23 or "
    "[fd00:ec2::23]";

using OptionalCredentials = std::optional<Credentials>;

struct UrlParts {
  std::string scheme;  // lowercased
  std::string host;    // lowercased, without port or user info; IPv6 keeps its brackets
};

std::optional<UrlParts> split_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return std::nullopt;
  }
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(0, close + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  if (host.empty()) {
    return std::nullopt;
  }
  return UrlParts{to_lower(url.substr(0, sep)), to_lower(host)};
}

bool is_ipv6(std::string_view bracketed, const in6_addr& want) {
  if (bracketed.size() < 3 || bracketed.front() != '[' || bracketed.back() != ']') {
    return false;
  }
  std::string text(bracketed.substr(1, bracketed.size() - 2));
  in6_addr addr{};
  return inet_pton(AF_INET6, text.c_str(), &addr) == 1 &&
         std::memcmp(&addr, &want, sizeof addr) == 0;
}

// Return whether plain http to `host` may carry credentials: botocore's loopback check plus
// its fixed list of container agent addresses.
bool http_host_allowed(const std::string& host) {
  if (host == "localhost" || host == "169.254.170.2" || host == "169.254.170.23") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr eks{};
  inet_pton(AF_INET6, "fd00:ec2::23", &eks);
  return is_ipv6(host, in6addr_loopback) || is_ipv6(host, eks);
}

Result<std::string> token_from_file(const std::string& path) {
  std::error_code ec;
  auto text = std::filesystem::is_regular_file(path, ec) ? read_file(path)
                                                         : fail(ErrorKind::not_found, "not a file");
  if (!text) {
    return fail(ErrorKind::auth,
                "container credentials: cannot read "
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " +
                    path);
  }
  return std::string(trim(*text));
}

// Return the Authorization header value; empty when none is configured.
Result<std::string> authorization_token(const EnvLookup& env) {
  std::string token;
  std::string origin;
  if (auto file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    GPUBOX_TRY_ASSIGN(from_file, token_from_file(*file));
    token = std::move(from_file);
    origin = "the file " + *file + " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)";
  } else if (auto value = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    token = std::move(*value);
    origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
  }
  // A line break would let the token inject headers; never quote the token itself.
  if (token.find_first_of("\r\n") != std::string::npos) {
    return fail(ErrorKind::auth, "container credentials: the authorization token in " + origin +
                                     " contains a line break");
  }
  return token;
}

Result<std::string> credentials_url(const EnvLookup& env, std::string& host) {
  if (auto relative = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    host = "169.254.170.2";
    return std::string(k_ecs_host) + (relative->starts_with('/') ? "" : "/") + *relative;
  }
  std::string full = env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").value_or("");
  auto parts = split_url(full);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    return fail(ErrorKind::auth,
                "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL");
  }
  if (parts->scheme == "http" && !http_host_allowed(parts->host)) {
    return fail(ErrorKind::auth,
                "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI host '" + parts->host +
                    "' is not allowed over http; use https, or " + std::string(k_allowed_hosts));
  }
  host = parts->host;
  return full;
}

Result<HttpResponse> fetch(HttpClient& http, const HttpRequest& request, const std::string& who) {
  Result<HttpResponse> response = fail(ErrorKind::internal, "not sent");
  for (int attempt = 0; attempt < k_attempts; ++attempt) {
    response = http.send(request);
    if (response || response.error().kind != ErrorKind::network) {
      break;
    }
  }
  if (!response) {
    Error e = std::move(response.error());
    e.kind = ErrorKind::auth;
    e.message = who + ": " + e.message;
    return fail(std::move(e));
  }
  return response;
}

// Parse the reply; never quote `body`, which holds the secret key.
Result<Credentials> parse_reply(const HttpResponse& reply, const std::string& who) {
  std::string status = " (HTTP " + std::to_string(reply.status) + ")";
  if (reply.status != 200) {
    Error e;
    e.kind = ErrorKind::auth;
    e.http_status = reply.status;
    e.message = who + ": the endpoint refused the request" + status;
    return fail(std::move(e));
  }
  nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorKind::auth, who + ": the reply is not a JSON object" + status);
  }
  Credentials c{json_string(doc, "AccessKeyId"), json_string(doc, "SecretAccessKey"),
                json_string(doc, "Token"), std::nullopt, who};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return fail(ErrorKind::auth, who + ": the reply has no AccessKeyId or no SecretAccessKey");
  }
  if (std::string expiration = json_string(doc, "Expiration"); !expiration.empty()) {
    c.expiration = parse_iso8601(expiration);
    if (!c.expiration) {
      return fail(ErrorKind::auth, who + ": the reply's Expiration is not an ISO 8601 time");
    }
  }
  return c;
}

}  // namespace

Result<std::optional<Credentials>> credentials_from_container(HttpClient& http,
                                                              const EnvLookup& env) {
  if (!env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
      !env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    return OptionalCredentials{};
  }
  std::string host;
  GPUBOX_TRY_ASSIGN(url, credentials_url(env, host));
  GPUBOX_TRY_ASSIGN(token, authorization_token(env));
  HttpRequest request{"GET", url, {{"Accept", "application/json"}}, ""};
  if (!token.empty()) {
    request.headers.emplace_back("Authorization", token);
  }
  std::string who = "container credentials (" + host + ")";
  GPUBOX_TRY_ASSIGN(reply, fetch(http, request, who));
  GPUBOX_TRY_ASSIGN(creds, parse_reply(reply, who));
  return OptionalCredentials(std::move(creds));
}

}  // namespace gpubox::aws
