// The supervision engine (电子监察引擎): runs the rule set in force over the live system.
//
// - Event rules run on every event appended by any process, in order, from a checkpoint kept in
//   the store (engine_state): an event is looked at once, and the alerts it raises commit in the
//   same transaction as the checkpoint that passes it. A restart resumes where it stopped.
// - Time rules run from an index of the next moment each open item must be looked at (a heap of
//   24-byte entries: moment, case, rule), built from the open cases at start and updated when a
//   case's events arrive; no periodic full scan. When a moment comes, the rule is evaluated on the
//   case as it is then; an alert is raised once per rule, item and moment (the store's unique
//   key), so a restart raises no duplicates and catches up at once on moments that fell due
//   while the server was down. A case that concludes before its moment no longer has it.
// - The ladder: a yellow or red alert not explained by its explain_by becomes a supervision
//   order; so does a repeated one (the same rule on the same case again). An order not replied to
//   by its deadline is escalated: yellow → red → accountability dossier (问责).
// Only the leader among the processes sharing the database runs it (db::Leadership).
//
// Thread-safety: the public methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/common/clock.h"
#include "domain/supervision/rules.h"
#include "store/cases/case_store.h"
#include "store/db/database.h"
#include "store/supervision/supervision_store.h"

namespace xn::store {

class SupervisionEngine {
 public:
  struct Deps {
    db::Database& db;
    SupervisionStore& store;
    CaseStore& cases;
    calendar::CalendarRegistry& calendars;
    const Clock& clock;
    std::function<bool()> is_leader;  // null: always
    std::string builtin_rules;        // saved as version 1 when the store has no rule set yet
  };

  explicit SupervisionEngine(Deps deps);
  ~SupervisionEngine();  // stops the thread
  SupervisionEngine(const SupervisionEngine&) = delete;
  SupervisionEngine& operator=(const SupervisionEngine&) = delete;

  // Loads the rule set in force (saving the built-in one first if there is none) and starts.
  Status Start();
  // Takes a newly saved rule set into force; the time index is rebuilt.
  void UseRules(std::shared_ptr<const supervision::RuleSet> rules, int64_t version);
  std::shared_ptr<const supervision::RuleSet> rules() const;
  int64_t rules_version() const { return rules_version_.load(); }
  // Looks again at once (after the clock moved, after a commit).
  void Nudge();

  struct Stats {
    bool running = false;    // this process leads and has built its index
    size_t index_entries = 0;
    int64_t checkpoint = 0;  // the last event looked at
    int64_t raised = 0;      // alerts raised by this process since it started
  };
  Stats stats() const;

 private:
  struct Entry {
    int64_t moment_ms;
    int64_t case_id;
    uint32_t rule;  // index in the rule set
    uint32_t epoch; // the rule set's epoch; entries of an older one are dropped
    bool operator>(const Entry& o) const { return moment_ms > o.moment_ms; }
  };
  // The heap of entries (earliest moment first). Every case event pushes the case's moments
  // again; when the heap has doubled since it was last compacted, entries repeated exactly
  // (same moment, case and rule) and entries of older rule sets are dropped.
  void PushLocked(const Entry& e);
  Entry PopLocked();
  void CompactLocked();

  void Run();
  Status Rebuild();
  Status ProcessEvents();
  Status FireDue();
  Status Ladder();
  void Schedule(const cases::Case& c, int64_t after_ms);
  // The ladder's second path: a yellow or red alert that repeats (its rule already raised one on
  // the case before) becomes a supervision order at once.
  Status OrderIfRepeated(int64_t alert_id);
  struct TimeRaise {
    NewAlert alert;
    std::vector<int64_t> users;
  };
  // Appends what time rule RULE raises on C now (nothing if it does not fire).
  void EvaluateForTime(const cases::Case& c, const supervision::Rule& rule,
                       std::vector<TimeRaise>& out);

  Deps deps_;
  mutable std::mutex mu_;  // guards rules_, heap_ and the flags below
  std::condition_variable cv_;
  std::shared_ptr<const supervision::RuleSet> rules_;
  std::atomic<int64_t> rules_version_{0};
  uint32_t epoch_ = 0;
  std::vector<Entry> heap_;
  size_t compact_at_ = 1 << 16;
  bool stopping_ = false;
  bool nudged_ = false;
  bool built_ = false;     // the index reflects the rules in force
  std::atomic<bool> running_{false};
  std::atomic<int64_t> checkpoint_{0};
  std::atomic<int64_t> raised_{0};
  std::thread thread_;
};

}  // namespace xn::store
