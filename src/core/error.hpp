#pragma once
// Errors as values: every operation that can fail for ordinary reasons returns Result<T>, and
// GPUBOX_TRY / GPUBOX_TRY_ASSIGN / GPUBOX_TRY_SET propagate them. Exceptions are for bugs only.

#include <expected>
#include <string>
#include <utility>

namespace gpubox {

enum class ErrorKind {
  invalid_input,  // the user's input or a file they wrote is wrong
  not_found,      // the thing asked for does not exist
  auth,           // credentials missing, expired or rejected; access denied
  quota,          // a service quota or limit stops the request
  capacity,       // AWS has no capacity for the request here and now
  throttled,      // rate limited
  network,        // connection, DNS, TLS or timeout failure
  remote,         // the remote service failed (5xx) or answered something unparseable
  conflict,       // the resource is in a state that forbids the request (in use, duplicate)
  state,          // gpubox's local state is unreadable or locked
  internal,       // a bug
};

// Return a stable lowercase name for `kind` ("throttled"), used in --json and logs.
const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;     // one line: what failed, on what
  std::string aws_code;    // e.g. "InsufficientInstanceCapacity"; empty when not from AWS
  std::string request_id;  // AWS request id, for support
  int http_status = 0;     // 0 when there was no HTTP response
  bool retryable = false;
  std::string hint;  // what the user should do next, e.g. a `gpubox quota request ...` line
};

template <typename T>
using Result = std::expected<T, Error>;

// Return an unexpected Error of `kind` with `message`.
inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return std::unexpected<Error>(std::move(e));
}

// Return an unexpected Error of `kind` with `message` and what to do next (`hint`).
inline std::unexpected<Error> fail(ErrorKind kind, std::string message, std::string hint) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  e.hint = std::move(hint);
  return std::unexpected<Error>(std::move(e));
}

// Wrap an existing error to propagate it.
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace gpubox

// Propagate the error of a Result-returning expression; bind its value to `var`.
// `var` names the declared variable, which parentheses would not compile.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define GPUBOX_TRY_ASSIGN(var, expr)                         \
  auto var##_result_ = (expr);                               \
  if (!var##_result_) {                                      \
    return ::gpubox::fail(std::move(var##_result_.error())); \
  }                                                          \
  auto var = std::move(*var##_result_)
// NOLINTEND(bugprone-macro-parentheses)

// Propagate the error of a Result-returning expression; its value, if any, is discarded.
#define GPUBOX_TRY(expr)                                            \
  do {                                                              \
    auto gpubox_try_result_ = (expr);                               \
    if (!gpubox_try_result_) {                                      \
      return ::gpubox::fail(std::move(gpubox_try_result_.error())); \
    }                                                               \
  } while (false)

// Propagate the error of a Result-returning expression; assign its value to the existing `var`.
#define GPUBOX_TRY_SET(var, expr)                                   \
  do {                                                              \
    auto gpubox_try_result_ = (expr);                               \
    if (!gpubox_try_result_) {                                      \
      return ::gpubox::fail(std::move(gpubox_try_result_.error())); \
    }                                                               \
    (var) = std::move(*gpubox_try_result_);                         \
  } while (false)
