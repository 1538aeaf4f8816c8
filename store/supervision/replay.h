// Replay (规则回放): what a rule set would have raised over the stored event history, with
// nothing written. An admin runs it before putting a new rule set in force ("how many alerts
// would ES-07 with this threshold have raised last year, and in which departments?").
//
// The history is read in seq order, in chunks, and streamed: only the per-case facts and the
// count windows are kept in memory, never the events. Every event feeds the facts and the
// counts; only events whose time lies in [from, to) are evaluated, and only time-rule moments in
// [from, to) are raised. The semantics follow the live engine (store/supervision/engine.h) and
// docs/rules.md; "Replay" there lists what can and cannot be replayed.
//
// Thread-safety: Replay is a pure function of its arguments and the stored history; calls may run
// concurrently (each reads through its own reader connections, one chunk at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/common/clock.h"
#include "domain/common/result.h"
#include "domain/supervision/rules.h"
#include "store/db/database.h"

namespace xn::store {

struct ReplayOptions {
  // Events read per query (one read transaction each).
  int chunk_events = 50000;
  // The current time. A time-rule moment after it has not come yet: it is counted under
  // `not_yet_due`, not raised. Unset: every moment before `to` is raised.
  std::optional<Instant> now;
};

struct ReplayReport {
  struct RuleCount {
    std::string rule_id, rule_name;
    int64_t count = 0;
  };
  struct DepartmentCount {
    int64_t department_id = 0;    // 0: a case whose submission is not in the history
    std::string department_name;  // from the departments table; "" if unknown
    int64_t count = 0;
  };
  struct RuleDepartmentCount {
    std::string rule_id;
    int64_t department_id = 0;
    int64_t count = 0;
  };
  // An enabled rule that was not run, and why (its facts are not in the events).
  struct NotReplayed {
    std::string rule_id, rule_name, reason;
  };

  Instant from, to;
  int64_t head_seq = 0;          // the last event read (the log's head when the replay began)
  int64_t events_scanned = 0;    // every event read, of any kind
  int64_t events_in_window = 0;  // of those, the ones with `at` in [from, to)
  int64_t cases = 0;             // distinct cases met in the events
  int64_t alerts = 0;            // alerts the rule set would have raised, deduplicated
  int64_t not_yet_due = 0;       // time-rule moments in the window but after options.now
  int64_t evaluation_errors = 0;  // evaluations that failed (e.g. a calendar year missing):
                                  // skipped, as the live engine skips them
  // Every replayed enabled rule in rule-set order, zero counts included.
  std::vector<RuleCount> by_rule;
  // Departments with at least one alert, most alerts first (then by id).
  std::vector<DepartmentCount> by_department;
  // Non-zero pairs, in rule-set order, then most alerts first (then by department id).
  std::vector<RuleDepartmentCount> by_rule_department;
  std::vector<NotReplayed> not_replayed;
  double elapsed_seconds = 0;
  double events_per_second = 0;  // events_scanned / elapsed_seconds
};

// Runs RULES over the events stored in DB with seq up to the head at the call, and reports what
// they would have raised in [FROM, TO); writes nothing.
//
// - Per case, the facts are folded from its events (subject "case:<id>", kind "case.*"): the
//   event's data (later values overwrite earlier ones) mapped onto the case facts of
//   docs/rules.md (state, deadlines, accepted_at_ms, corrections, steps_done, fee_paid_fen...),
//   with the department's code and the matter's name and limits read from their tables. The
//   clocks pause on a correction request or a special procedure and resume as the case's clocks
//   do (a resumption without a deadline in its event is recomputed on CAL from the matter's
//   limit). Event rules see the facts after the event, as in the live engine.
// - Event rules: each event in the window is evaluated by the enabled rules listening to its
//   kind; counts are answered exactly from in-memory per-group timestamp lists fed by every
//   event (before FROM too), the event itself included.
// - Time rules (target case): after each event of a case its next moment per rule is
//   recomputed; a moment fires when the case's next event comes at or after it (on the facts
//   before that event), or at the end if it is before TO (and not after options.now). A case
//   that concludes first no longer has the moment.
// - One alert per rule, item and moment, as the store's unique key.
// - Not replayed, listed under not_replayed with the reason: time rules of target step (the
//   steps' own history is not in the events), complaint and supervision_order (no such events
//   yet), and rules whose conditions read active_steps (not in the events).
// Errors: kInvalidArgument "replay.range" if TO is before FROM, or chunk_events < 1; the store's
// (kUnavailable "store.io").
Result<ReplayReport> Replay(const db::Database& db, const supervision::RuleSet& rules,
                            const calendar::Calendar& cal, Instant from, Instant to,
                            const ReplayOptions& options = {});

}  // namespace xn::store
