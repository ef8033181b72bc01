#include "box/access/caller_ip.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "core/strings.hpp"

namespace gpubox::box {

namespace {

struct ParsedIp {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
  size_t size() const { return family == AF_INET ? 4 : 16; }
  int max_prefix() const { return family == AF_INET ? 32 : 128; }
};

std::optional<ParsedIp> parse_ip(std::string_view text) {
  std::string s(text);
  ParsedIp ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

std::string format_ip(const ParsedIp& ip) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  inet_ntop(ip.family, ip.bytes.data(), buf.data(), buf.size());
  return buf.data();
}

// Clear every bit after the first `prefix` bits.
ParsedIp network_of(ParsedIp ip, int prefix) {
  for (size_t i = 0; i < ip.size(); ++i) {
    int bits = std::clamp(prefix - static_cast<int>(i) * 8, 0, 8);
    ip.bytes[i] &= static_cast<unsigned char>(0xFF00 >> bits);
  }
  return ip;
}

// Keep a hostile or broken response out of error messages: one short printable line.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 60)) {
    out += (c >= ' ' && c < 127) ? c : '?';
  }
  return out;
}

std::unexpected<Error> bad_cidr(std::string_view cidr, std::string_view why) {
  auto e = fail(ErrorKind::invalid_input, fmt::format("invalid CIDR '{}': {}", shown(cidr), why));
  e.error().hint = "use an address range like 203.0.113.7/32 or 2001:db8::/64";
  return e;
}

}  // namespace

Result<std::string> validate_ip(std::string_view ip) {
  auto parsed = parse_ip(trim(ip));
  if (!parsed) {
    return fail(ErrorKind::invalid_input,
                fmt::format("'{}' is not an IPv4 or IPv6 address", shown(ip)));
  }
  return format_ip(*parsed);
}

Result<std::string> to_cidr32(std::string_view ip) {
  auto parsed = parse_ip(trim(ip));
  if (!parsed) {
    return fail(ErrorKind::invalid_input,
                fmt::format("'{}' is not an IPv4 or IPv6 address", shown(ip)));
  }
  return fmt::format("{}/{}", format_ip(*parsed), parsed->max_prefix());
}

Result<std::string> validate_cidr(std::string_view cidr) {
  std::string_view text = trim(cidr);
  size_t slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) {
    return bad_cidr(cidr, "the address part is not an IPv4 or IPv6 address");
  }
  int prefix = ip->max_prefix();
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || prefix < 0 ||
        prefix > ip->max_prefix()) {
      return bad_cidr(
          cidr, fmt::format("the prefix length must be a number from 0 to {}", ip->max_prefix()));
    }
  }
  ParsedIp network = network_of(*ip, prefix);
  if (network.bytes != ip->bytes) {
    std::string fixed = fmt::format("{}/{}", format_ip(network), prefix);
    return bad_cidr(cidr, fmt::format("it has bits set after the prefix; did you mean {}?", fixed));
  }
  return fmt::format("{}/{}", format_ip(*ip), prefix);
}

bool is_world_open(std::string_view cidr) {
  auto canonical = validate_cidr(cidr);
  // `up` warns loudly when the user asks for one of these.
  return canonical && (*canonical == "0.0.0.0/0" || *canonical == "::/0");  // warn: world-open
}

namespace {

// Return the prefix length and whether the address is IPv6, for a valid CIDR.
std::optional<std::pair<int, bool>> prefix_of(std::string_view cidr) {
  auto canonical = validate_cidr(cidr);
  if (!canonical) {
    return std::nullopt;
  }
  auto slash = canonical->rfind('/');
  return std::make_pair(std::stoi(canonical->substr(slash + 1)),
                        canonical->find(':') != std::string::npos);
}

}  // namespace

bool is_wide_open(std::string_view cidr) {
  auto p = prefix_of(cidr);
  return p && p->first < (p->second ? 64 : 24);
}

std::string wide_open_words(std::string_view cidr) {
  auto p = prefix_of(cidr);
  if (!p || p->first == 0) {
    return "the whole internet";
  }
  const int host_bits = (p->second ? 128 : 32) - p->first;
  if (host_bits >= 63) {
    return "more than 2^63 addresses";
  }
  return fmt::format("{} addresses", 1ULL << host_bits);
}

Result<std::string> HttpCallerIpSource::lookup() {
  aws::HttpRequest req;
  req.method = "GET";
  req.url = m_url;
  auto resp = m_http.send(req);
  if (!resp) {
    Error e = resp.error();
    e.message = fmt::format("cannot detect your public IP address from {}: {}", m_url, e.message);
    e.hint = "pass --allow-from <cidr> or set GPUBOX_CALLER_IP";
    return fail(std::move(e));
  }
  auto ip = resp->status == 200 ? validate_ip(resp->body)
                                : Result<std::string>(fail(ErrorKind::remote, "HTTP error"));
  if (!ip) {
    auto e = fail(ErrorKind::remote,
                  fmt::format("cannot detect your public IP address: {} answered HTTP {} '{}'",
                              m_url, resp->status, shown(trim(resp->body))));
    e.error().hint = "pass --allow-from <cidr> or set GPUBOX_CALLER_IP";
    return e;
  }
  return ip;
}

Result<std::string> FixedCallerIpSource::lookup() {
  auto ip = validate_ip(m_ip);
  if (!ip) {
    Error e = ip.error();
    e.message = "GPUBOX_CALLER_IP: " + e.message;
    return fail(std::move(e));
  }
  return ip;
}

std::unique_ptr<CallerIpSource> make_caller_ip_source(const EnvLookup& getenv,
                                                      aws::HttpClient& http) {
  if (auto fixed = getenv("GPUBOX_CALLER_IP"); fixed && !fixed->empty()) {
    return std::make_unique<FixedCallerIpSource>(*fixed);
  }
  auto url = getenv("GPUBOX_CALLER_IP_URL");
  return std::make_unique<HttpCallerIpSource>(
      http, url && !url->empty() ? *url : std::string(k_default_caller_ip_url));
}

}  // namespace gpubox::box
