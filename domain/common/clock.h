// Clock: the only source of the current time (STYLE.md: time is injected).
//
// The domain never reads the system clock; it receives an Instant or a Clock&. The server uses
// SystemClock; tests and `serve --fake-clock` use FakeClock, which only moves when told to.
//
// Thread-safety: both implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace xn {

// An instant in UTC, microsecond resolution.
using Instant = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that stands still until Advance() or Set() moves it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : us_(start.time_since_epoch().count()) {}
  Instant Now() const override {
    return Instant(std::chrono::microseconds(us_.load(std::memory_order_acquire)));
  }
  void Advance(std::chrono::microseconds d) { us_.fetch_add(d.count(), std::memory_order_acq_rel); }
  void Set(Instant t) { us_.store(t.time_since_epoch().count(), std::memory_order_release); }

 private:
  std::atomic<int64_t> us_;
};

// Milliseconds since the Unix epoch, the form instants take in storage and JSON.
inline int64_t ToUnixMillis(Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline Instant FromUnixMillis(int64_t ms) {
  return Instant(std::chrono::milliseconds(ms));
}

}  // namespace xn
