#pragma once
// Is the AWS endpoint the real AWS, or a stand-in (moto, LocalStack, a proxy)? Any host that is
// not an AWS domain counts as a stand-in, address literals included (parsed with inet_pton, not
// matched as text): under a stand-in, instance addresses are invented and belong to strangers,
// so gpubox never connects to them, never writes them into the managed ssh config, and never
// looks up the caller's public address.

#include <string>
#include <string_view>

namespace gpubox::remote {

// Return the lower-cased host of `url` ("http://[::1]:5000/x" -> "::1"), without a trailing dot.
std::string endpoint_host(std::string_view url);

// Return whether `host` is an IPv4 or IPv6 address literal (parsed with inet_pton).
bool is_ip_literal(std::string_view host);

// Return whether `host` is an AWS service domain: *.amazonaws.com, *.amazonaws.com.cn, *.api.aws.
bool is_aws_domain(std::string_view host);

// Return whether `url` is a stand-in for AWS: its host is not an AWS domain. Fails closed: an
// address literal, a bare name like "moto" or an unparsable URL counts.
bool is_stand_in_endpoint(std::string_view url);

}  // namespace gpubox::remote
