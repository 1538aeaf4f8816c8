#include "store/identity/auth.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "store/identity/password.h"

namespace xn::store {
namespace {

// A hash to verify against when the user does not exist, so that an unknown username takes as
// long as a wrong password.
const std::string& DummyHash() {
  static const std::string kHash = HashPassword("xiaoneng-dummy-password-for-timing");
  return kHash;
}

std::string LocalTimeText(Instant t) {
  // Asia/Shanghai is UTC+8 all year round (no daylight saving since 1991).
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(
                         t.time_since_epoch() + std::chrono::hours(8)).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

Error InvalidCredentials() {
  return MakeError(ErrorCode::kUnauthenticated, "auth.invalid_credentials", "用户名或密码错误");
}

// Persist last-seen at most this often: the idle rule is enforced from memory, and the stored
// value only matters after a restart.
constexpr std::chrono::minutes kPersistEvery{1};

}  // namespace

identity::Principal PrincipalOf(const User& u) {
  identity::Principal p;
  p.user_id = u.id;
  p.username = u.username;
  p.display_name = u.display_name;
  p.department_id = u.department_id;
  p.department_code = u.department_code;
  p.department_name = u.department_name;
  p.section_id = u.section_id;
  p.region_code = u.region_code;
  identity::ApplyRoles(p, u.roles);
  return p;
}

Result<identity::Principal> AuthService::LoadPrincipal(int64_t user_id) const {
  auto u = store_.GetUser(user_id);
  if (!u.ok()) return u.error();
  if (!u->active) {
    return MakeError(ErrorCode::kUnauthenticated, "auth.required", "账号已停用，请重新登录");
  }
  return PrincipalOf(*u);
}

Result<LoginResult> AuthService::Login(const std::string& username, const std::string& password,
                                       const std::string& remote) {
  Instant now = clock_.Now();
  Actor actor{"anonymous", now};
  auto found = store_.GetUserForLogin(username);
  if (!found.ok()) {
    if (found.error().category != ErrorCode::kNotFound) return found.error();
    (void)VerifyPassword(DummyHash(), password);
    identity::LoginDecision d{identity::LoginOutcome::kBadPassword, {}};
    if (auto s = store_.RecordLogin(std::nullopt, username, d, remote, actor); !s.ok()) {
      return s.error();
    }
    return InvalidCredentials();
  }
  auto& [user, hash] = *found;
  actor.id = "user:" + std::to_string(user.id);
  bool password_ok = VerifyPassword(hash, password) && user.active;
  identity::LoginDecision d = identity::DecideLogin(
      identity::LoginState{user.failed_logins, user.locked_until}, password_ok, now);
  if (auto s = store_.RecordLogin(user.id, username, d, remote, actor); !s.ok()) return s.error();
  if (d.outcome == identity::LoginOutcome::kLocked ||
      (d.outcome == identity::LoginOutcome::kBadPassword && d.next.locked_until)) {
    return MakeError(ErrorCode::kLocked, "auth.locked",
                     "连续登录失败" + std::to_string(identity::kMaxFailedLogins) +
                         "次，账号已锁定，请于 " + LocalTimeText(*d.next.locked_until) +
                         " 后再试或联系系统管理员解锁");
  }
  if (d.outcome != identity::LoginOutcome::kSuccess) return InvalidCredentials();

  LoginResult out{RandomToken(32), RandomToken(24), PrincipalOf(user)};
  std::string token_hash = Sha256(out.token);
  if (auto s = store_.CreateSession(token_hash, {user.id, out.csrf_token, now, now}, actor);
      !s.ok()) {
    return s.error();
  }
  if (logins_.fetch_add(1) % 256 == 255) Sweep();
  auto entry = std::make_shared<Entry>(
      Entry{user.id, out.csrf_token, now, now, generation_.load(),
            std::make_shared<const identity::Principal>(out.principal)});
  std::unique_lock lock(mu_);
  sessions_[token_hash] = std::move(entry);
  return out;
}

Result<Authenticated> AuthService::Authenticate(const std::string& token) {
  const Instant now = clock_.Now();
  const std::string token_hash = Sha256(token);
  std::shared_ptr<Entry> e;
  {
    std::shared_lock lock(mu_);
    if (auto it = sessions_.find(token_hash); it != sessions_.end()) e = it->second;
  }
  if (!e) {
    // Not in memory: a session from before a restart, or no session at all.
    auto stored = store_.GetSession(token_hash);
    if (!stored.ok()) {
      if (stored.error().category == ErrorCode::kNotFound) {
        return MakeError(ErrorCode::kUnauthenticated, "auth.required", "请先登录");
      }
      return stored.error();
    }
    e = std::make_shared<Entry>(Entry{stored->user_id, stored->csrf_token, stored->last_seen,
                                      stored->last_seen, 0, {}});
    std::unique_lock lock(mu_);
    e = sessions_.emplace(token_hash, e).first->second;
  }
  std::unique_lock entry_lock(entry_mu_);
  if (now - e->last_seen >= identity::kIdleTimeout) {
    // Another process sharing the database may have served this session since: its stored
    // last_seen says so.
    entry_lock.unlock();
    auto stored = store_.GetSession(token_hash);
    entry_lock.lock();
    if (stored.ok() && stored->last_seen > e->last_seen) {
      e->last_seen = stored->last_seen;
      e->last_persisted = stored->last_seen;
    }
  }
  if (now - e->last_seen >= identity::kIdleTimeout) {
    entry_lock.unlock();
    {
      std::unique_lock lock(mu_);
      sessions_.erase(token_hash);
    }
    (void)store_.DeleteSession(token_hash, e->user_id, "idle", Actor{"system", now});
    return MakeError(ErrorCode::kUnauthenticated, "auth.session_expired",
                     "登录已超时，请重新登录");
  }
  e->last_seen = now;
  bool persist = now - e->last_persisted >= kPersistEvery;
  if (persist) e->last_persisted = now;
  uint64_t gen = generation_.load(std::memory_order_acquire);
  bool stale = e->generation != gen;
  Authenticated out;
  if (!stale) {
    out = Authenticated{e->principal, e->csrf_token};
  }
  int64_t user_id = e->user_id;
  entry_lock.unlock();

  if (persist) (void)store_.TouchSession(token_hash, now);
  if (stale) {
    auto p = LoadPrincipal(user_id);
    if (!p.ok()) {
      Logout(token);
      return p.error();
    }
    std::unique_lock relock(entry_mu_);
    e->principal = std::make_shared<const identity::Principal>(std::move(*p));
    e->generation = gen;
    out = Authenticated{e->principal, e->csrf_token};
  }
  return out;
}

void AuthService::Sweep() {
  const Instant now = clock_.Now();
  {
    std::unique_lock lock(mu_);
    std::lock_guard entry_lock(entry_mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->last_seen >= identity::kIdleTimeout) {
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  (void)store_.PurgeSessions(now - std::chrono::duration_cast<std::chrono::microseconds>(
                                       identity::kIdleTimeout));
}

void AuthService::Follow(std::string_view kind, std::string_view subject) {
  if (kind.rfind("role.", 0) == 0 || kind.rfind("user.", 0) == 0) Invalidate();
  if (kind != "auth.logout" && kind != "session.expired" && kind != "user.updated" &&
      kind != "user.password_reset") {
    return;
  }
  // The user's cached sessions are dropped; the next request of each reads its session from the
  // store again, and finds it there only if it is still open.
  if (subject.rfind("user:", 0) != 0) return;
  const int64_t user_id = std::strtoll(std::string(subject.substr(5)).c_str(), nullptr, 10);
  std::unique_lock lock(mu_);
  std::lock_guard entry_lock(entry_mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->user_id == user_id) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void AuthService::Logout(const std::string& token) {
  const std::string token_hash = Sha256(token);
  int64_t user_id = 0;
  {
    std::unique_lock lock(mu_);
    if (auto it = sessions_.find(token_hash); it != sessions_.end()) {
      user_id = it->second->user_id;
      sessions_.erase(it);
    }
  }
  if (user_id == 0) {
    auto stored = store_.GetSession(token_hash);
    if (!stored.ok()) return;
    user_id = stored->user_id;
  }
  (void)store_.DeleteSession(token_hash, user_id, "logout",
                             Actor{"user:" + std::to_string(user_id), clock_.Now()});
}

}  // namespace xn::store
