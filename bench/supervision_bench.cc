// Supervision engine benchmark (issue 4): the live engine (store::SupervisionEngine) over a large
// number of open cases, in one process, so memory and time are measured precisely.
//
//   supervision_bench FILE   (FILE must not exist; it is created and left for the caller to
//                             delete)
//   XN_CASES       open cases to generate (default 1,000,000; 100,000 for a quick run)
//   XN_SECONDS     length of the steady phase, wall seconds (default 30)
//   XN_ALERT_RATE  moments falling due per wall second in the steady phase (default 100)
//   XN_EVENT_RATE  case events appended per second during both phases (default 1000)
//   XN_WRITERS     threads appending them (default 16, as many as serve has HTTP workers; their
//                  commits share the group commit)
//
// 1. The database: the demo city and its power list (app::SeedDemoCity, app::SeedDemoCases, at
//    Monday 2026-03-02 09:00), one case of 350582-SCJG-001 submitted and accepted through the
//    real CaseStore (the template: in progress, step "review" waiting for the handler), then
//    XN_CASES copies of it made with one INSERT ... SELECT from a recursive CTE. Each copy has its
//    own promised deadline, spread evenly over the 14 days from Tuesday 2026-03-03 00:00:01 in a
//    shuffled order, written to the column and to the body ($.promised.deadline_ms); the
//    statutory deadline and any step deadline move by the same amount.
// 2. The index: the engine on a FakeClock at Monday 23:00, leader always, the built-in rule set.
//    Start() builds the heap of next moments from CaseStore::ForEachOpen. Measured: the time until
//    it runs, its entries, VmRSS and VmHWM growth over the process before Start, and bytes per
//    case from the entries (24 bytes each; the vector's capacity is the next power of two).
//    For comparison, the time ForEachOpen alone takes to read and decode every open case.
// 3. The delay from a moment to its alert, while XN_WRITERS threads append XN_EVENT_RATE case
//    events per second through CaseStore::Apply (the efficiency office placing a case under
//    supervision: a real action, one row and one event, that changes no deadline), each on
//    another copy. The engine is never nudged: it finds due moments by its own 100 ms poll, as it
//    does on the system clock. A reader polls the alerts table every millisecond and notes when
//    each alert row is first visible (committed). The delay of an alert is that time minus the
//    wall time at which the fake clock was first set at or past its moment.
//    a. Midnight: the clock is set to Tuesday 00:00. Every copy whose promised deadline falls on
//       Tuesday has its ES-08 reminder ("1 working day before promised deadline", which the rule
//       language places at the end of a day) due at that instant: about XN_CASES / 14 at once.
//    b. Steady, once the engine has looked at the events appended during the burst: the clock
//       sweeps Tuesday from 00:00 at a speed that makes XN_ALERT_RATE promised deadlines (ES-02)
//       fall due per wall second, each at its own instant, for XN_SECONDS.
//    Only alerts of the copies count, each checked against the number of copies whose deadline
//    says it is due (a missing or early alert is reported).
// Prints each figure beside the target: delay p99 under one second.
#include <malloc.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "app/build_calendar.h"
#include "app/commands.h"
#include "app/demo.h"
#include "app/demo_cases.h"
#include "domain/calendar/calendar.h"
#include "domain/cases/case.h"
#include "domain/cases/fixed_flow.h"
#include "domain/common/clock.h"
#include "domain/identity/identity.h"
#include "store/cases/case_store.h"
#include "store/catalog/catalog_store.h"
#include "store/db/database.h"
#include "store/identity/identity_store.h"
#include "store/identity/password.h"
#include "store/supervision/engine.h"
#include "store/supervision/supervision_store.h"

namespace {

using Wall = std::chrono::steady_clock;
using xn::Instant;
namespace cal = xn::calendar;

constexpr int64_t kMinute = 60LL * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int64_t kSpreadDays = 14;
constexpr size_t kEntryBytes = 24;  // moment, case, rule, epoch: SupervisionEngine::Entry
constexpr const char* kMatter = "350582-SCJG-001";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "supervision_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(xn::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

void Must(const xn::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.error().message);
}

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n <= 0) Die(std::string(name) + " must be a positive integer");
  return n;
}

double Seconds(Wall::time_point since) {
  return std::chrono::duration<double>(Wall::now() - since).count();
}

double Ms(Wall::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A field of /proc/self/status in KB ("VmRSS", "VmHWM").
int64_t StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtoll(line.c_str() + key.size(), nullptr, 10);
  }
  return -1;
}

// Resets VmHWM to the current VmRSS (Linux: "5" to clear_refs). False if the kernel refuses.
bool ResetPeak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// A stride coprime with N, so that k * stride mod N visits every index once.
int64_t CoprimeStride(int64_t n, int64_t from) {
  int64_t s = from;
  while (std::gcd(s, n) != 1) ++s;
  return s;
}

Instant LocalTime(int y, unsigned mo, unsigned d, int h, int mi) {
  return cal::ShanghaiStartOfDay(cal::Date::FromYmd(y, mo, d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "?";
    sqlite3_free(err);
    Die("copying the template: " + message);
  }
}

int64_t Count(xn::db::Database& db, const std::string& sql) {
  return Must(db.Read<int64_t>([&](xn::db::Connection& c) -> xn::Result<int64_t> {
                auto st = c.Prepare(sql);
                if (!st.ok()) return st.error();
                auto row = (*st)->Step();
                if (!row.ok()) return row.error();
                const int64_t n = *row ? (*st)->Int64(0) : 0;
                (*st)->Reset();
                return n;
              }),
              "count");
}

// Demo city, power list, and the accepted template case. Returns the template's id.
int64_t SeedTemplate(const std::string& file, Instant now) {
  xn::db::Database::Options options;
  options.path = file;
  auto db = Must(xn::db::Database::Open(options, xn::db::BuiltinMigrations()), "open");
  xn::store::IdentityStore identity(*db);
  const xn::store::Actor system{"system", now};
  Must(identity.EnsureBuiltinRoles(system), "roles");
  Must(xn::app::SeedDemoCity(identity, {"demo", now}), "demo city");
  auto calendar = Must(xn::app::BuildCalendar(xn::app::DefaultCalendarDir(), identity), "calendar");
  xn::store::CatalogStore catalog(*db);
  Must(xn::app::SeedDemoCases(*db, identity, catalog, *calendar, now), "demo cases");

  auto version = Must(catalog.PublishedByCode(kMatter), "matter");
  auto dept = Must(identity.GetDepartment(version.def.department_id), "department");
  xn::identity::Principal clerk;
  for (const auto& u : Must(identity.ListUsers(), "users")) {
    if (u.username != "clerk.scjg") continue;
    clerk.user_id = u.id;
    clerk.username = u.username;
    clerk.department_id = u.department_id;
    clerk.department_code = u.department_code;
    clerk.section_id = u.section_id;
    clerk.region_code = u.region_code;
    xn::identity::ApplyRoles(clerk, u.roles);
  }
  if (clerk.user_id == 0) Die("the demo city has no clerk.scjg");
  const xn::store::Actor as_clerk{"user:" + std::to_string(clerk.user_id), now};

  xn::cases::Case c;
  c.matter_version_id = version.id;
  c.matter_code = version.def.code;
  c.matter_name = version.def.name;
  c.department_id = dept.id;
  c.department_code = dept.code;
  c.applicant_kind = "enterprise";
  c.applicant_code = "91350582MA2XYK123U";
  c.applicant_name = "某公司";
  c.channel = xn::cases::Channel::kWindow;
  c.service_mode = "window";
  c.submitted_at = now;
  xn::store::CaseStore cases(*db);
  c = Must(cases.Create(std::move(c), "654321", as_clerk), "create");
  const xn::cases::FixedFlow flow(xn::cases::DefaultFlow());
  const xn::cases::Context ctx{*calendar, version.def, flow};
  auto accepted = Must(xn::cases::Decide(c, {.kind = xn::cases::ActionKind::kAccept},
                                         xn::cases::Actor{&clerk, now}, ctx),
                       "accept");
  c = Must(cases.Apply(accepted, c.version, as_clerk), "accept");
  if (c.state != xn::cases::CaseState::kInProgress || !c.promised) {
    Die("the template case is not in progress with a promised clock");
  }
  return c.id;
}

// XN_CASES copies of the template, deadlines spread over [LO_MS, LO_MS + SPAN_MS).
void CopyTemplate(const std::string& file, int64_t template_id, int64_t n, int64_t lo_ms,
                  int64_t span_ms) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) Die("cannot open " + file);
  Exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  // Does the template's active step have a deadline? It moves with the promised one if so.
  bool step_deadline = false;
  {
    sqlite3_stmt* st = nullptr;
    const std::string sql =
        "SELECT json_extract(body, '$.active_steps[0].deadline_ms') IS NOT NULL FROM cases "
        "WHERE id = " + std::to_string(template_id);
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    if (st != nullptr && sqlite3_step(st) == SQLITE_ROW) step_deadline = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  // Copy i (1..N) takes the deadline of slot (i * stride) mod N: deadlines are not in id order,
  // so the engine reads the cases of one moment from all over the table, as it would in life.
  const int64_t stride = CoprimeStride(n, 7919);
  const std::string N = std::to_string(n);
  const std::string due = "(" + std::to_string(lo_ms) + " + ((i * " + std::to_string(stride) +
                          ") % " + N + ") * " + std::to_string(span_ms) + " / " + N + ")";
  const std::string delta = "(" + due + " - t.promised_deadline_ms)";
  std::string body = "json_set(t.body, '$.id', top + i, '$.case_no', t.case_no || printf('-%07d', i), "
                     "'$.promised.deadline_ms', " + due + ", "
                     "'$.statutory.deadline_ms', t.statutory_deadline_ms + " + delta;
  if (step_deadline) {
    body += ", '$.active_steps[0].deadline_ms', "
            "json_extract(t.body, '$.active_steps[0].deadline_ms') + " + delta;
  }
  body += ")";
  Exec(db, "BEGIN;"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + N + "),"
           "  base(top) AS (SELECT MAX(id) FROM cases) "
           "INSERT INTO cases(id, case_no, query_code, matter_version_id, department_id, state, "
           "  applicant_code, applicant_user_id, agent_user_id, submitted_at_ms, "
           "  statutory_deadline_ms, promised_deadline_ms, body, version, pending_roles, "
           "  pending_departments) "
           "SELECT top + i, t.case_no || printf('-%07d', i), t.query_code, t.matter_version_id, "
           "  t.department_id, t.state, t.applicant_code, t.applicant_user_id, t.agent_user_id, "
           "  t.submitted_at_ms, t.statutory_deadline_ms + " + delta + ", " + due + ", " + body +
           ", t.version, t.pending_roles, t.pending_departments "
           "FROM n, base, cases AS t WHERE t.id = " + std::to_string(template_id) + ";"
           "COMMIT;"
           "PRAGMA wal_checkpoint(TRUNCATE);");
  sqlite3_close(db);
}

// An alert row as the poller first saw it.
struct Seen {
  int64_t id, case_id, moment_ms;
  std::string rule_id;
  Wall::time_point at;
};

// Polls the alerts table every millisecond for rows with a greater id.
class Poller {
 public:
  explicit Poller(xn::db::Database& db) : db_(db), thread_([this] { Run(); }) {}
  ~Poller() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  std::vector<Seen> Take() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Run() {
    int64_t last = 0;
    while (!stop_) {
      std::vector<Seen> batch;
      xn::Status s = db_.ReadErased([&](xn::db::Connection& c) -> xn::Status {
        auto st = c.Prepare(
            "SELECT id, COALESCE(case_id, 0), moment_ms, rule_id FROM alerts WHERE id > ?1 "
            "ORDER BY id LIMIT 20000");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, last);
        for (;;) {
          auto row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          batch.push_back(Seen{(*st)->Int64(0), (*st)->Int64(1), (*st)->Int64(2),
                               (*st)->Text(3), {}});
        }
        (*st)->Reset();
        return xn::Ok();
      });
      const Wall::time_point now = Wall::now();
      if (!s.ok()) Die("polling alerts: " + s.error().message);
      if (!batch.empty()) {
        last = batch.back().id;
        std::lock_guard lock(mu_);
        for (Seen& a : batch) {
          a.at = now;
          seen_.push_back(std::move(a));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  xn::db::Database& db_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Appends RATE case events per second: CaseStore::Apply of "supervise" on copy after copy.
class Writer {
 public:
  Writer(xn::store::CaseStore& cases, const xn::Clock& clock, const xn::cases::Context& ctx,
         int64_t first_id, int64_t n, int64_t rate, int threads)
      : cases_(cases), clock_(clock), ctx_(ctx), first_id_(first_id), n_(n), rate_(rate),
        stride_(CoprimeStride(n, 104729)), start_(Wall::now()) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Writer() { Stop(); }
  void Stop() {
    if (stop_.exchange(true)) return;
    for (auto& t : threads_) t.join();
    elapsed_s_ = Seconds(start_);
  }
  int64_t done() const { return done_.load(); }
  int64_t failed() const { return failed_.load(); }
  double elapsed_s() const { return elapsed_s_; }

 private:
  void Run() {
    for (;;) {
      const int64_t k = next_.fetch_add(1);
      const auto due = start_ + std::chrono::microseconds(k * 1000000 / rate_);
      std::this_thread::sleep_until(due);
      if (stop_) return;
      const int64_t id = first_id_ + (k * stride_) % n_;
      auto c = cases_.Get(id);
      if (!c.ok()) {
        ++failed_;
        continue;
      }
      const Instant now = clock_.Now();
      xn::Result<xn::cases::Outcome> out = xn::cases::Outcome{};
      if (!c->supervised) {
        out = xn::cases::Decide(*c,
                                {.kind = xn::cases::ActionKind::kSupervise,
                                 .reason = "效能办抽查督办"},
                                xn::cases::Actor{nullptr, now}, ctx_);
      } else {
        // After N events every copy is under supervision, which the domain refuses twice: the
        // same row change and event are built here, so the writer keeps its pace.
        out = xn::cases::Outcome{*c, "case.supervision_placed",
                                 {{"reason", "效能办抽查督办"},
                                  {"state", std::string(xn::cases::CaseStateName(c->state))}}};
        out->next.version = c->version + 1;
      }
      if (!out.ok()) {
        ++failed_;
        continue;
      }
      auto stored = cases_.Apply(*out, c->version, {"system", now});
      stored.ok() ? ++done_ : ++failed_;
    }
  }

  xn::store::CaseStore& cases_;
  const xn::Clock& clock_;
  const xn::cases::Context& ctx_;
  const int64_t first_id_, n_, rate_, stride_;
  const Wall::time_point start_;
  std::atomic<int64_t> next_{0}, done_{0}, failed_{0};
  std::atomic<bool> stop_{false};
  double elapsed_s_ = 0;
  std::vector<std::thread> threads_;
};

// Samples, every 250 ms, how many case events the engine has not looked at yet (event rules
// run on them only when it has): the most per phase.
class LagSampler {
 public:
  LagSampler(xn::db::Database& db, xn::store::SupervisionEngine& engine)
      : db_(db), engine_(engine), thread_([this] { Run(); }) {}
  ~LagSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void Phase(int p) { phase_ = p; }
  int64_t max(int p) const { return max_[p].load(); }

 private:
  void Run() {
    while (!stop_) {
      const int64_t checkpoint = engine_.stats().checkpoint;
      auto lag = db_.Read<int64_t>([&](xn::db::Connection& c) -> xn::Result<int64_t> {
        auto st = c.Prepare("SELECT COUNT(*) FROM events WHERE seq > ?1 AND +subject >= 'case:' "
                            "AND +subject < 'case;'");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, checkpoint);
        auto row = (*st)->Step();
        if (!row.ok()) return row.error();
        const int64_t n = (*st)->Int64(0);
        (*st)->Reset();
        return n;
      });
      if (lag.ok()) {
        auto& m = max_[phase_.load()];
        m.store(std::max(m.load(), *lag));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  xn::db::Database& db_;
  xn::store::SupervisionEngine& engine_;
  std::atomic<int> phase_{0};
  std::atomic<int64_t> max_[3] = {0, 0, 0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// When the fake clock was set to what: the wall time at which each moment first became due.
struct Step {
  int64_t fake_ms;
  Wall::time_point wall;
};

struct Figures {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Figures Summarise(std::vector<double> v) {
  Figures f;
  f.n = v.size();
  if (v.empty()) return f;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size(), std::max<size_t>(i, 1)) - 1];
  };
  f.p50 = at(0.50);
  f.p99 = at(0.99);
  f.max = v.back();
  f.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return f;
}

void PrintDelay(const char* what, const Figures& f) {
  std::printf("  %-44s %8zu alerts  p50 %9.1f ms  p99 %9.1f ms  max %9.1f ms  (target p99 < 1000 ms: %s)\n",
              what, f.n, f.p50, f.p99, f.max, f.n && f.p99 < 1000 ? "met" : "NOT met");
}

// Waits until no new alert row has appeared for QUIET, or until WANT rows were seen past BASE,
// or until LIMIT. Returns the number seen past BASE.
size_t WaitAlerts(Poller& poller, size_t base, size_t want, std::chrono::seconds quiet,
                  std::chrono::seconds limit) {
  const auto start = Wall::now();
  size_t last = poller.size();
  auto changed = Wall::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const size_t now = poller.size();
    if (now != last) {
      last = now;
      changed = Wall::now();
    }
    if (want && now - base >= want) return now - base;
    if (Wall::now() - changed >= quiet || Wall::now() - start >= limit) return now - base;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: supervision_bench FILE   (FILE must not exist)\n");
    return 2;
  }
  const std::string file = argv[1];
  if (std::ifstream(file)) Die(file + " exists");
  const int64_t n = EnvInt("XN_CASES", 1000000);
  const int64_t seconds = EnvInt("XN_SECONDS", 30);
  const int64_t alert_rate = EnvInt("XN_ALERT_RATE", 100);
  const int64_t event_rate = EnvInt("XN_EVENT_RATE", 1000);
  const int writers = static_cast<int>(EnvInt("XN_WRITERS", 16));
  if (!xn::store::InitCrypto()) Die("libsodium failed to start");

  // The timeline (Asia/Shanghai): seeded Monday 09:00; deadlines from Tuesday 00:00:01 over 14
  // days (none at midnight itself, where the ES-08 reminders of Tuesday's deadlines are).
  const Instant seeded = LocalTime(2026, 3, 2, 9, 0);
  const Instant engine_start = LocalTime(2026, 3, 2, 23, 0);
  const int64_t tuesday_ms = xn::ToUnixMillis(LocalTime(2026, 3, 3, 0, 0));
  const int64_t span_ms = kSpreadDays * kDay;

  // 1. The database.
  auto t0 = Wall::now();
  const int64_t template_id = SeedTemplate(file, seeded);
  const double seed_s = Seconds(t0);
  t0 = Wall::now();
  CopyTemplate(file, template_id, n, tuesday_ms + 1000, span_ms);
  const double copy_s = Seconds(t0);
  malloc_trim(0);  // what seeding and copying used is not the engine's

  xn::db::Database::Options options;
  options.path = file;
  auto db = Must(xn::db::Database::Open(options, xn::db::BuiltinMigrations()), "open");
  xn::store::IdentityStore identity(*db);
  cal::CalendarRegistry calendars;
  calendars.Replace(Must(xn::app::BuildCalendar(xn::app::DefaultCalendarDir(), identity),
                         "calendar"));
  xn::store::CaseStore cases(*db);
  xn::store::CatalogStore catalog(*db);
  xn::store::SupervisionStore supervision(*db);
  std::string builtin_rules;
  {
    std::ifstream in(xn::app::DefaultRulesFile(), std::ios::binary);
    if (!in) Die("cannot read the built-in rule set " + xn::app::DefaultRulesFile());
    builtin_rules.assign(std::istreambuf_iterator<char>(in), {});
  }
  const int64_t open_cases = Count(*db,
      "SELECT COUNT(*) FROM cases WHERE state NOT IN ('delivered', 'declined', 'withdrawn', "
      "'revoked')");
  const auto template_case = Must(cases.Get(template_id), "template");
  std::printf("database: %lld open cases (%lld copies of case %lld, %s, promised deadline moved "
              "per copy over 14 days from 2026-03-03 00:00; step deadline: %s); seeded in %.1f s, "
              "copied in %.1f s\n",
              static_cast<long long>(open_cases), static_cast<long long>(n),
              static_cast<long long>(template_id), kMatter,
              template_case.active_steps.empty() || !template_case.active_steps[0].deadline
                  ? "none"
                  : "moved likewise",
              seed_s, copy_s);

  // For comparison: reading and decoding every open case, as the index build does.
  t0 = Wall::now();
  int64_t scanned = 0;
  Must(cases.ForEachOpen([&](const xn::cases::Case&) {
         ++scanned;
         return xn::Ok();
       }),
       "scan");
  const double scan_s = Seconds(t0);
  malloc_trim(0);

  // 2. The index.
  xn::FakeClock clock(engine_start);
  const int64_t rss_before = StatusKb("VmRSS");
  const bool peak_reset = ResetPeak();
  const int64_t hwm_before = StatusKb("VmHWM");
  xn::store::SupervisionEngine engine({.db = *db,
                                       .store = supervision,
                                       .cases = cases,
                                       .calendars = calendars,
                                       .clock = clock,
                                       .is_leader = nullptr,
                                       .builtin_rules = builtin_rules});
  t0 = Wall::now();
  Must(engine.Start(), "engine start");
  while (!engine.stats().running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double build_s = Seconds(t0);
  const size_t entries = engine.stats().index_entries;
  const int64_t rss_built = StatusKb("VmRSS");
  const int64_t hwm_built = StatusKb("VmHWM");
  // Catch-up: the demo's events and its overdue moments; wait until the engine is idle.
  const int64_t head_at_start = Count(*db, "SELECT COALESCE(MAX(seq), 0) FROM events");
  while (engine.stats().checkpoint < head_at_start) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int64_t last = -1;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto s = engine.stats();
    if (s.raised == last) break;
    last = s.raised;
  }
  const double per_case = 1.0 / static_cast<double>(open_cases);
  std::printf("\ntime index: built in %.2f s (ForEachOpen alone, reading and decoding the same "
              "cases: %.2f s); %zu entries = %.2f per open case\n",
              build_s, scan_s, entries, static_cast<double>(entries) * per_case);
  std::printf("  %-58s %8.1f B\n", "entries x 24 B, per open case",
              static_cast<double>(entries * kEntryBytes) * per_case);
  std::printf("  %-58s %8.1f B\n", "vector capacity (next power of two) x 24 B, per open case",
              static_cast<double>(std::bit_ceil(entries) * kEntryBytes) * per_case);
  std::printf("  %-58s %8.1f B   (VmRSS %lld -> %lld KB)\n", "VmRSS growth over Start, per open case",
              static_cast<double>((rss_built - rss_before) * 1024) * per_case,
              static_cast<long long>(rss_before), static_cast<long long>(rss_built));
  if (peak_reset) {
    std::printf("  %-58s %8.1f B   (VmHWM %lld -> %lld KB)\n",
                "peak (VmHWM) growth during the build, per open case",
                static_cast<double>((hwm_built - hwm_before) * 1024) * per_case,
                static_cast<long long>(hwm_before), static_cast<long long>(hwm_built));
  }

  // 3. The delay, with case events appended meanwhile.
  auto version = Must(catalog.Version(template_case.matter_version_id), "matter version");
  const xn::cases::FixedFlow flow(xn::cases::DefaultFlow());
  const xn::cases::Context ctx{*calendars.Current(), version.def, flow};
  const int64_t first_copy = template_id + 1;
  const int64_t head_before = Count(*db, "SELECT COALESCE(MAX(seq), 0) FROM events");
  Poller poller(*db);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const size_t alerts_before = poller.size();
  Writer writer(cases, clock, ctx, first_copy, n, event_rate, writers);
  LagSampler lag(*db, engine);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the writer reaches its pace
  std::vector<Step> steps;
  const size_t entries_at_midnight = engine.stats().index_entries;

  // a. Midnight.
  const std::string copies = " FROM cases WHERE id >= " + std::to_string(first_copy);
  const int64_t midnight_due =
      Count(*db, "SELECT COUNT(*)" + copies + " AND promised_deadline_ms > " +
                     std::to_string(tuesday_ms) + " AND promised_deadline_ms <= " +
                     std::to_string(tuesday_ms + kDay));
  const size_t base_a = poller.size();
  lag.Phase(1);
  clock.Set(xn::FromUnixMillis(tuesday_ms));
  steps.push_back({tuesday_ms, Wall::now()});
  const auto midnight_wall = steps.back().wall;
  WaitAlerts(poller, base_a, static_cast<size_t>(midnight_due), std::chrono::seconds(15),
             std::chrono::seconds(3600));
  // While it raised them, the engine looked at no event; the steady phase starts once it has
  // caught up, so that its figures are not the burst's.
  const int64_t head_at_drain = Count(*db, "SELECT COALESCE(MAX(seq), 0) FROM events");
  const auto drained_wall = Wall::now();
  while (engine.stats().checkpoint < head_at_drain && Seconds(drained_wall) < 1800) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double catch_up_s = Seconds(drained_wall);

  // b. Steady: fake ms per wall ms so that ALERT_RATE deadlines per second fall due.
  const double speed = static_cast<double>(alert_rate) * static_cast<double>(span_ms) /
                       (1000.0 * static_cast<double>(n));
  int64_t sweep_ms = static_cast<int64_t>(speed * 1000.0 * static_cast<double>(seconds));
  bool clamped = false;
  if (sweep_ms > kDay - kMinute) {  // stay within Tuesday: the next midnight is another burst
    sweep_ms = kDay - kMinute;
    clamped = true;
  }
  const int64_t sweep_from = tuesday_ms, sweep_to = tuesday_ms + sweep_ms;
  const int64_t steady_due =
      Count(*db, "SELECT COUNT(*)" + copies + " AND promised_deadline_ms > " +
                     std::to_string(sweep_from) + " AND promised_deadline_ms <= " +
                     std::to_string(sweep_to));
  const size_t entries_at_sweep = engine.stats().index_entries;
  const size_t base_b = poller.size();
  lag.Phase(2);
  const auto sweep_wall = Wall::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto now = Wall::now();
    const int64_t fake = std::min(
        sweep_to, sweep_from + static_cast<int64_t>(speed * Ms(now - sweep_wall)));
    clock.Set(xn::FromUnixMillis(fake));
    steps.push_back({fake, Wall::now()});
    if (fake == sweep_to) break;
  }
  const double sweep_s = Seconds(sweep_wall);
  WaitAlerts(poller, base_b, static_cast<size_t>(steady_due), std::chrono::seconds(15),
             std::chrono::seconds(1800));
  writer.Stop();
  lag.Stop();
  poller.Stop();
  const auto end_stats = engine.stats();
  const int64_t head_after = Count(*db, "SELECT COALESCE(MAX(seq), 0) FROM events");
  const int64_t rss_end = StatusKb("VmRSS");

  // The delays. A moment is due from the first step that set the clock at or past it.
  std::map<std::string, bool> time_rule;
  for (const auto& r : engine.rules()->rules()) time_rule[r.id()] = r.is_time_rule();
  std::vector<double> midnight, steady;
  std::map<std::string, int64_t> by_rule;
  int64_t early = 0, before_phases = 0, other = 0;
  for (const Seen& a : poller.Take()) {
    if (a.id <= 0 || a.case_id < first_copy) continue;
    if (!time_rule[a.rule_id]) {
      ++other;
      continue;
    }
    auto it = std::lower_bound(steps.begin(), steps.end(), a.moment_ms,
                               [](const Step& s, int64_t m) { return s.fake_ms < m; });
    if (it == steps.end()) {
      ++early;  // raised before the clock reached its moment
      continue;
    }
    if (a.at < midnight_wall) {
      ++before_phases;
      continue;
    }
    const double d = Ms(a.at - it->wall);
    if (d < 0) {
      ++early;
      continue;
    }
    ++by_rule[a.rule_id];
    (a.moment_ms == tuesday_ms ? midnight : steady).push_back(d);
  }
  const Figures fm = Summarise(midnight), fs = Summarise(steady);
  std::vector<double> all = midnight;
  all.insert(all.end(), steady.begin(), steady.end());
  const Figures fa = Summarise(all);

  std::printf("\ncase events: %lld appended by %d threads through CaseStore::Apply in %.1f s = "
              "%.0f/s (asked %lld/s; %lld failed); engine checkpoint %lld of %lld events (%lld "
              "appended meanwhile, alerts' and notifications' own included)\n",
              static_cast<long long>(writer.done()), writers, writer.elapsed_s(),
              static_cast<double>(writer.done()) / writer.elapsed_s(),
              static_cast<long long>(event_rate), static_cast<long long>(writer.failed()),
              static_cast<long long>(end_stats.checkpoint), static_cast<long long>(head_after),
              static_cast<long long>(head_after - head_before));
  std::printf("case events not yet looked at by the engine (event rules wait for them), most "
              "seen: %lld before midnight, %lld during the midnight burst, %lld in the steady "
              "phase; after the burst's last alert it took %.1f s more to look at every event "
              "appended until then\n",
              static_cast<long long>(lag.max(0)), static_cast<long long>(lag.max(1)),
              static_cast<long long>(lag.max(2)), catch_up_s);
  std::printf("midnight (Tuesday 00:00): %lld copies have their ES-08 reminder due at once; "
              "%zu raised, the last %.2f s after the clock passed midnight (%.0f alerts/s)\n",
              static_cast<long long>(midnight_due), fm.n, fm.max / 1000.0,
              fm.max > 0 ? static_cast<double>(fm.n) / (fm.max / 1000.0) : 0.0);
  std::printf("steady: clock swept Tuesday 00:00 + %.2f h in %.1f s (x%.0f)%s; %lld promised "
              "deadlines fell due (%.0f/s); %zu alerts raised\n",
              static_cast<double>(sweep_ms) / 3600000.0, sweep_s, speed,
              clamped ? " (clamped to the day)" : "", static_cast<long long>(steady_due),
              static_cast<double>(steady_due) / sweep_s, fs.n);
  std::printf("alerts of the copies by rule:");
  for (const auto& [rule, count] : by_rule) {
    std::printf(" %s %lld", rule.c_str(), static_cast<long long>(count));
  }
  std::printf("; raised before their moment: %lld; before the phases: %lld; event rules: %lld\n",
              static_cast<long long>(early), static_cast<long long>(before_phases),
              static_cast<long long>(other));
  if (static_cast<int64_t>(fm.n) != midnight_due || static_cast<int64_t>(fs.n) != steady_due) {
    std::printf("  MISSING: expected %lld at midnight and %lld steady; copies without their alert "
                "(case, rule, moment - Tuesday 00:00 in ms, first event on it - moment in ms):\n",
                static_cast<long long>(midnight_due), static_cast<long long>(steady_due));
    const std::string window[2][3] = {
        {"ES-08", std::to_string(tuesday_ms), std::to_string(tuesday_ms + kDay)},
        {"ES-02", std::to_string(sweep_from), std::to_string(sweep_to)}};
    for (const auto& [rule, from, to] : window) {
      const std::string moment = rule == "ES-08" ? std::to_string(tuesday_ms)
                                                 : std::string("c.promised_deadline_ms");
      Must(db->ReadErased([&](xn::db::Connection& c) -> xn::Status {
             auto st = c.Prepare(
                 "SELECT c.id, " + moment + " - " + std::to_string(tuesday_ms) +
                 ", (SELECT MIN(e.at_ms) FROM events e WHERE e.subject = 'case:' || c.id) - " +
                 moment + " FROM cases c WHERE c.id >= " + std::to_string(first_copy) +
                 " AND c.promised_deadline_ms > " + from + " AND c.promised_deadline_ms <= " + to +
                 " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.case_id = c.id AND a.rule_id = '" +
                 rule + "') LIMIT 10");
             if (!st.ok()) return st.error();
             for (;;) {
               auto row = (*st)->Step();
               if (!row.ok()) return row.error();
               if (!*row) break;
               std::printf("    case %lld %s %lld %s\n", static_cast<long long>((*st)->Int64(0)),
                           rule.c_str(), static_cast<long long>((*st)->Int64(1)),
                           (*st)->IsNull(2) ? "never touched"
                                            : std::to_string((*st)->Int64(2)).c_str());
             }
             return xn::Ok();
           }),
           "missing alerts");
    }
  }
  std::printf("index entries: %zu at build, %zu before midnight, %zu before the sweep, %zu at the "
              "end (each case event pushes its case's moments again; earlier entries stay)\n",
              entries, entries_at_midnight, entries_at_sweep, end_stats.index_entries);
  std::printf("VmRSS at the end %lld KB (%+.1f B per open case over the process before Start)\n",
              static_cast<long long>(rss_end),
              static_cast<double>((rss_end - rss_before) * 1024) * per_case);

  std::printf("\ndelay from a moment to its committed alert, with %.0f case events/s appended "
              "(alerts before the run: %zu):\n",
              static_cast<double>(writer.done()) / writer.elapsed_s(), alerts_before);
  PrintDelay("midnight burst (ES-08, one instant)", fm);
  PrintDelay("steady (ES-02, each at its own instant)", fs);
  PrintDelay("all", fa);
  std::printf("memory of the time index per open case: %.1f B of entries, %.1f B with the "
              "vector's slack; VmRSS growth %.1f B (issue 4 gives no figure; issue 3's budget for "
              "everything resident is 1024 B per open case)\n",
              static_cast<double>(entries * kEntryBytes) * per_case,
              static_cast<double>(std::bit_ceil(entries) * kEntryBytes) * per_case,
              static_cast<double>((rss_built - rss_before) * 1024) * per_case);
  return 0;
}
