#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "aws/http.hpp"
#include "core/strings.hpp"

namespace gpubox::testing {

// Which requests a canned response answers; an empty field matches anything.
struct HttpMatch {
  std::string method;  // "POST"
  std::string host;    // "ec2.us-east-1.amazonaws.com" or "127.0.0.1:8080"
  std::string call;    // a query Action ("DescribeInstances") or a JSON operation / X-Amz-Target
};

// An HttpClient that answers from a queue of canned responses and records every request.
// A request takes the first queued stub that matches it; stubs are used once each. Thread-safe.
class FakeHttpClient final : public aws::HttpClient {
public:
  // Queue `response` (or a transport error) for the next request matching `match`.
  void add(HttpMatch match, Result<aws::HttpResponse> response) {
    std::lock_guard lock(m_mutex);
    m_stubs.push_back({std::move(match), std::move(response)});
  }

  // Queue a reply with `status`, `body` and `headers` for the query `action` or JSON operation.
  void respond(std::string call, int status, std::string body, aws::Headers headers = {}) {
    aws::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    add(HttpMatch{"", "", std::move(call)}, std::move(r));
  }

  // Queue a transport failure (kind network, retryable) for `call`.
  void fail_network(std::string call, std::string message = "Couldn't connect to server") {
    Error e;
    e.kind = ErrorKind::network;
    e.retryable = true;
    e.message = std::move(message);
    add(HttpMatch{"", "", std::move(call)}, std::unexpected<Error>(std::move(e)));
  }

  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    for (auto it = m_stubs.begin(); it != m_stubs.end(); ++it) {
      if (matches(it->match, request)) {
        auto response = std::move(it->response);
        m_stubs.erase(it);
        return response;
      }
    }
    Error e;
    e.kind = ErrorKind::internal;
    e.message = fmt::format("FakeHttpClient: no stub for {} {} {}", request.method, request.url,
                            call_of(request));
    return std::unexpected<Error>(std::move(e));
  }

  // Return a copy of every request seen, in order.
  std::vector<aws::HttpRequest> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

  // Return a description of every stub no request used.
  std::vector<std::string> unused() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& s : m_stubs) {
      out.push_back(fmt::format("{} {} {}", s.match.method, s.match.host, s.match.call));
    }
    return out;
  }

  // Return the host[:port] of `url`.
  static std::string host_of(std::string_view url) {
    auto start = url.find("://");
    start = start == std::string_view::npos ? 0 : start + 3;
    auto end = url.find_first_of("/?#", start);
    return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
  }

  // Return the query Action (from the form body or URL) or the X-Amz-Target of `request`.
  static std::string call_of(const aws::HttpRequest& request) {
    if (auto target = aws::find_header(request.headers, "X-Amz-Target")) {
      return *target;
    }
    auto q = request.url.find('?');
    const std::string query = q == std::string::npos ? "" : request.url.substr(q + 1);
    for (const auto* source : {&request.body, &query}) {
      for (const auto& pair : split(*source, '&')) {
        if (pair.starts_with("Action=")) {
          return percent_decode(pair.substr(7), true);
        }
      }
    }
    return "";
  }

private:
  struct Stub {
    HttpMatch match;
    Result<aws::HttpResponse> response;
  };

  static bool matches(const HttpMatch& m, const aws::HttpRequest& request) {
    if (!m.method.empty() && m.method != request.method) {
      return false;
    }
    if (!m.host.empty() && m.host != host_of(request.url)) {
      return false;
    }
    if (m.call.empty()) {
      return true;
    }
    std::string call = call_of(request);
    // "GetParameter" matches the target "AmazonSSM.GetParameter".
    return call == m.call || call.ends_with("." + m.call);
  }

  mutable std::mutex m_mutex;
  std::deque<Stub> m_stubs;
  std::vector<aws::HttpRequest> m_requests;
};

}  // namespace gpubox::testing
