#pragma once
// The caller's public address, which a box's security group admits as a /32 (never 0.0.0.0/0
// unless the user asks). Looking it up is an edge: tests inject a fixed source and never make
// the HTTP call.

#include <memory>
#include <string>
#include <string_view>

#include "aws/http.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"

namespace gpubox::box {

constexpr std::string_view k_default_caller_ip_url = "https://checkip.amazonaws.com";

class CallerIpSource {
public:
  virtual ~CallerIpSource() = default;
  // Return the caller's public IP address (bare, without a prefix length).
  virtual Result<std::string> lookup() = 0;
};

// Asks a what-is-my-IP URL that answers with the address as plain text.
class HttpCallerIpSource final : public CallerIpSource {
public:
  HttpCallerIpSource(aws::HttpClient& http, std::string url)
      : m_http(http), m_url(std::move(url)) {}
  Result<std::string> lookup() override;

private:
  aws::HttpClient& m_http;
  std::string m_url;
};

// Returns an address the user gave (GPUBOX_CALLER_IP), validated on lookup.
class FixedCallerIpSource final : public CallerIpSource {
public:
  explicit FixedCallerIpSource(std::string ip) : m_ip(std::move(ip)) {}
  Result<std::string> lookup() override;

private:
  std::string m_ip;
};

// Return a FixedCallerIpSource when GPUBOX_CALLER_IP is set, else an HttpCallerIpSource for
// GPUBOX_CALLER_IP_URL (default k_default_caller_ip_url) over `http`.
std::unique_ptr<CallerIpSource> make_caller_ip_source(const EnvLookup& getenv,
                                                      aws::HttpClient& http);

// Return `ip` in canonical form if it is a valid IPv4 or IPv6 address.
Result<std::string> validate_ip(std::string_view ip);

// Return the single-address CIDR for `ip`: "a.b.c.d/32" for IPv4, "<ipv6>/128" for IPv6.
Result<std::string> to_cidr32(std::string_view ip);

// Return `cidr` in canonical form ("addr/len"; a bare address gets /32 or /128). Malformed
// input, a prefix out of range or host bits set after the prefix give a clear error.
Result<std::string> validate_cidr(std::string_view cidr);

// Return whether `cidr` admits the whole internet (0.0.0.0/0 or ::/0), which `up` warns about.
bool is_world_open(std::string_view cidr);

// Return whether `cidr` is wider than a /24 (IPv4) or a /64 (IPv6): `up` warns as for /0.
bool is_wide_open(std::string_view cidr);

// Return "the whole internet" for a /0, else "N addresses" ("65536 addresses" for a /16).
std::string wide_open_words(std::string_view cidr);

}  // namespace gpubox::box
