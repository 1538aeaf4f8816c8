// The event feed: a thread that reads the event table after the last seq it delivered.
#include "store/db/event_feed.h"

#include <cstdio>

namespace xn::db {

namespace {
constexpr int kBatch = 1000;
}

Result<int64_t> HeadSeq(const Database& db) {
  return db.Read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto st = c.Prepare("SELECT COALESCE(MAX(seq), 0) FROM events");
    if (!st.ok()) return st.error();
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    return (*st)->Int64(0);
  });
}

EventFeed::~EventFeed() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventFeed::Start(int64_t after_seq) {
  after_.store(after_seq, std::memory_order_release);
  thread_ = std::thread([this] { Run(); });
}

void EventFeed::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

void EventFeed::Run() {
  for (;;) {
    int delivered = 0;
    auto events = db_.ReadEvents(after_.load(std::memory_order_acquire), kBatch);
    if (events.ok()) {
      for (const Event& e : *events) {
        for (const auto& fn : subscribers_) fn(e);
        after_.store(e.seq, std::memory_order_release);
      }
      delivered = static_cast<int>(events->size());
    } else {
      // The database is unreachable for now (a PostgreSQL restart): try again at the next poll.
      std::fprintf(stderr, "event feed: %s\n", events.error().message.c_str());
    }
    if (delivered == kBatch) continue;  // more are waiting
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, poll_, [this] { return stopping_ || nudged_; });
    if (stopping_) return;
    nudged_ = false;
  }
}

}  // namespace xn::db
