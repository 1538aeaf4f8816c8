// AuthService: logins, sessions and the principal of each request.
//
// Sessions are kept in memory for speed and in the store so they survive a restart; a token is
// stored only as its SHA-256. A session ends after kIdleTimeout without a request (idle logout),
// on logout, and when its user is disabled. The principal (roles, permissions, scope) is cached
// per session and reloaded after any change to users or roles (a generation counter).
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/common/clock.h"
#include "domain/identity/identity.h"
#include "store/identity/identity_store.h"

namespace xn::store {

struct LoginResult {
  std::string token;       // bearer token, also the cookie's value
  std::string csrf_token;  // to send in X-CSRF-Token with cookie sessions
  identity::Principal principal;
};

struct Authenticated {
  std::shared_ptr<const identity::Principal> principal;  // shared with the session cache
  std::string csrf_token;
};

class AuthService {
 public:
  AuthService(IdentityStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Checks the password and the lockout rule and opens a session.
  // Errors: kUnauthenticated "auth.invalid_credentials" (unknown user, wrong password or a
  // disabled account: one answer for all); kLocked "auth.locked" with the unlock time in the
  // message. Every attempt is written to the audit log.
  Result<LoginResult> Login(const std::string& username, const std::string& password,
                            const std::string& remote);

  // The session of TOKEN. Errors: kUnauthenticated "auth.required" (unknown token) or
  // "auth.session_expired" (idle for kIdleTimeout; the session is ended and audited).
  Result<Authenticated> Authenticate(const std::string& token);

  // Ends the session of TOKEN (no error if it is unknown).
  void Logout(const std::string& token);

  // Forgets sessions idle for longer than kIdleTimeout, in memory and in the store. Called at
  // start and every so many logins, so abandoned sessions do not pile up.
  void Sweep();

  // Marks every cached principal stale (after a change to users or roles).
  void Invalidate() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  // Keeps the cache true to what any process sharing the database did (db::EventFeed): a
  // session ended anywhere is forgotten here, a change to a user or role makes principals stale.
  void Follow(std::string_view kind, std::string_view subject);

 private:
  struct Entry {
    int64_t user_id = 0;
    std::string csrf_token;
    Instant last_seen;
    Instant last_persisted;
    uint64_t generation = 0;
    std::shared_ptr<const identity::Principal> principal;
  };
  Result<identity::Principal> LoadPrincipal(int64_t user_id) const;

  IdentityStore& store_;
  const Clock& clock_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<uint64_t> logins_{0};
  mutable std::shared_mutex mu_;
  std::mutex entry_mu_;  // guards the fields of every Entry (short critical sections)
  std::unordered_map<std::string, std::shared_ptr<Entry>> sessions_;  // by token hash
};

identity::Principal PrincipalOf(const User& u);

}  // namespace xn::store
