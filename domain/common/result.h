// Result<T>: the value of an operation that may fail in an expected way.
//
// Expected failures (bad input, not found, not allowed now, conflict) are values, never
// exceptions (STYLE.md). An Error carries a category (ErrorCode), a stable machine-readable
// `code` such as "calendar.out_of_range", a human message, and optionally the offending field.
// The mapping from ErrorCode to an HTTP status lives in exactly one place (http/problem.cc).
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace xn {

enum class ErrorCode {
  kInvalidArgument,     // malformed or out-of-policy input (400/422)
  kNotFound,            // absent, or outside the caller's scope (404)
  kConflict,            // duplicates an existing object (409)
  kFailedPrecondition,  // a transition not allowed in the current state (409)
  kOutOfRange,          // outside the data the system holds (e.g. a calendar year) (422)
  kUnauthenticated,     // no valid session (401)
  kPermissionDenied,    // authenticated but the role does not allow it (403)
  kLocked,              // account locked after failed logins (423)
  kPayloadTooLarge,     // body over the limit (413)
  kMethodNotAllowed,    // the path exists, not with this method (405)
  kUnsupportedMediaType,  // a body that is not of the accepted type (415)
  kUnavailable,         // storage or a dependency is down (503)
  kInternal,            // a bug (500)
};

struct Error {
  ErrorCode category = ErrorCode::kInternal;
  std::string code;     // stable identifier, e.g. "validation.too_short"
  std::string message;  // human-readable, Chinese or English
  std::string field;    // the offending input field, empty if none
};

inline Error MakeError(ErrorCode category, std::string code, std::string message,
                       std::string field = {}) {
  return Error{category, std::move(code), std::move(message), std::move(field)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace xn
