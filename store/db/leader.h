// Leadership: which of the server processes sharing one database runs the work that must run
// once (the supervision engine's timers). Exactly one process holds it at a time; when it dies,
// another takes over within seconds.
//
// PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) held on a connection of its
// own. The server releases it when that connection ends, so a process killed with SIGKILL or cut
// off from the server loses it at once; the others try every `poll` and one of them wins. The
// holder checks its connection at the same pace and steps down the moment it fails.
// SQLite: an exclusive lock (flock) on the file "<database>.leader" beside the database; the
// kernel releases it when the process dies.
//
// Thread-safety: is_leader() from any thread; callbacks run on the leadership thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace xn::db {

class Leadership {
 public:
  struct Options {
    std::string location;  // a --db value, as given to Database::Open
    std::chrono::milliseconds poll{1000};
    // Called with true when this process becomes the leader, false when it stops being one.
    std::function<void(bool)> on_change;
  };

  explicit Leadership(Options options);
  ~Leadership();  // steps down (releases the lock) and stops the thread
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  bool is_leader() const { return leader_.load(std::memory_order_acquire); }
  // Times this process has become the leader since it started.
  int64_t terms() const { return terms_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void Set(bool leader);

  Options options_;
  std::atomic<bool> leader_{false};
  std::atomic<int64_t> terms_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xn::db
