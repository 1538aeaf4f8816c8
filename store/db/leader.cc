// Leadership by lock. See leader.h for the contract.
#include "store/db/leader.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "store/db/database.h"

namespace xn::db {
namespace {

// The advisory lock key of leadership ("xn" and a number; database.cc holds 1 and 2).
constexpr int64_t kLeaderLockKey = 0x786e0003;

// One attempt on PostgreSQL: connects if needed, then either tries the lock (not yet leader) or
// checks that the connection, and so the lock, is still there (leader). Returns whether this
// process holds the lock afterwards.
bool PostgresTurn(PGconn*& conn, const std::string& url, bool leader) {
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    if (conn != nullptr) PQfinish(conn);
    conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) return false;  // a new connection holds no lock
    leader = false;
  }
  static const std::string kTry =
      "SELECT pg_try_advisory_lock(" + std::to_string(kLeaderLockKey) + ")";
  PGresult* res = PQexec(conn, leader ? "SELECT 1" : kTry.c_str());
  bool held = false;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
    held = leader ? true : std::strcmp(PQgetvalue(res, 0, 0), "t") == 0;
  } else {
    // The connection failed under us: whatever it held is gone with it.
    PQfinish(conn);
    conn = nullptr;
  }
  PQclear(res);
  return held;
}

}  // namespace

Leadership::Leadership(Options options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

Leadership::~Leadership() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Leadership::Set(bool leader) {
  if (leader == leader_.load(std::memory_order_relaxed)) return;
  leader_.store(leader, std::memory_order_release);
  if (leader) terms_.fetch_add(1, std::memory_order_relaxed);
  if (options_.on_change) options_.on_change(leader);
}

void Leadership::Run() {
  const Location where = ParseLocation(options_.location);
  PGconn* conn = nullptr;
  int fd = -1;
  for (;;) {
    if (where.backend == Backend::kPostgres) {
      Set(PostgresTurn(conn, where.target, is_leader()));
    } else if (fd < 0) {
      const std::string path = where.target + ".leader";
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        fd = -1;
      }
      Set(fd >= 0);
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.poll, [this] { return stopping_; })) break;
  }
  Set(false);
  if (conn != nullptr) PQfinish(conn);  // ends the session: the lock goes with it
  if (fd >= 0) ::close(fd);
}

}  // namespace xn::db
