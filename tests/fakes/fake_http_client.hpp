#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/http.hpp"
#include "core/strings.hpp"

namespace gpubox::testing {

// Request parameters a canned reply requires: decoded query/form fields ("GroupId", "sg-1";
// "Filter.1.Name", "tag:gpubox:box") or, for JSON protocols, top-level string fields.
using HttpParams = std::vector<std::pair<std::string, std::string>>;

// Which requests a canned response answers; an empty field matches anything.
struct HttpMatch {
  std::string method;  // "POST"
  std::string host;    // "ec2.us-east-1.amazonaws.com" or "127.0.0.1:8080"
  std::string call;    // a query Action ("DescribeInstances") or a JSON operation / X-Amz-Target
  HttpParams params;   // each must be present with this value
};

// An HttpClient that answers from canned responses and records every request. Thread-safe.
//
// Two modes:
// - loose (respond/add/fail_network): a request takes the first queued stub that matches it, in
//   any order; stubs are used once each.
// - ordered (expect): the requests must arrive in exactly the order of the expectations, each with
//   its call and parameters (gh's httpmock registry). A request that is not the next expectation
//   is answered with an internal error and remembered; verify() reports it, and every expectation
//   never used. An ordered fake verifies itself when destroyed if the test did not.
//   Code that calls AWS from several threads at once declares those calls with expect_together():
//   they join the previous expectation's step and may arrive in any order within it, but every
//   call of a step must come before any call of the next step.
class FakeHttpClient final : public aws::HttpClient {
public:
  FakeHttpClient() = default;
  FakeHttpClient(const FakeHttpClient&) = delete;
  FakeHttpClient& operator=(const FakeHttpClient&) = delete;

  ~FakeHttpClient() override {
    if (m_ordered && !m_verified) {
      EXPECT_TRUE(verify()) << "(FakeHttpClient verified itself at the end of the test)";
    }
  }

  // Queue `response` (or a transport error) for the next request matching `match`.
  void add(HttpMatch match, Result<aws::HttpResponse> response) {
    std::lock_guard lock(m_mutex);
    m_stubs.push_back({std::move(match), std::move(response)});
  }

  // Queue a reply with `status`, `body` and `headers` for the query `action` or JSON operation.
  void respond(std::string call, int status, std::string body, aws::Headers headers = {}) {
    add(HttpMatch{"", "", std::move(call), {}}, reply(status, std::move(body), std::move(headers)));
  }

  // Queue a transport failure (kind network, retryable) for `call`.
  void fail_network(std::string call, std::string message = "Couldn't connect to server") {
    Error e;
    e.kind = ErrorKind::network;
    e.retryable = true;
    e.message = std::move(message);
    add(HttpMatch{"", "", std::move(call), {}}, std::unexpected<Error>(std::move(e)));
  }

  // Switch to ordered mode and expect, as the next request, `call` with `params`; answer it with
  // `status` and `body`.
  void expect(std::string call, HttpParams params, int status, std::string body) {
    std::lock_guard lock(m_mutex);
    m_ordered = true;
    m_stubs.push_back({HttpMatch{"", "", std::move(call), std::move(params)},
                       reply(status, std::move(body), {}), ++m_steps});
  }

  // Like expect(), but in the same step as the previous expectation: the two (and any others of
  // the step) may arrive in either order, as calls made concurrently do.
  void expect_together(std::string call, HttpParams params, int status, std::string body) {
    std::lock_guard lock(m_mutex);
    m_ordered = true;
    m_stubs.push_back({HttpMatch{"", "", std::move(call), std::move(params)},
                       reply(status, std::move(body), {}), m_steps});
  }

  // Call `hook` with every request before it is answered (outside the fake's lock): what another
  // process does while this request is on the wire, e.g. an `up` storing a box meanwhile.
  void on_request(std::function<void(const aws::HttpRequest&)> hook) {
    std::lock_guard lock(m_mutex);
    m_hook = std::move(hook);
  }

  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    std::function<void(const aws::HttpRequest&)> hook;
    {
      std::lock_guard lock(m_mutex);
      hook = m_hook;
    }
    if (hook) {
      hook(request);
    }
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    if (m_ordered) {
      return take_next(request);
    }
    for (auto it = m_stubs.begin(); it != m_stubs.end(); ++it) {
      if (matches(it->match, request)) {
        auto response = std::move(it->response);
        m_stubs.erase(it);
        return response;
      }
    }
    return no_stub(fmt::format("FakeHttpClient: no stub for {} {} {}", request.method, request.url,
                               call_of(request)));
  }

  // Success when every canned reply was used and (ordered mode) every request came in order;
  // otherwise a failure that lists what went wrong. Use as EXPECT_TRUE(http.verify()).
  ::testing::AssertionResult verify() {
    std::lock_guard lock(m_mutex);
    m_verified = true;
    std::vector<std::string> problems = m_problems;
    for (const auto& s : m_stubs) {
      problems.push_back("never used: " + describe(s.match));
    }
    if (problems.empty()) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "FakeHttpClient:\n  " << fmt::format("{}", fmt::join(problems, "\n  "));
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
      out.push_back(describe(s.match));
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
    auto params = params_of(request);
    auto action = params.find("Action");
    return action == params.end() ? "" : action->second;
  }

  // Return the decoded form fields of the body and the URL's query, or a JSON body's top-level
  // string fields.
  static std::map<std::string, std::string> params_of(const aws::HttpRequest& request) {
    std::map<std::string, std::string> out;
    if (request.body.starts_with("{")) {
      auto doc = nlohmann::json::parse(request.body, nullptr, false);
      if (doc.is_object()) {
        for (const auto& [key, value] : doc.items()) {
          out[key] = value.is_string() ? value.get<std::string>() : value.dump();
        }
      }
      return out;
    }
    auto q = request.url.find('?');
    const std::string query = q == std::string::npos ? "" : request.url.substr(q + 1);
    for (const auto* source : {&request.body, &query}) {
      for (const auto& pair : split(*source, '&')) {
        auto eq = pair.find('=');
        if (eq != std::string::npos) {
          out.emplace(percent_decode(pair.substr(0, eq), true),
                      percent_decode(pair.substr(eq + 1), true));
        }
      }
    }
    return out;
  }

private:
  struct Stub {
    HttpMatch match;
    Result<aws::HttpResponse> response;
    int step = 0;  // ordered mode: expectations of one step may arrive in any order
  };

  static Result<aws::HttpResponse> reply(int status, std::string body, aws::Headers headers) {
    aws::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }

  static Result<aws::HttpResponse> no_stub(std::string message) {
    Error e;
    e.kind = ErrorKind::internal;
    e.message = std::move(message);
    return std::unexpected<Error>(std::move(e));
  }

  static std::string describe(const HttpMatch& m) {
    std::string out = fmt::format("{} {} {}", m.method, m.host, m.call);
    for (const auto& [k, v] : m.params) {
      out += fmt::format(" {}={}", k, v);
    }
    return out;
  }

  // Ordered mode: the request must be one of the front step's expectations (the first that
  // matches, so repeated calls get their replies in order).
  Result<aws::HttpResponse> take_next(const aws::HttpRequest& request) {
    const size_t n = m_requests.size();
    if (m_stubs.empty()) {
      m_problems.push_back(fmt::format("request {} ({}) came after every expectation was used", n,
                                       call_of(request)));
      return no_stub(m_problems.back());
    }
    const int step = m_stubs.front().step;
    for (auto it = m_stubs.begin(); it != m_stubs.end() && it->step == step; ++it) {
      if (matches(it->match, request)) {
        auto response = std::move(it->response);
        m_stubs.erase(it);
        return response;
      }
    }
    m_problems.push_back(fmt::format("request {} was {} {}; expected {}", n, call_of(request),
                                     request.body, describe(m_stubs.front().match)));
    return no_stub(m_problems.back());
  }

  static bool matches(const HttpMatch& m, const aws::HttpRequest& request) {
    if (!m.method.empty() && m.method != request.method) {
      return false;
    }
    if (!m.host.empty() && m.host != host_of(request.url)) {
      return false;
    }
    if (!m.params.empty()) {
      auto params = params_of(request);
      for (const auto& [key, value] : m.params) {
        auto it = params.find(key);
        if (it == params.end() || it->second != value) {
          return false;
        }
      }
    }
    if (m.call.empty()) {
      return true;
    }
    std::string call = call_of(request);
    // "GetParameter" matches the target "AmazonSSM.GetParameter".
    return call == m.call || call.ends_with("." + m.call);
  }

  mutable std::mutex m_mutex;
  std::function<void(const aws::HttpRequest&)> m_hook;
  std::deque<Stub> m_stubs;
  std::vector<aws::HttpRequest> m_requests;
  std::vector<std::string> m_problems;
  bool m_ordered = false;
  bool m_verified = false;
  int m_steps = 0;
};

}  // namespace gpubox::testing
