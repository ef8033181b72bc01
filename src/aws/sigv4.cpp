#include "aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";

// botocore's SIGNED_HEADERS_BLACKLIST (auth.py:64): hop-by-hop headers that proxies may rewrite,
// plus user-agent and the trace id, which SDKs add after signing.
constexpr std::array<std::string_view, 11> k_unsigned_headers = {"connection",
                                                                 "expect",
                                                                 "keep-alive",
                                                                 "proxy-authenticate",
                                                                 "proxy-authorization",
                                                                 "te",
                                                                 "trailer",
                                                                 "transfer-encoding",
                                                                 "upgrade",
                                                                 "user-agent",
                                                                 "x-amzn-trace-id"};

struct UrlParts {
  std::string_view scheme;
  std::string_view authority;
  std::string_view path;
  std::string_view query;
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  if (auto colon = url.find("://"); colon != std::string_view::npos) {
    parts.scheme = url.substr(0, colon);
    url.remove_prefix(colon + 3);
  }
  url = url.substr(0, url.find('#'));
  const size_t path_start = std::min(url.find_first_of("/?"), url.size());
  parts.authority = url.substr(0, path_start);
  url.remove_prefix(path_start);
  const size_t query_start = std::min(url.find('?'), url.size());
  parts.path = url.substr(0, query_start);
  if (query_start < url.size()) {
    parts.query = url.substr(query_start + 1);
  }
  return parts;
}

// Header values are squeezed the way botocore's `' '.join(value.split())` does: leading and
// trailing whitespace dropped, each inner run (including folded line breaks) becomes one space.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string squeeze_spaces(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
  }
  return out;
}

bool is_unsigned_header(std::string_view lower_name) {
  return std::ranges::find(k_unsigned_headers, lower_name) != k_unsigned_headers.end();
}

// RFC 3986 §5.2.4, plus the removal of empty segments that AWS requires (botocore
// utils.remove_dot_segments): "//a/./b/../c/" becomes "/a/c/".
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> kept;
  for (size_t start = 0; start <= path.size();) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) {
        kept.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < kept.size(); ++i) {
    out += (i == 0 ? "" : "/");
    out += kept[i];
  }
  if (path.back() == '/' && !kept.empty()) {
    out += '/';
  }
  return out;
}

void remove_header(Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

std::string date_stamp_of(std::string_view amz_date) { return std::string(amz_date.substr(0, 8)); }

// The request with the headers this signature owns removed, as botocore does before each
// (re)signing so a retry never carries a stale date, token or signature.
void reset_signing_headers(HttpRequest& request, const Credentials& creds) {
  remove_header(request.headers, "Authorization");
  remove_header(request.headers, "X-Amz-Date");
  if (!creds.session_token.empty()) {
    remove_header(request.headers, "X-Amz-Security-Token");
  }
}

std::string payload_hash(const HttpRequest& request) {
  if (auto declared = find_header(request.headers, "x-amz-content-sha256")) {
    return *declared;
  }
  return sha256_hex(request.body);
}

// Everything after the canonical request is shared by header signing and presigning.
SigningResult finish(std::string creq, std::string_view date, const Credentials& creds,
                     const SigningParams& params) {
  SigningResult result;
  const std::string stamp = date_stamp_of(date);
  result.string_to_sign = string_to_sign(date, credential_scope(stamp, params), creq);
  const std::string key = signing_key(creds.secret_access_key, stamp, params);
  result.signature = hex_encode(hmac_sha256(key, result.string_to_sign));
  result.canonical_request = std::move(creq);
  return result;
}

}  // namespace

std::string amz_date(TimePoint time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  const size_t n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return {buf.data(), n};
}

std::string canonical_host(std::string_view scheme, std::string_view authority) {
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  // An IPv6 literal keeps its brackets; the port, if any, follows the closing bracket.
  const size_t host_end = authority.starts_with('[') ? authority.find(']') + 1 : 0;
  const size_t colon = authority.find(':', host_end);
  std::string host = to_lower(authority.substr(0, colon));
  if (colon == std::string_view::npos) {
    return host;
  }
  const std::string_view port = authority.substr(colon + 1);
  const bool is_default =
      (iequals(scheme, "https") && port == "443") || (iequals(scheme, "http") && port == "80");
  if (!port.empty() && !is_default) {
    host += ':';
    host += port;
  }
  return host;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  if (path.empty()) {
    return "/";
  }
  return uri_encode(normalize ? remove_dot_segments(path) : std::string(path), false);
}

std::string canonical_query_string(std::string_view query) {
  if (query.empty()) {
    return "";
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& pair : split(query, '&')) {
    const size_t eq = pair.find('=');
    const std::string_view key = std::string_view(pair).substr(0, eq);
    const std::string_view value =
        eq == std::string::npos ? std::string_view() : std::string_view(pair).substr(eq + 1);
    pairs.emplace_back(uri_encode(percent_decode(key)), uri_encode(percent_decode(value)));
  }
  std::ranges::sort(pairs);
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) {
      out += '&';
    }
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

CanonicalHeaders canonical_headers(const Headers& headers, std::string_view host) {
  // A stable sort by lower-case name keeps repeated headers in the order they were given.
  std::vector<std::pair<std::string, std::string>> lowered;
  for (const auto& [name, value] : headers) {
    std::string lower = to_lower(name);
    if (!is_unsigned_header(lower)) {
      lowered.emplace_back(std::move(lower), squeeze_spaces(value));
    }
  }
  if (std::ranges::none_of(lowered, [](const auto& h) { return h.first == "host"; })) {
    lowered.emplace_back("host", std::string(host));
  }
  std::ranges::stable_sort(lowered, {}, &std::pair<std::string, std::string>::first);
  CanonicalHeaders out;
  for (size_t i = 0; i < lowered.size(); ++i) {
    const bool repeat = i > 0 && lowered[i].first == lowered[i - 1].first;
    if (repeat) {
      out.block.back() = ',';  // replace the previous line's '\n'
    } else {
      out.signed_headers += (i == 0 ? "" : ";") + lowered[i].first;
      out.block += lowered[i].first + ':';
    }
    out.block += lowered[i].second + '\n';
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                              const CanonicalHeaders& headers, std::string_view payload_hash) {
  std::string out = to_upper(method);
  for (std::string_view part : {uri, query, std::string_view(headers.block)}) {
    out += '\n';
    out += part;
  }
  // The header block already ends in '\n'; the join adds the empty line after it.
  out += '\n';
  out += headers.signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string credential_scope(std::string_view date_stamp, const SigningParams& params) {
  return std::string(date_stamp) + '/' + params.region + '/' + params.service + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out(k_algorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date_stamp,
                        const SigningParams& params) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), date_stamp);
  const std::string k_region = hmac_sha256(k_date, params.region);
  const std::string k_service = hmac_sha256(k_region, params.service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature) {
  std::string out(k_algorithm);
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature;
  return out;
}

SigningResult sign(HttpRequest& request, const Credentials& creds, const SigningParams& params) {
  reset_signing_headers(request, creds);
  const std::string date = amz_date(params.time);
  request.headers.emplace_back("X-Amz-Date", date);
  const bool has_token = !creds.session_token.empty();
  if (has_token && params.sign_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  if (params.add_content_sha256) {
    set_header(request.headers, "x-amz-content-sha256", sha256_hex(request.body));
  }
  const UrlParts url = split_url(request.url);
  const CanonicalHeaders headers =
      canonical_headers(request.headers, canonical_host(url.scheme, url.authority));
  std::string creq =
      canonical_request(request.method, canonical_uri(url.path, params.normalize_path),
                        canonical_query_string(url.query), headers, payload_hash(request));
  SigningResult result = finish(std::move(creq), date, creds, params);
  result.authorization =
      authorization_header(creds.access_key_id, credential_scope(date_stamp_of(date), params),
                           headers.signed_headers, result.signature);
  request.headers.emplace_back("Authorization", result.authorization);
  if (has_token && !params.sign_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  return result;
}

SigningResult presign(HttpRequest& request, const Credentials& creds, const SigningParams& params,
                      std::chrono::seconds expires) {
  const std::string date = amz_date(params.time);
  const UrlParts url = split_url(request.url);
  const CanonicalHeaders headers =
      canonical_headers(request.headers, canonical_host(url.scheme, url.authority));
  // aws-c-auth's order on the wire; the canonical form sorts them anyway.
  std::string added =
      "X-Amz-Algorithm=" + std::string(k_algorithm) + "&X-Amz-Credential=" +
      uri_encode(creds.access_key_id + '/' + credential_scope(date_stamp_of(date), params)) +
      "&X-Amz-Date=" + date + "&X-Amz-SignedHeaders=" + uri_encode(headers.signed_headers) +
      "&X-Amz-Expires=" + std::to_string(expires.count());
  const std::string token =
      creds.session_token.empty() ? "" : "&X-Amz-Security-Token=" + uri_encode(creds.session_token);
  if (params.sign_session_token) {
    added += token;
  }
  std::string query = url.query.empty() ? added : std::string(url.query) + '&' + added;
  std::string creq =
      canonical_request(request.method, canonical_uri(url.path, params.normalize_path),
                        canonical_query_string(query), headers, sha256_hex(request.body));
  SigningResult result = finish(std::move(creq), date, creds, params);
  if (!params.sign_session_token) {
    query += token;
  }
  const std::string base = request.url.substr(0, request.url.find_first_of("?#"));
  request.url = base + '?' + query + "&X-Amz-Signature=" + result.signature;
  return result;
}

}  // namespace gpubox::aws
