#include "remote/stand_in.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/strings.hpp"

namespace gpubox::remote {

std::string endpoint_host(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  std::string host;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    host = std::string(rest.substr(1, close == std::string_view::npos ? rest.npos : close - 1));
  } else {
    host = std::string(rest.substr(0, rest.find(':')));
  }
  host = to_lower(host);
  while (!host.empty() && host.back() == '.') {
    host.pop_back();  // "amazonaws.com." is the same name
  }
  return host;
}

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  if (auto pct = h.find('%'); pct != std::string::npos) {
    h.resize(pct);  // an IPv6 zone id ("fe80::1%eth0")
  }
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

bool is_aws_domain(std::string_view host) {
  if (host.empty() || is_ip_literal(host)) {
    return false;
  }
  for (std::string_view suffix : {".amazonaws.com", ".amazonaws.com.cn", ".api.aws"}) {
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      return true;
    }
  }
  return false;
}

bool is_stand_in_endpoint(std::string_view url) { return !is_aws_domain(endpoint_host(url)); }

}  // namespace gpubox::remote
