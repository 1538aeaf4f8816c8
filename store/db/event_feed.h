// EventFeed: every event appended to the database, by this process or by any other process
// sharing it, delivered in order to the subscribers of this process, within `poll` of its commit.
// Caches that several processes must keep alike (sessions, principals, the calendar) follow it,
// and so does anything that reacts to events.
//
// Thread-safety: Subscribe before Start; callbacks run one at a time on the feed's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/db/database.h"

namespace xn::db {

class EventFeed {
 public:
  explicit EventFeed(const Database& db, std::chrono::milliseconds poll = std::chrono::milliseconds(200))
      : db_(db), poll_(poll) {}
  ~EventFeed();  // stops the thread
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  void Subscribe(std::function<void(const Event&)> fn) { subscribers_.push_back(std::move(fn)); }
  // Starts delivering the events after AFTER_SEQ (the current head: only new ones).
  void Start(int64_t after_seq);
  // Wakes the feed at once (after a commit of this process) instead of at the next poll.
  void Nudge();
  int64_t delivered_seq() const { return after_.load(std::memory_order_acquire); }

 private:
  void Run();

  const Database& db_;
  std::chrono::milliseconds poll_;
  std::vector<std::function<void(const Event&)>> subscribers_;
  std::atomic<int64_t> after_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread thread_;
};

// The seq of the newest event in the database (0 when there is none).
Result<int64_t> HeadSeq(const Database& db);

}  // namespace xn::db
