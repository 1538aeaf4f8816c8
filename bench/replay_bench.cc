// Replay benchmark: a rule replayed over a large stored history, beside SQLite counting the same
// thing with its own SQL.
//
//   replay_bench FILE        (FILE must not exist; it is created, and left for the caller to
//                             delete; XN_REPLAY_EVENTS sets the number of events, default 10M)
//
// 1. Generates XN_REPLAY_EVENTS case events in a new SQLite database with the real schema:
//    case lives (submitted, accepted, sometimes a correction round, two steps, concluded, a fee
//    collected with its amount and standard, delivered; some declined or withdrawn) spread over
//    30 departments and two and a half years, interleaved in time as a real log is. They are
//    written directly, in one transaction with a prepared INSERT, each hashed into the real SM3
//    chain (db::EventHash), not through the server.
// 2. Replays one event rule, a fee above its standard (ES-07's third clause), with the full replay
//    semantics (store::Replay: every event read and folded into its case, the rule evaluated on
//    each fee event, alerts deduplicated and counted per department).
// 3. The peer: SQLite's GROUP BY over json_extract counting the same fees per department (the
//    department read from the case's submission event).
// Prints both times (elapsed and CPU), both counts (which must be equal, per department too) and
// the ratios against the target: replay within 3x of SQLite's GROUP BY.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <queue>
#include <random>
#include <ctime>
#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/supervision/rules.h"
#include "store/calendar/calendar_files.h"
#include "store/db/database.h"
#include "store/supervision/replay.h"

namespace {

using Clock = std::chrono::steady_clock;
using xn::Instant;

constexpr int kDepartments = 30;
constexpr int64_t kDay = 24LL * 3600 * 1000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU time of the whole process (every thread), in seconds.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "replay_bench: %s\n", what.c_str());
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "?";
    sqlite3_free(err);
    Die(sql + ": " + message);
  }
}

// One case's life, as the case store records it: the kinds in order, with the delay before
// each (ms).
struct Step {
  const char* kind;
  int64_t delay_ms;
};

struct Live {
  int64_t case_id;
  int department;
  int matter;
  int64_t submitted_ms;
  std::vector<Step> steps;
  size_t next = 0;
  bool fee_over = false;
  int64_t at_ms = 0;  // when the next step happens
};

struct Later {
  bool operator()(const Live* a, const Live* b) const { return a->at_ms > b->at_ms; }
};

std::string Str(int64_t v) { return std::to_string(v); }

// The event data, as the stores serialize it (case.submitted with JSON integers, the others
// from a map of texts, hence in name order).
std::string DataOf(const Live& c, const char* kind, int64_t at_ms) {
  const std::string k = kind;
  if (k == "case.submitted") {
    return R"({"case_no":"350582-M)" + Str(c.matter) + "-" + Str(c.case_id) +
           R"(","matter_code":"350582-M)" + Str(c.matter) + R"(","matter_version_id":)" +
           Str(c.matter + 1) + R"(,"department_id":)" + Str(c.department) +
           R"(,"channel":"window","service_mode":"standard","state":"submitted"})";
  }
  if (k == "case.accepted") {
    return R"({"promised_deadline_ms":")" + Str(at_ms + 7 * kDay) + R"(","state":"in_progress",)" +
           R"("statutory_deadline_ms":")" + Str(at_ms + 28 * kDay) + R"("})";
  }
  if (k == "case.correction_requested") {
    return R"({"items":"营业执照副本","round":"1","state":"correction_pending"})";
  }
  if (k == "case.resubmitted") {
    return R"({"promised_deadline_ms":")" + Str(at_ms + 5 * kDay) + R"(","state":"in_progress",)" +
           R"("statutory_deadline_ms":")" + Str(at_ms + 25 * kDay) + R"("})";
  }
  if (k == "case.step_completed") {
    const bool first = std::string(c.steps[c.next - 1].kind) != "case.step_completed";
    return first ? R"({"activated":"approve","opinion":"同意","state":"in_progress",)"
                   R"("step_id":"review","step_name":"审查"})"
                 : R"({"activated":"","opinion":"同意","state":"awaiting_decision",)"
                   R"("step_id":"approve","step_name":"审批"})";
  }
  if (k == "case.concluded") {
    return R"({"decision":"grant","fee_due_fen":"1000","state":"concluded"})";
  }
  if (k == "case.fee_collected") {
    return std::string(R"({"amount_fen":")") + (c.fee_over ? "1500" : "1000") +
           R"(","fee_item":"工本费","in_list":"true","standard_fen":"1000","state":"concluded",)" +
           R"("within_standard":")" + (c.fee_over ? "false" : "true") + R"("})";
  }
  if (k == "case.delivered") return R"({"method":"窗口领取","state":"delivered"})";
  if (k == "case.declined") return R"({"reason":"不属于本机关职权范围","state":"declined"})";
  if (k == "case.withdrawn") return R"({"reason":"申请人撤回","state":"withdrawn"})";
  return "{}";
}

// Writes N events into the database at PATH (already migrated). Returns the number of cases.
int64_t Generate(const std::string& path, int64_t n) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("cannot open " + path);
  Exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
  Exec(db, "BEGIN");
  Exec(db, "INSERT INTO regions(code, name, level) VALUES ('350582', '晋江市', 'county')");
  for (int d = 1; d <= kDepartments; ++d) {
    Exec(db, "INSERT INTO departments(id, code, name, region_code, created_at_ms) VALUES (" +
                 Str(d) + ", '350582-D" + Str(d) + "', '晋江市第" + Str(d) +
                 "局', '350582', 0)");
  }
  // Indexes are built once at the end: faster than keeping them up to date row by row.
  Exec(db, "DROP INDEX events_kind; DROP INDEX events_subject;");
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO events(seq, at_ms, actor, kind, subject, data, prev_hash, "
                         "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                         -1, &ins, nullptr) != SQLITE_OK) {
    Die(sqlite3_errmsg(db));
  }

  std::mt19937_64 rng(20260101);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  auto hours = [&](int lo, int hi) {
    return (lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1))) * 3600 * 1000;
  };
  // About 7.4 events a case; arrivals spread evenly over two and a half years from 2024-01-01.
  const int64_t start_ms = 1704038400000;  // 2024-01-01 00:00 Asia/Shanghai
  const int64_t cases_planned = std::max<int64_t>(1, n * 10 / 74);
  const int64_t gap_ms = std::max<int64_t>(1, 913 * kDay / cases_planned);

  std::priority_queue<Live*, std::vector<Live*>, Later> due;
  int64_t next_case = 1, next_arrival = start_ms, seq = 0;
  std::string prev(32, '\0');
  while (seq < n) {
    if (due.empty() || next_arrival <= due.top()->at_ms) {
      auto* c = new Live{next_case++, static_cast<int>(rng() % kDepartments) + 1,
                         static_cast<int>(rng() % 200), next_arrival, {}, 0, chance(5), 0};
      c->steps.push_back({"case.submitted", 0});
      if (chance(5)) {
        c->steps.push_back({"case.declined", hours(2, 60)});
      } else if (chance(3)) {
        c->steps.push_back({"case.withdrawn", hours(2, 60)});
      } else {
        c->steps.push_back({"case.accepted", hours(1, 48)});
        if (chance(20)) {
          c->steps.push_back({"case.correction_requested", hours(4, 72)});
          c->steps.push_back({"case.resubmitted", hours(24, 120)});
        }
        c->steps.push_back({"case.step_completed", hours(4, 96)});
        c->steps.push_back({"case.step_completed", hours(4, 96)});
        c->steps.push_back({"case.concluded", hours(1, 48)});
        c->steps.push_back({"case.fee_collected", hours(1, 24)});
        c->steps.push_back({"case.delivered", hours(2, 120)});
      }
      c->at_ms = next_arrival;
      due.push(c);
      next_arrival += gap_ms;
      continue;
    }
    Live* c = due.top();
    due.pop();
    const Step& step = c->steps[c->next];
    ++seq;
    xn::db::NewEvent e{c->at_ms, "user:" + Str(c->department * 10 + 1), step.kind,
                       "case:" + Str(c->case_id), DataOf(*c, step.kind, c->at_ms)};
    const auto hash = xn::db::EventHash(prev, seq, e);
    sqlite3_bind_int64(ins, 1, seq);
    sqlite3_bind_int64(ins, 2, e.at_ms);
    sqlite3_bind_text(ins, 3, e.actor.data(), static_cast<int>(e.actor.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, e.kind.data(), static_cast<int>(e.kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, e.subject.data(), static_cast<int>(e.subject.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, e.data.data(), static_cast<int>(e.data.size()), SQLITE_STATIC);
    sqlite3_bind_blob(ins, 7, prev.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 8, hash.data(), 32, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) Die(sqlite3_errmsg(db));
    sqlite3_reset(ins);
    prev.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
    if (++c->next < c->steps.size()) {
      c->at_ms += c->steps[c->next].delay_ms;
      due.push(c);
    } else {
      delete c;
    }
  }
  while (!due.empty()) {
    delete due.top();
    due.pop();
  }
  sqlite3_finalize(ins);
  Exec(db, "CREATE INDEX events_kind ON events(kind, seq); "
           "CREATE INDEX events_subject ON events(subject, seq);");
  Exec(db, "COMMIT");
  Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return next_case - 1;
}

constexpr const char* kPeerSql =
    "SELECT CAST(json_extract(s.data, '$.department_id') AS INTEGER) AS department, COUNT(*) "
    "FROM events e JOIN events s ON s.subject = e.subject AND s.kind = 'case.submitted' "
    "WHERE e.kind = 'case.fee_collected' "
    "AND CAST(json_extract(e.data, '$.amount_fen') AS INTEGER) > "
    "CAST(json_extract(e.data, '$.standard_fen') AS INTEGER) "
    "GROUP BY department";

std::map<int64_t, int64_t> Peer(const std::string& path, double& seconds) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Die("cannot open " + path);
  }
  sqlite3_stmt* st = nullptr;
  auto t0 = Clock::now();
  if (sqlite3_prepare_v2(db, kPeerSql, -1, &st, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db));
  std::map<int64_t, int64_t> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    out[sqlite3_column_int64(st, 0)] = sqlite3_column_int64(st, 1);
  }
  if (rc != SQLITE_DONE) Die(sqlite3_errmsg(db));
  seconds = Seconds(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

const char* kRule = R"(rule FEE-OVER
  name     收费超过标准
  basis    《中华人民共和国行政许可法》第五十九条
  level    red
  target   case
  on       case.fee_collected
  when     amount_fen > standard_fen
  message  【{level}·{rule} {name}】办件 {case_no} 收取 {amount_fen} 分，标准 {standard_fen} 分。依据：{basis}。
end
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) Die("usage: replay_bench FILE (a new SQLite file; XN_REPLAY_EVENTS events)");
  const std::string path = argv[1];
  if (std::filesystem::exists(path)) Die(path + " exists");
  int64_t n = 10'000'000;
  if (const char* v = std::getenv("XN_REPLAY_EVENTS"); v != nullptr && *v != '\0') {
    n = std::atoll(v);
  }
  if (n < 1) Die("XN_REPLAY_EVENTS must be at least 1");

  {
    xn::db::Database::Options o;
    o.path = path;
    auto db = xn::db::Database::Open(o, xn::db::BuiltinMigrations());
    if (!db.ok()) Die(db.error().message);
  }
  auto t0 = Clock::now();
  const int64_t cases = Generate(path, n);
  const double generated = Seconds(t0);
  std::printf("history: %lld events of %lld cases, written and SM3-chained in %.1f s; "
              "file %.2f GB\n",
              static_cast<long long>(n), static_cast<long long>(cases), generated,
              static_cast<double>(std::filesystem::file_size(path)) / 1e9);

  auto years = xn::calendar::LoadCalendarDir(std::string(XN_SOURCE_DIR) + "/data/calendar");
  if (!years.ok()) Die(years.error().message);
  auto cal = xn::calendar::Calendar::Build(std::move(*years), {}, {.allow_provisional = true});
  if (!cal.ok()) Die(cal.error().message);
  auto rules = xn::supervision::ParseRules(kRule);
  if (!rules.ok()) Die(rules.error().message);
  xn::db::Database::Options o;
  o.path = path;
  auto db = xn::db::Database::Open(o, xn::db::BuiltinMigrations());
  if (!db.ok()) Die(db.error().message);
  const Instant from = xn::calendar::ShanghaiStartOfDay(xn::calendar::Date::FromYmd(2020, 1, 1));
  const Instant to = xn::calendar::ShanghaiStartOfDay(xn::calendar::Date::FromYmd(2030, 1, 1));

  // The sides take turns, three times each, on the warm file; each side's best time counts (the
  // machine may be shared). CPU time is the process's, every thread included.
  double peer_s = 1e18, replay_s = 1e18, peer_cpu = 1e18, replay_cpu = 1e18;
  std::map<int64_t, int64_t> peer;
  xn::store::ReplayReport report;
  for (int round = 0; round < 3; ++round) {
    double s = 0;
    double cpu = CpuSeconds();
    peer = Peer(path, s);
    peer_cpu = std::min(peer_cpu, CpuSeconds() - cpu);
    peer_s = std::min(peer_s, s);
    cpu = CpuSeconds();
    auto r = xn::store::Replay(**db, *rules, *cal, from, to);
    replay_cpu = std::min(replay_cpu, CpuSeconds() - cpu);
    if (!r.ok()) Die(r.error().message);
    replay_s = std::min(replay_s, r->elapsed_seconds);
    report = std::move(*r);
  }
  int64_t peer_total = 0;
  for (const auto& [d, c] : peer) peer_total += c;
  std::map<int64_t, int64_t> ours;
  for (const auto& d : report.by_department) ours[d.department_id] = d.count;
  const bool equal = peer_total == report.alerts && peer == ours;

  std::printf("replay, one event rule, full semantics: %.2f s (CPU %.2f s, reading and folding "
              "on two threads), %.0f events/s, %lld alerts in %zu departments\n",
              replay_s, replay_cpu, static_cast<double>(report.events_scanned) / replay_s,
              static_cast<long long>(report.alerts), ours.size());
  std::printf("peer, SQLite GROUP BY over json_extract: %.2f s (CPU %.2f s), %lld fees above "
              "standard in %zu departments\n",
              peer_s, peer_cpu, static_cast<long long>(peer_total), peer.size());
  std::printf("counts equal (total and per department): %s\n", equal ? "yes" : "NO");
  std::printf("ratio replay : SQLite = %.2fx elapsed, %.2fx CPU (target: within 3x)\n",
              replay_s / peer_s, replay_cpu / peer_cpu);
  return equal ? 0 : 1;
}
