#include "store/supervision/replay.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "domain/cases/legal_clock.h"
#include "store/cases/codec.h"

namespace xn::store {
namespace json = boost::json;
namespace sv = supervision;

namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

std::optional<int64_t> AsInt(std::optional<std::string_view> v) {
  if (!v || v->empty()) return std::nullopt;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------------------------
// An event's data as fields.
//
// The live engine parses the data with a JSON DOM (FieldsOf in engine.cc): strings as they are,
// integers in decimal, booleans as true/false, doubles serialized, anything else left out, and an
// unreadable text as no fields at all. Parsing ten million events that way costs more than the
// rest of the replay, so flat objects of strings, integers, booleans and nulls (every event the
// stores write) are scanned in place; anything else (an escape, a nested value, a fraction, a
// repeated name, invalid UTF-8 or JSON) goes to the same DOM parse, so the fields are the same.

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

class EventFields final : public sv::Fields {
 public:
  void Parse(const std::string& data) {
    if (Scan(data)) return;
    Slow(data);
  }

  std::optional<std::string_view> Find(std::string_view name) const override {
    for (const auto& [k, v] : items_) {
      if (k == name) return v;
    }
    return std::nullopt;
  }

 private:
  using Item = std::pair<std::string_view, std::string_view>;

  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  // Scans a flat object; false when the text needs the DOM parse.
  bool Scan(std::string_view s) {
    items_.clear();
    size_t i = 0;
    const size_t n = s.size();
    auto skip = [&] {
      while (i < n && IsSpace(s[i])) ++i;
    };
    auto text = [&](std::string_view& out) {  // at the opening quote
      const size_t begin = ++i;
      uint64_t high = 0;
      // Eight bytes at a time: stop at the first word holding a quote, a backslash or a control
      // character (then byte by byte); remember whether any byte is above 0x7F.
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
      auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        const uint64_t special = zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\')) |
                                 ((w - kOnes * 0x20) & ~w & kHighs);
        if (special != 0) break;
        high |= w;
        i += 8;
      }
      for (;; ++i) {
        if (i >= n) return false;
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') break;
        if (c == '\\' || c < 0x20) return false;
        high |= c;
      }
      out = s.substr(begin, i - begin);
      ++i;
      return (high & kHighs) == 0 || ValidUtf8(out);
    };
    skip();
    if (i >= n || s[i] != '{') return false;
    ++i;
    skip();
    if (i < n && s[i] == '}') {
      ++i;
      skip();
      return i == n;
    }
    for (;;) {
      std::string_view key, value;
      if (i >= n || s[i] != '"' || !text(key)) return false;
      skip();
      if (i >= n || s[i] != ':') return false;
      ++i;
      skip();
      if (i >= n) return false;
      bool keep = true;
      const char c = s[i];
      if (c == '"') {
        if (!text(value)) return false;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        const size_t begin = i;
        if (c == '-') ++i;
        const size_t digits = i;
        if (i >= n || s[i] < '1' || s[i] > '9') {
          // "0" alone is fine; "-0", "-x" and leading zeros go to the DOM parse.
          if (c != '0') return false;
          ++i;
        } else {
          while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
        }
        if (i - digits > 18) return false;  // may not fit int64: the DOM knows
        if (i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) return false;
        value = s.substr(begin, i - begin);
      } else if (s.compare(i, 4, "true") == 0) {
        value = s.substr(i, 4);
        i += 4;
      } else if (s.compare(i, 5, "false") == 0) {
        value = s.substr(i, 5);
        i += 5;
      } else if (s.compare(i, 4, "null") == 0) {
        keep = false;
        i += 4;
      } else {
        return false;
      }
      for (const auto& item : items_) {
        if (item.first == key) return false;
      }
      if (keep) items_.emplace_back(key, value);
      skip();
      if (i >= n) return false;
      if (s[i] == ',') {
        ++i;
        skip();
        continue;
      }
      if (s[i] != '}') return false;
      ++i;
      skip();
      return i == n;
    }
  }

  // FieldsOf in engine.cc, exactly.
  void Slow(const std::string& data) {
    items_.clear();
    owned_.clear();
    boost::system::error_code ec;
    json::value v = json::parse(data, ec);
    if (ec || !v.is_object()) return;
    auto set = [this](std::string key, std::string value) {
      for (auto& [k, x] : owned_) {
        if (k == key) {
          x = std::move(value);
          return;
        }
      }
      owned_.emplace_back(std::move(key), std::move(value));
    };
    for (const auto& [k, x] : v.as_object()) {
      if (x.is_string()) {
        set(std::string(k), std::string(x.as_string()));
      } else if (x.is_int64()) {
        set(std::string(k), std::to_string(x.as_int64()));
      } else if (x.is_uint64()) {
        set(std::string(k), std::to_string(x.as_uint64()));
      } else if (x.is_bool()) {
        set(std::string(k), x.as_bool() ? "true" : "false");
      } else if (x.is_double()) {
        set(std::string(k), json::serialize(x));
      }
    }
    for (const auto& [k, x] : owned_) items_.emplace_back(k, x);
  }

  std::vector<Item> items_;
  std::vector<std::pair<std::string, std::string>> owned_;
};

// ---------------------------------------------------------------------------------------------
// Interned text (states, channels, matter codes...): cases keep 4-byte ids. A deque keeps every
// string where it is, so views handed out stay valid while more are interned.
class Pool {
 public:
  Pool() { Intern(""); }
  uint32_t Intern(std::string_view s) {
    if (auto it = ids_.find(s); it != ids_.end()) return it->second;
    strings_.emplace_back(s);
    auto id = static_cast<uint32_t>(strings_.size() - 1);
    ids_.emplace(strings_.back(), id);
    return id;
  }
  std::string_view operator[](uint32_t id) const { return strings_[id]; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::deque<std::string> strings_;
  std::unordered_map<std::string_view, uint32_t, Hash, std::equal_to<>> ids_;
};

// ---------------------------------------------------------------------------------------------
// A case as its events tell it.

// A legal clock (statutory or promised) as its events tell it.
struct ClockState {
  bool started = false;
  bool paused = false;
  int64_t deadline_ms = kNone;  // kNone: unknown
  int64_t pause_ms = kNone;     // the start of the current pause
  int64_t remaining = -1;       // while paused: what is left, in the clock's units; -1 unknown
};

struct Moment {
  uint32_t rule;
  int64_t at_ms;
};

struct CaseState {
  int64_t id = 0;
  int64_t department_id = 0;  // 0: no submission seen
  int64_t matter_version_id = 0;
  int64_t submitted_ms = kNone, accepted_ms = kNone, concluded_ms = kNone, delivered_ms = kNone,
          closed_ms = kNone, verification_deadline_ms = kNone;
  int64_t fee_due_fen = 0, fee_paid_fen = 0;
  int64_t key_project_id = kNone;
  std::string case_no;
  uint32_t matter_code = 0, state = 0, channel = 0, service_mode = 0, decision = 0,
           applicant_code = 0, applicant_kind = 0;
  int32_t corrections = 0, steps_done = 0, extension = 0;
  int8_t verified = -1;  // -1: not verified yet
  bool submitted = false, extended = false, supervised = false, statics_loaded = false;
  bool active = false;  // holds a case (CaseTable)
  ClockState statutory, promised;
  std::vector<Moment> pending;  // the next moment of each time rule
  std::vector<Moment> fired;    // (rule, moment) already raised or passed: one alert each
};

// Asks for the cache line at P. (GCC drops a __builtin_prefetch whose address is computed behind
// a branch; an asm statement stays.)
inline void Prefetch(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

// Where the cases live: active ones in a slab of reused slots (so the working set stays small
// and contiguous), found through a direct index by id (case ids are dense row ids) or, beyond
// kDenseIds, a hash map. A closed case gives its slot back and leaves its department and matter
// in the index, for the counts of a late event (one the lifecycle does not foresee, e.g. from an
// import).
class CaseTable {
 public:
  // The state of case ID, made if it has none; IS_NEW is false if the case was seen before.
  // Invalidates references to other cases' states.
  CaseState& Get(int64_t id, bool& is_new) {
    Entry& e = EntryOf(id);
    is_new = false;
    if (e.slot != kNoSlot) return slots_[e.slot];
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    CaseState& c = slots_[slot];
    // A fresh state that keeps the slot's buffers.
    std::string case_no = std::move(c.case_no);
    std::vector<Moment> pending = std::move(c.pending), fired = std::move(c.fired);
    case_no.clear();
    pending.clear();
    fired.clear();
    c = CaseState{};
    c.case_no = std::move(case_no);
    c.pending = std::move(pending);
    c.fired = std::move(fired);
    c.id = id;
    c.active = true;
    if (e.department_id == kNeverSeen) {
      is_new = true;
    } else {
      c.department_id = e.department_id;
      c.matter_code = e.matter_code;
    }
    e.slot = slot;
    return c;
  }

  void Release(CaseState& c) {
    Entry& e = EntryOf(c.id);
    e.department_id = c.department_id;
    e.matter_code = c.matter_code;
    free_.push_back(e.slot);
    e.slot = kNoSlot;
    c.active = false;
  }

  // Asks the cache for what Get(ID) will read, some events ahead: first the index entry, then
  // (once the entry is in) the state. The events of thousands of open cases interleave, so
  // without this each event waits twice on memory.
  void PrefetchEntry(int64_t id) const {
    if (id >= 0 && static_cast<size_t>(id) < dense_.size()) Prefetch(&dense_[id]);
  }
  void PrefetchState(int64_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= dense_.size()) return;
    uint32_t slot = dense_[id].slot;
    if (slot == kNoSlot) {  // a new case: it will take the last freed slot
      if (free_.empty()) return;
      slot = free_.back();
    }
    const char* p = reinterpret_cast<const char*>(slots_.data() + slot);
    for (size_t at = 0; at < sizeof(CaseState); at += 64) Prefetch(p + at);
  }

  template <typename F>
  void ForEachActive(F&& f) {
    for (CaseState& c : slots_) {
      if (c.active) f(c);
    }
  }

 private:
  static constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();
  static constexpr int64_t kNeverSeen = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kDenseIds = int64_t{1} << 24;
  struct Entry {
    uint32_t slot = kNoSlot;
    uint32_t matter_code = 0;            // of a released case
    int64_t department_id = kNeverSeen;  // of a released case
  };

  Entry& EntryOf(int64_t id) {
    if (id < 0 || id >= kDenseIds) return sparse_[id];
    const auto i = static_cast<size_t>(id);
    if (i >= dense_.size()) {
      dense_.resize(std::min<size_t>(kDenseIds, std::max(i + 1, dense_.size() * 2)));
    }
    return dense_[i];
  }

  std::vector<Entry> dense_;
  std::unordered_map<int64_t, Entry> sparse_;
  std::vector<CaseState> slots_;
  std::vector<uint32_t> free_;
};

struct MatterInfo {
  bool known = false;
  std::string name;
  catalog::TimeLimit statutory, promised;
};

struct Department {
  std::string code, name;
};

enum class CaseKind : uint8_t {
  kSubmitted,
  kAccepted,
  kDeclined,
  kCorrectionRequested,
  kResubmitted,
  kStepCompleted,
  kSpecialProcedureStarted,
  kSpecialProcedureEnded,
  kExtended,
  kConcluded,
  kFeeCollected,
  kDelivered,
  kWithdrawn,
  kCommitmentVerified,
  kSupervisionPlaced,
  kOther,
};

CaseKind KindOf(std::string_view kind) {
  static const std::map<std::string_view, CaseKind, std::less<>> kKinds = {
      {"case.submitted", CaseKind::kSubmitted},
      {"case.accepted", CaseKind::kAccepted},
      {"case.declined", CaseKind::kDeclined},
      {"case.correction_requested", CaseKind::kCorrectionRequested},
      {"case.resubmitted", CaseKind::kResubmitted},
      {"case.step_completed", CaseKind::kStepCompleted},
      {"case.special_procedure_started", CaseKind::kSpecialProcedureStarted},
      {"case.special_procedure_ended", CaseKind::kSpecialProcedureEnded},
      {"case.extended", CaseKind::kExtended},
      {"case.concluded", CaseKind::kConcluded},
      {"case.fee_collected", CaseKind::kFeeCollected},
      {"case.delivered", CaseKind::kDelivered},
      {"case.withdrawn", CaseKind::kWithdrawn},
      {"case.commitment_verified", CaseKind::kCommitmentVerified},
      {"case.supervision_placed", CaseKind::kSupervisionPlaced},
  };
  auto it = kKinds.find(kind);
  return it == kKinds.end() ? CaseKind::kOther : it->second;
}

// The case facts of docs/rules.md, in the order of kFactNames.
enum class Fact : uint8_t {
  kCaseId, kCaseNo, kMatterCode, kMatterName, kMatterVersionId, kDepartmentId,
  kDepartmentCode, kDepartment, kState, kChannel, kServiceMode, kApplicantKind,
  kApplicantCode, kKeyProjectId, kCorrections, kExtended, kDecision, kFeeDueFen,
  kFeePaidFen, kSupervised, kVerified, kStepsDone, kActiveSteps, kSubmittedAtMs,
  kAcceptedAtMs, kConcludedAtMs, kDeliveredAtMs, kClosedAtMs, kStatutoryDeadlineMs,
  kPromisedDeadlineMs, kStatutoryPaused, kPromisedPaused, kStatutoryLimit, kPromisedLimit,
  kLimitUnit, kVerificationDeadlineMs, kCount,
};
constexpr size_t kFactCount = static_cast<size_t>(Fact::kCount);

constexpr std::array<std::string_view, kFactCount> kFactNames = {
    "case_id", "case_no", "matter_code", "matter_name", "matter_version_id", "department_id",
    "department_code", "department", "state", "channel", "service_mode", "applicant_kind",
    "applicant_code", "key_project_id", "corrections", "extended", "decision", "fee_due_fen",
    "fee_paid_fen", "supervised", "verified", "steps_done", "active_steps", "submitted_at_ms",
    "accepted_at_ms", "concluded_at_ms", "delivered_at_ms", "closed_at_ms",
    "statutory_deadline_ms", "promised_deadline_ms", "statutory_paused", "promised_paused",
    "statutory_limit", "promised_limit", "limit_unit", "verification_deadline_ms"};

std::optional<Fact> FactOf(std::string_view name) {
  static const std::unordered_map<std::string_view, Fact> kIds = [] {
    std::unordered_map<std::string_view, Fact> m;
    for (size_t i = 0; i < kFactCount; ++i) m.emplace(kFactNames[i], static_cast<Fact>(i));
    return m;
  }();
  auto it = kIds.find(name);
  if (it == kIds.end()) return std::nullopt;
  return it->second;
}

// True if NAME occurs in TEXT as a whole word (not inside a longer name).
bool MentionsWord(std::string_view text, std::string_view name) {
  auto ident = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t at = text.find(name); at != std::string_view::npos;
       at = text.find(name, at + 1)) {
    bool before = at == 0 || !ident(text[at - 1]);
    bool after = at + name.size() == text.size() || !ident(text[at + name.size()]);
    if (before && after) return true;
  }
  return false;
}

bool ConditionsMention(const sv::Rule& rule, std::string_view name) {
  for (const auto& c : rule.conditions()) {
    if (MentionsWord(c, name)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

// Event kinds by number, in the order first met. Kinds are few (tens): a small open-addressed
// table on the length and two characters, then one comparison, is cheaper than hashing the text.
class KindTable {
 public:
  // The number of KIND; ADDED tells whether it is met for the first time.
  uint32_t IndexOf(const std::string& kind, bool& added) {
    added = false;
    const size_t n = kind.size();
    size_t h = n * 31 + (n > 0 ? static_cast<unsigned char>(kind[n - 1]) : 0) +
               (n > 6 ? static_cast<unsigned char>(kind[6]) * 7 : 0);
    for (;; ++h) {
      Slot& slot = table_[h % table_.size()];
      if (slot.index == kNoKind) {
        if (kinds_.size() * 2 >= table_.size()) {
          Grow();
          return IndexOf(kind, added);
        }
        slot = {static_cast<uint32_t>(kinds_.size()), kind};
        kinds_.push_back(kind);
        added = true;
        return slot.index;
      }
      if (slot.kind == kind) return slot.index;
    }
  }

 private:
  // More kinds than the table holds comfortably: rebuilt twice as large, same numbers.
  void Grow() {
    std::vector<std::string> known = std::move(kinds_);
    kinds_.clear();
    table_.assign(table_.size() * 2, Slot{});
    bool added = false;
    for (const auto& k : known) IndexOf(k, added);
  }

  static constexpr uint32_t kNoKind = std::numeric_limits<uint32_t>::max();
  struct Slot {
    uint32_t index = kNoKind;
    std::string kind;
  };
  std::vector<Slot> table_ = std::vector<Slot>(64);
  std::vector<std::string> kinds_;
};

// Reads the events with seq in (0, head] in order, chunk by chunk (one read transaction each), on
// a thread of its own, a few batches ahead of the consumer. Batches are recycled.
class ReadAhead {
 public:
  // An event as the replay needs it. The kind and the subject are decoded as they are read:
  // the kind to its number (KindTable), the subject "case:<id>" to the case.
  struct Row {
    int64_t at_ms = 0;
    uint32_t kind_index = 0;
    bool first_of_kind = false;  // the first event of its kind: `kind` holds the text
    std::string kind;            // set only on the first event of the kind
    bool is_case = false;
    int64_t case_id = 0;
    std::string data;
  };
  struct Batch {
    std::vector<Row> rows;
    size_t size = 0;  // rows in use
  };

  ReadAhead(const db::Database& db, int64_t head, int chunk) : db_(db), head_(head), chunk_(chunk) {
    for (int i = 0; i < 4; ++i) free_.push_back(std::make_unique<Batch>());
    thread_ = std::thread([this] { Read(); });
  }
  ~ReadAhead() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The next batch (the previous one goes back to the reader), or null at the end or after an
  // error (then status() says which).
  const Batch* Next() {
    std::unique_lock lock(mu_);
    if (current_) {
      free_.push_back(std::move(current_));
      cv_.notify_all();
    }
    cv_.wait(lock, [this] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    current_ = std::move(full_.front());
    full_.pop_front();
    cv_.notify_all();
    return current_.get();
  }

  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  // One read transaction per chunk; rows go to the consumer in batches as they come, so that
  // they are still in the cache when it reads them. The reader never waits for the consumer
  // inside a transaction (the consumer may need a reader connection of its own): short of free
  // batches, it ends the transaction and goes on from the same seq once one is back.
  void Read() {
    int64_t after = 0;
    Status failed;
    std::unique_ptr<Batch> batch;
    // Hands the batch over (if it has rows); takes a free one, waiting for it only if WAIT.
    // False when there is none (or the replay stops).
    auto swap = [&](bool wait) {
      std::unique_lock lock(mu_);
      if (batch && batch->size > 0) {
        full_.push_back(std::move(batch));
        cv_.notify_all();
      }
      if (wait) cv_.wait(lock, [this] { return !free_.empty() || stop_; });
      if (stop_ || free_.empty()) return false;
      batch = std::move(free_.back());
      free_.pop_back();
      batch->size = 0;
      return true;
    };
    while (after < head_) {
      if (!batch && !swap(true)) break;  // stopped
      // A chunk is a range of seq (gaps only make it shorter); the seq column is read only where
      // a transaction stops early.
      const int64_t upto = std::min(head_, after + chunk_);
      Status s = db_.ReadErased([&](db::Connection& conn) -> Status {
        auto st = conn.Prepare(
            "SELECT seq, at_ms, kind, subject, data FROM events WHERE seq > ?1 AND seq <= ?2 "
            "ORDER BY seq");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, after).Bind(2, upto);
        for (;;) {
          auto row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) {
            after = upto;
            return Ok();
          }
          if (batch->rows.size() <= batch->size) batch->rows.emplace_back();
          Row& r = batch->rows[batch->size++];
          r.at_ms = (*st)->Int64(1);
          Decode(r, (*st)->Text(2), (*st)->Text(3));
          r.data = (*st)->Text(4);
          if (batch->size == kBatchRows && !swap(false)) {
            after = (*st)->Int64(0);
            (*st)->Reset();
            return Ok();
          }
        }
      });
      if (!s.ok()) {
        failed = s;
        break;
      }
    }
    std::lock_guard lock(mu_);
    if (batch && batch->size > 0) full_.push_back(std::move(batch));
    status_ = failed;
    done_ = true;
    cv_.notify_all();
  }

  void Decode(Row& r, const std::string& kind, const std::string& subject) {
    r.kind_index = kinds_.IndexOf(kind, r.first_of_kind);
    if (r.first_of_kind) r.kind = kind;
    // Case events only, as the live engine (subject "case:<id>").
    r.is_case = false;
    if (subject.size() <= 5 || subject.compare(0, 5, "case:") != 0) return;
    auto [end, ec] =
        std::from_chars(subject.data() + 5, subject.data() + subject.size(), r.case_id);
    r.is_case = ec == std::errc();
  }

  static constexpr size_t kBatchRows = 8192;

  const db::Database& db_;
  const int64_t head_;
  const int chunk_;
  KindTable kinds_;  // the reader's own
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> full_;
  std::vector<std::unique_ptr<Batch>> free_;
  std::unique_ptr<Batch> current_;
  bool stop_ = false;
  bool done_ = false;
  Status status_;
  std::thread thread_;
};

class Replayer {
 public:
  Replayer(const db::Database& db, const sv::RuleSet& rules, const calendar::Calendar& cal,
           Instant from, Instant to, const ReplayOptions& options)
      : db_(db),
        rules_(rules),
        cal_(cal),
        from_ms_(ToUnixMillis(from)),
        to_ms_(ToUnixMillis(to)),
        now_ms_(options.now ? std::optional<int64_t>(ToUnixMillis(*options.now)) : std::nullopt),
        chunk_(options.chunk_events),
        by_rule_(rules.rules().size(), 0) {
    report_.from = from;
    report_.to = to;
    closed_states_ = {pool_.Intern("delivered"), pool_.Intern("declined"),
                      pool_.Intern("withdrawn"), pool_.Intern("revoked")};
    grant_on_commitment_ = pool_.Intern("grant_on_commitment");
  }

  Result<ReplayReport> Run();

 private:
  friend class CaseFields;
  friend class Counts;

  struct KindInfo {
    std::string name;
    CaseKind fold = CaseKind::kOther;
    std::vector<uint32_t> rules;     // replayed event rules listening to the kind
    std::vector<uint32_t> channels;  // count channels whose kinds include it
  };

  // One list of timestamps per group, for the counts of one (kinds, scope).
  struct Channel {
    std::vector<std::string> kinds;
    sv::CountScope scope = sv::CountScope::kCase;
    std::unordered_map<std::string, std::vector<int64_t>> times;  // sorted at_ms per group
  };

  void Classify();
  Status LoadDepartments();
  Result<int64_t> HeadSeq();
  Status OnEvent(const ReadAhead::Row& row);
  const KindInfo& Kind(const ReadAhead::Row& row);
  CaseState& CaseFor(int64_t id);
  void Fold(CaseState& c, CaseKind kind, int64_t at_ms, const EventFields& f);
  void Pause(ClockState& k, const catalog::TimeLimit* limit, int64_t at_ms);
  void Resume(ClockState& k, const catalog::TimeLimit* limit, int64_t at_ms,
              std::optional<int64_t> deadline);
  void Schedule(CaseState& c);
  void FireDue(CaseState& c, int64_t until_ms);
  void Fire(CaseState& c, uint32_t rule, int64_t moment_ms);
  void MaybeRelease(CaseState& c);
  const MatterInfo* Matter(int64_t version_id);
  void LoadStatics(CaseState& c);
  std::string GroupKey(sv::CountScope scope, CaseState& c);
  sv::TimeFacts TimeFactsOf(const CaseState& c, const sv::Fields& fields);
  void Fail(const Error& e) {
    if (failure_.ok()) failure_ = e;
  }

  const db::Database& db_;
  const sv::RuleSet& rules_;
  const calendar::Calendar& cal_;
  const int64_t from_ms_, to_ms_;
  const std::optional<int64_t> now_ms_;
  const int chunk_;

  Status failure_;
  Pool pool_;
  std::array<uint32_t, 4> closed_states_{};
  uint32_t grant_on_commitment_ = 0;

  std::vector<bool> replayed_;               // per rule index
  std::vector<uint32_t> time_rules_;         // replayed time rules of target case
  std::vector<Channel> channels_;
  std::vector<std::vector<uint32_t>> rule_channels_;  // per rule: channel of each count
  std::vector<std::string> kind_names_;        // by kind number
  std::vector<std::optional<KindInfo>> kinds_;  // by kind number, made on first use

  EventFields fields_;  // the event being replayed
  CaseTable cases_;
  std::unordered_map<int64_t, MatterInfo> matters_;
  std::unordered_map<int64_t, Department> departments_;

  ReplayReport report_;
  std::vector<int64_t> by_rule_;
  std::unordered_map<int64_t, int64_t> by_department_;
  std::map<std::pair<uint32_t, int64_t>, int64_t> by_rule_department_;
};

// The case facts (CaseFacts in rules.h) from a CaseState. Numbers are written into a buffer of
// their own per fact, so every view handed out stays valid while the object lives.
class CaseFields final : public sv::Fields {
 public:
  CaseFields(Replayer& r, CaseState& c) : r_(r), c_(c) {}

  std::optional<std::string_view> Find(std::string_view name) const override {
    auto fact = FactOf(name);
    if (!fact) return std::nullopt;
    const CaseState& c = c_;
    auto text = [](std::string_view s) -> std::optional<std::string_view> {
      if (s.empty()) return std::nullopt;
      return s;
    };
    auto pooled = [&](uint32_t id) { return text(r_.pool_[id]); };
    auto number = [&](int64_t v) -> std::optional<std::string_view> {
      if (v == kNone) return std::nullopt;
      auto& buf = buf_[static_cast<size_t>(*fact)];
      auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
      return std::string_view(buf.data(), static_cast<size_t>(end - buf.data()));
    };
    auto boolean = [](bool b) -> std::optional<std::string_view> {
      return b ? std::string_view("true") : std::string_view("false");
    };
    auto department = [&]() -> const Department* {
      auto it = r_.departments_.find(c.department_id);
      return it == r_.departments_.end() ? nullptr : &it->second;
    };
    auto clock_limit = [&](const ClockState& k, bool statutory) -> std::optional<std::string_view> {
      if (!k.started) return std::nullopt;
      const MatterInfo* m = r_.Matter(c.matter_version_id);
      if (!m) return std::nullopt;
      return number(statutory ? int64_t{m->statutory.value} + c.extension
                              : int64_t{m->promised.value});
    };
    switch (*fact) {
      case Fact::kCaseId: return number(c.id);
      case Fact::kCaseNo: return text(c.case_no);
      case Fact::kMatterCode: return pooled(c.matter_code);
      case Fact::kMatterName: {
        const MatterInfo* m = r_.Matter(c.matter_version_id);
        return m ? text(m->name) : std::nullopt;
      }
      case Fact::kMatterVersionId: return c.submitted ? number(c.matter_version_id) : std::nullopt;
      case Fact::kDepartmentId: return c.submitted ? number(c.department_id) : std::nullopt;
      case Fact::kDepartmentCode:
      case Fact::kDepartment: {  // the code, as the live engine's CaseFacts gives it
        const Department* d = department();
        return d ? text(d->code) : std::nullopt;
      }
      case Fact::kState: return pooled(c.state);
      case Fact::kChannel: return pooled(c.channel);
      case Fact::kServiceMode: return pooled(c.service_mode);
      case Fact::kApplicantKind:
        r_.LoadStatics(c_);
        return pooled(c.applicant_kind);
      case Fact::kApplicantCode:
        r_.LoadStatics(c_);
        return pooled(c.applicant_code);
      case Fact::kKeyProjectId:
        r_.LoadStatics(c_);
        return number(c.key_project_id);
      case Fact::kCorrections: return number(c.corrections);
      case Fact::kExtended: return boolean(c.extended);
      case Fact::kDecision: return pooled(c.decision);
      case Fact::kFeeDueFen: return number(c.fee_due_fen);
      case Fact::kFeePaidFen: return number(c.fee_paid_fen);
      case Fact::kSupervised: return boolean(c.supervised);
      case Fact::kVerified: return c.verified < 0 ? std::nullopt : boolean(c.verified > 0);
      case Fact::kStepsDone: return number(c.steps_done);
      case Fact::kActiveSteps: return std::nullopt;  // not in the events (not replayed)
      case Fact::kSubmittedAtMs: return number(c.submitted_ms);
      case Fact::kAcceptedAtMs: return number(c.accepted_ms);
      case Fact::kConcludedAtMs: return number(c.concluded_ms);
      case Fact::kDeliveredAtMs: return number(c.delivered_ms);
      case Fact::kClosedAtMs: return number(c.closed_ms);
      case Fact::kStatutoryDeadlineMs:
        return c.statutory.started && !c.statutory.paused ? number(c.statutory.deadline_ms)
                                                          : std::nullopt;
      case Fact::kPromisedDeadlineMs:
        return c.promised.started && !c.promised.paused ? number(c.promised.deadline_ms)
                                                        : std::nullopt;
      case Fact::kStatutoryPaused:
        return c.statutory.started ? boolean(c.statutory.paused) : std::nullopt;
      case Fact::kPromisedPaused:
        return c.promised.started ? boolean(c.promised.paused) : std::nullopt;
      case Fact::kStatutoryLimit: return clock_limit(c.statutory, true);
      case Fact::kPromisedLimit: return clock_limit(c.promised, false);
      case Fact::kLimitUnit: {
        // As CaseFacts: the unit of the last started clock (promised, else statutory).
        const MatterInfo* m = r_.Matter(c.matter_version_id);
        if (!m) return std::nullopt;
        if (c.promised.started) return catalog::LimitUnitName(m->promised.unit);
        if (c.statutory.started) return catalog::LimitUnitName(m->statutory.unit);
        return std::nullopt;
      }
      case Fact::kVerificationDeadlineMs: return number(c.verification_deadline_ms);
      case Fact::kCount: break;
    }
    return std::nullopt;
  }

 private:
  Replayer& r_;
  CaseState& c_;
  mutable std::array<std::array<char, 24>, kFactCount> buf_;
};

// Counts for event rules, exact, from the in-memory timestamp lists: the events of the kinds in
// the same group with at_ms in [window start, at] and seq up to the event's (all events read so
// far, the event itself included), as StoreCounts counts them in the live engine.
class Counts final : public sv::CountSource {
 public:
  Counts(Replayer& r, CaseState& c, int64_t at_ms) : r_(r), c_(c), at_ms_(at_ms) {}
  uint32_t rule = 0;

  Result<int64_t> Count(const sv::CountSpec& spec) const override {
    int64_t from = std::numeric_limits<int64_t>::min();
    if (spec.window) {
      auto start = sv::WindowStart(*spec.window, FromUnixMillis(at_ms_), r_.cal_);
      if (!start.ok()) return start.error();
      from = ToUnixMillis(*start);
    }
    const Replayer::Channel& ch = r_.channels_[r_.rule_channels_[rule][spec.index]];
    auto it = ch.times.find(r_.GroupKey(ch.scope, c_));
    if (it == ch.times.end()) return int64_t{0};
    const std::vector<int64_t>& t = it->second;
    auto lo = std::lower_bound(t.begin(), t.end(), from);
    auto hi = std::upper_bound(lo, t.end(), at_ms_);
    return static_cast<int64_t>(hi - lo);
  }

 private:
  Replayer& r_;
  CaseState& c_;
  int64_t at_ms_;
};

// Sorts rules into replayed and not replayed, and sets up the count channels.
void Replayer::Classify() {
  const auto& all = rules_.rules();
  replayed_.assign(all.size(), false);
  rule_channels_.assign(all.size(), {});
  std::map<std::pair<std::vector<std::string>, sv::CountScope>, uint32_t> channel_ids;
  for (uint32_t i = 0; i < all.size(); ++i) {
    const sv::Rule& r = all[i];
    if (!r.enabled()) continue;
    std::string reason;
    if (r.is_time_rule()) {
      switch (r.target()) {
        case sv::Target::kCase: break;
        case sv::Target::kStep:
          reason = "环节时限按环节计算：各环节的激活时间与时限不在事件中（case.accepted 不记录激活的环节），无法如实回放";
          break;
        case sv::Target::kComplaint:
          reason = "事件中尚无效能投诉的记录";
          break;
        case sv::Target::kSupervisionOrder:
          reason = "事件中尚无督办单的记录";
          break;
      }
    }
    if (reason.empty() && ConditionsMention(r, "active_steps")) {
      reason = "条件读取 active_steps（正在办理的环节）：事件中没有完整记录，无法如实回放";
    }
    if (!reason.empty()) {
      report_.not_replayed.push_back({r.id(), r.name(), std::move(reason)});
      continue;
    }
    replayed_[i] = true;
    if (r.is_time_rule()) time_rules_.push_back(i);
    for (const sv::CountSpec& spec : r.counts()) {
      std::vector<std::string> kinds = spec.kinds;
      std::sort(kinds.begin(), kinds.end());
      kinds.erase(std::unique(kinds.begin(), kinds.end()), kinds.end());
      auto key = std::make_pair(kinds, spec.scope);
      auto it = channel_ids.find(key);
      if (it == channel_ids.end()) {
        it = channel_ids.emplace(key, static_cast<uint32_t>(channels_.size())).first;
        channels_.push_back(Channel{kinds, spec.scope, {}});
      }
      if (rule_channels_[i].size() <= spec.index) rule_channels_[i].resize(spec.index + 1);
      rule_channels_[i][spec.index] = it->second;
    }
  }
}

const Replayer::KindInfo& Replayer::Kind(const ReadAhead::Row& row) {
  const uint32_t k = row.kind_index;
  if (!kinds_[k]) {
    KindInfo info;
    info.name = kind_names_[k];
    info.fold = KindOf(info.name);
    for (uint32_t i : rules_.EventRulesFor(info.name)) {
      if (replayed_[i]) info.rules.push_back(i);
    }
    for (uint32_t c = 0; c < channels_.size(); ++c) {
      const auto& kinds = channels_[c].kinds;
      if (std::find(kinds.begin(), kinds.end(), info.name) != kinds.end()) {
        info.channels.push_back(c);
      }
    }
    kinds_[k] = std::move(info);
  }
  return *kinds_[k];
}

Status Replayer::LoadDepartments() {
  return db_.ReadErased([&](db::Connection& c) -> Status {
    auto st = c.Prepare("SELECT id, code, name FROM departments");
    if (!st.ok()) return st.error();
    for (;;) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) return Ok();
      departments_[(*st)->Int64(0)] = Department{(*st)->Text(1), (*st)->Text(2)};
    }
  });
}

Result<int64_t> Replayer::HeadSeq() {
  return db_.Read<int64_t>([](db::Connection& c) -> Result<int64_t> {
    auto st = c.Prepare("SELECT COALESCE(MAX(seq), 0) FROM events");
    if (!st.ok()) return st.error();
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    int64_t head = (*st)->Int64(0);
    (*st)->Reset();
    return head;
  });
}

// The matter version's name and limits, read once per version; null if unknown.
const MatterInfo* Replayer::Matter(int64_t version_id) {
  if (version_id == 0) return nullptr;
  if (auto it = matters_.find(version_id); it != matters_.end()) {
    return it->second.known ? &it->second : nullptr;
  }
  auto read = db_.Read<MatterInfo>([&](db::Connection& conn) -> Result<MatterInfo> {
    MatterInfo info;
    auto st = conn.Prepare("SELECT name, definition FROM matter_versions WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, version_id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (*row) {
      info.name = (*st)->Text(0);
      boost::system::error_code ec;
      json::value doc = json::parse((*st)->Text(1), ec);
      if (!ec) {
        if (auto def = MatterFromJson(doc); def.ok()) {
          info.statutory = def->statutory;
          info.promised = def->promised;
          info.known = true;
        }
      }
    }
    (*st)->Reset();
    return info;
  });
  if (!read.ok()) {
    Fail(read.error());
    return nullptr;
  }
  auto& stored = matters_.emplace(version_id, std::move(*read)).first->second;
  return stored.known ? &stored : nullptr;
}

// The facts an event does not carry and that never change: the applicant and the key project.
void Replayer::LoadStatics(CaseState& c) {
  if (c.statics_loaded) return;
  c.statics_loaded = true;
  struct Statics {
    std::string applicant_code, applicant_kind;
    std::optional<int64_t> key_project_id;
  };
  auto read = db_.Read<Statics>([&](db::Connection& conn) -> Result<Statics> {
    Statics out;
    auto st = conn.Prepare(
        "SELECT applicant_code, json_extract(body, '$.applicant_kind'), "
        "json_extract(body, '$.key_project_id') FROM cases WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, c.id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (*row) {
      out.applicant_code = (*st)->Text(0);
      out.applicant_kind = (*st)->OptionalText(1).value_or("");
      out.key_project_id = AsInt((*st)->OptionalText(2));
    }
    (*st)->Reset();
    return out;
  });
  if (!read.ok()) {
    Fail(read.error());
    return;
  }
  c.applicant_code = pool_.Intern(read->applicant_code);
  c.applicant_kind = pool_.Intern(read->applicant_kind);
  if (read->key_project_id) c.key_project_id = *read->key_project_id;
}

std::string Replayer::GroupKey(sv::CountScope scope, CaseState& c) {
  switch (scope) {
    case sv::CountScope::kCase: return std::to_string(c.id);
    case sv::CountScope::kDepartment: return std::to_string(c.department_id);
    case sv::CountScope::kMatter: return std::string(pool_[c.matter_code]);
    case sv::CountScope::kApplicant:
      LoadStatics(c);
      return std::string(pool_[c.applicant_code]);
  }
  return {};
}

CaseState& Replayer::CaseFor(int64_t id) {
  bool is_new = false;
  CaseState& c = cases_.Get(id, is_new);
  if (is_new) ++report_.cases;
  return c;
}

// The clocks as cases::PauseClock / ResumeClock move them. LIMIT is the matter's (null if the
// matter version is unknown): without it a deadline no event carries cannot be recomputed, and
// stays unknown rather than guessed.
void Replayer::Pause(ClockState& k, const catalog::TimeLimit* limit, int64_t at_ms) {
  if (!k.started || k.paused) return;
  k.paused = true;
  k.pause_ms = at_ms;
  k.remaining = -1;
  if (limit == nullptr || k.deadline_ms == kNone) return;
  cases::LegalClock lc;
  lc.limit = *limit;
  lc.log.push_back({cases::ClockEntry::Kind::kStart, FromUnixMillis(at_ms), 0, ""});
  lc.deadline = FromUnixMillis(k.deadline_ms);
  auto p = cases::PauseClock(cal_, std::move(lc), FromUnixMillis(at_ms), "");
  if (p.ok()) k.remaining = p->remaining;
}

void Replayer::Resume(ClockState& k, const catalog::TimeLimit* limit, int64_t at_ms,
                      std::optional<int64_t> deadline) {
  if (!k.started) return;
  if (!k.paused) {
    if (deadline) k.deadline_ms = *deadline;
    return;
  }
  k.paused = false;
  k.pause_ms = kNone;
  if (deadline) {
    k.deadline_ms = *deadline;
  } else if (limit != nullptr && k.remaining >= 0) {
    cases::LegalClock lc;
    lc.limit = *limit;
    lc.log.push_back({cases::ClockEntry::Kind::kStart, FromUnixMillis(at_ms), 0, ""});
    lc.paused = true;
    lc.remaining = k.remaining;
    auto r = cases::ResumeClock(cal_, std::move(lc), FromUnixMillis(at_ms));
    k.deadline_ms = r.ok() ? ToUnixMillis(r->deadline) : kNone;
  } else {
    k.deadline_ms = kNone;
  }
  k.remaining = -1;
}

// Folds one event into the case: its data mapped onto the case facts.
void Replayer::Fold(CaseState& c, CaseKind kind, int64_t at_ms, const EventFields& f) {
  if (auto state = f.Find("state"); state && *state != pool_[c.state]) {
    c.state = pool_.Intern(*state);
  }
  const MatterInfo* m = nullptr;
  auto matter = [&]() {
    if (m == nullptr) m = Matter(c.matter_version_id);
    return m;
  };
  auto statutory_limit = [&]() { return matter() ? &m->statutory : nullptr; };
  auto promised_limit = [&]() { return matter() ? &m->promised : nullptr; };
  auto start = [&](ClockState& k, const catalog::TimeLimit* limit, std::optional<int64_t> d) {
    k = ClockState{};
    k.started = true;
    if (d) {
      k.deadline_ms = *d;
    } else if (limit != nullptr) {
      auto s = cases::StartClock(cal_, *limit, FromUnixMillis(at_ms));
      if (s.ok()) k.deadline_ms = ToUnixMillis(s->deadline);
    }
  };
  switch (kind) {
    case CaseKind::kSubmitted:
      c.submitted = true;
      c.submitted_ms = at_ms;
      if (auto v = f.Find("case_no")) c.case_no = std::string(*v);
      if (auto v = f.Find("matter_code")) c.matter_code = pool_.Intern(*v);
      if (auto v = AsInt(f.Find("matter_version_id"))) c.matter_version_id = *v;
      if (auto v = AsInt(f.Find("department_id"))) c.department_id = *v;
      if (auto v = f.Find("channel")) c.channel = pool_.Intern(*v);
      if (auto v = f.Find("service_mode")) c.service_mode = pool_.Intern(*v);
      break;
    case CaseKind::kAccepted:
      c.accepted_ms = at_ms;
      start(c.statutory, statutory_limit(), AsInt(f.Find("statutory_deadline_ms")));
      start(c.promised, promised_limit(), AsInt(f.Find("promised_deadline_ms")));
      break;
    case CaseKind::kCorrectionRequested:
      if (auto round = AsInt(f.Find("round"))) {
        c.corrections = static_cast<int32_t>(*round);
      } else {
        ++c.corrections;
      }
      [[fallthrough]];
    case CaseKind::kSpecialProcedureStarted:
      Pause(c.statutory, statutory_limit(), at_ms);
      Pause(c.promised, promised_limit(), at_ms);
      break;
    case CaseKind::kResubmitted:
    case CaseKind::kSpecialProcedureEnded:
      Resume(c.statutory, statutory_limit(), at_ms, AsInt(f.Find("statutory_deadline_ms")));
      Resume(c.promised, promised_limit(), at_ms, AsInt(f.Find("promised_deadline_ms")));
      break;
    case CaseKind::kStepCompleted:
      ++c.steps_done;
      break;
    case CaseKind::kExtended: {
      const auto days = AsInt(f.Find("days"));
      c.extended = true;
      if (days) c.extension += static_cast<int32_t>(*days);
      if (auto d = AsInt(f.Find("statutory_deadline_ms"))) {
        c.statutory.deadline_ms = *d;
      } else if (days && statutory_limit() && c.statutory.deadline_ms != kNone) {
        cases::LegalClock lc;
        lc.limit = *statutory_limit();
        lc.log.push_back({cases::ClockEntry::Kind::kStart, FromUnixMillis(at_ms), 0, ""});
        lc.deadline = FromUnixMillis(c.statutory.deadline_ms);
        auto x = cases::ExtendClock(cal_, std::move(lc), static_cast<int32_t>(*days),
                                    FromUnixMillis(at_ms), "");
        c.statutory.deadline_ms = x.ok() ? ToUnixMillis(x->deadline) : kNone;
      }
      break;
    }
    case CaseKind::kConcluded:
      c.concluded_ms = at_ms;
      if (auto v = f.Find("decision")) c.decision = pool_.Intern(*v);
      if (auto v = AsInt(f.Find("fee_due_fen"))) c.fee_due_fen = *v;
      if (auto v = AsInt(f.Find("verification_deadline_ms"))) c.verification_deadline_ms = *v;
      break;
    case CaseKind::kFeeCollected:
      if (auto v = AsInt(f.Find("amount_fen"))) c.fee_paid_fen += *v;
      break;
    case CaseKind::kDelivered:
      c.delivered_ms = at_ms;
      c.closed_ms = at_ms;
      break;
    case CaseKind::kDeclined:
    case CaseKind::kWithdrawn:
      c.closed_ms = at_ms;
      break;
    case CaseKind::kCommitmentVerified:
      if (auto v = f.Find("passed")) {
        c.verified = *v == "true" ? 1 : 0;
        if (*v != "true") c.closed_ms = at_ms;  // revoked
      }
      break;
    case CaseKind::kSupervisionPlaced:
      c.supervised = true;
      break;
    case CaseKind::kOther:
      if (auto v = AsInt(f.Find("verification_deadline_ms"))) c.verification_deadline_ms = *v;
      break;
  }
}

// CaseTimeFacts (rules.cc) from the folded case.
sv::TimeFacts Replayer::TimeFactsOf(const CaseState& c, const sv::Fields& fields) {
  sv::TimeFacts t;
  t.fields = &fields;
  t.case_fields = &fields;
  const MatterInfo* m = Matter(c.matter_version_id);
  auto clock = [&](const ClockState& k, const catalog::TimeLimit* limit, int32_t extension)
      -> std::optional<sv::ClockFacts> {
    if (!k.started) return std::nullopt;
    if (!k.paused && k.deadline_ms == kNone) return std::nullopt;  // unknown: no moment
    sv::ClockFacts f;
    f.deadline = k.deadline_ms == kNone ? Instant{} : FromUnixMillis(k.deadline_ms);
    f.paused = k.paused;
    if (limit != nullptr) {
      f.limit = limit->value + extension;
      f.unit = limit->unit;
    }
    return f;
  };
  if (auto s = clock(c.statutory, m ? &m->statutory : nullptr, c.extension)) {
    t.Set(sv::ClockId::kStatutory, *s);
  }
  if (auto p = clock(c.promised, m ? &m->promised : nullptr, 0)) {
    t.Set(sv::ClockId::kPromised, *p);
  }
  if (c.verification_deadline_ms != kNone) {
    sv::ClockFacts v;
    v.deadline = FromUnixMillis(c.verification_deadline_ms);
    t.Set(sv::ClockId::kVerification, v);
  }
  if (c.submitted_ms != kNone) t.Set(sv::InstantId::kSubmission, FromUnixMillis(c.submitted_ms));
  if (c.accepted_ms != kNone) t.Set(sv::InstantId::kAcceptance, FromUnixMillis(c.accepted_ms));
  if (c.concluded_ms != kNone) t.Set(sv::InstantId::kConclusion, FromUnixMillis(c.concluded_ms));
  if (c.promised.started && c.promised.paused && c.promised.pause_ms != kNone) {
    t.Set(sv::InstantId::kPause, FromUnixMillis(c.promised.pause_ms));
  } else if (c.statutory.started && c.statutory.paused && c.statutory.pause_ms != kNone) {
    t.Set(sv::InstantId::kPause, FromUnixMillis(c.statutory.pause_ms));
  }
  return t;
}

// The next moment of each time rule, from the facts after the case's latest event.
void Replayer::Schedule(CaseState& c) {
  c.pending.clear();
  if (time_rules_.empty()) return;
  CaseFields facts(*this, c);
  const sv::TimeFacts tf = TimeFactsOf(c, facts);
  for (uint32_t i : time_rules_) {
    auto m = sv::NextMoment(rules_.rules()[i], tf, cal_);
    if (!m.ok()) {
      ++report_.evaluation_errors;
      continue;
    }
    if (*m) c.pending.push_back(Moment{i, ToUnixMillis((*m)->at)});
  }
}

void Replayer::FireDue(CaseState& c, int64_t until_ms) {
  for (const Moment& m : c.pending) {
    if (m.at_ms <= until_ms) Fire(c, m.rule, m.at_ms);
  }
}

// One alert per rule, item and moment; counted if the moment lies in the window.
void Replayer::Fire(CaseState& c, uint32_t rule, int64_t moment_ms) {
  for (const Moment& f : c.fired) {
    if (f.rule == rule && f.at_ms == moment_ms) return;
  }
  c.fired.push_back(Moment{rule, moment_ms});
  if (moment_ms < from_ms_ || moment_ms >= to_ms_) return;
  if (now_ms_ && moment_ms > *now_ms_) {
    ++report_.not_yet_due;
    return;
  }
  ++report_.alerts;
  ++by_rule_[rule];
  ++by_department_[c.department_id];
  ++by_rule_department_[{rule, c.department_id}];
}

// A closed case leaves memory once nothing more can come of it: no pending moment, and no
// commitment left to verify (the only event the lifecycle allows after closing).
void Replayer::MaybeRelease(CaseState& c) {
  if (!c.pending.empty()) return;
  if (std::find(closed_states_.begin(), closed_states_.end(), c.state) == closed_states_.end()) {
    return;
  }
  if (c.decision == grant_on_commitment_ && c.verified < 0) return;
  cases_.Release(c);
}

Status Replayer::OnEvent(const ReadAhead::Row& row) {
  const int64_t at_ms = row.at_ms;
  const bool in_window = at_ms >= from_ms_ && at_ms < to_ms_;
  if (in_window) ++report_.events_in_window;
  if (row.first_of_kind) {
    kind_names_.resize(std::max<size_t>(kind_names_.size(), row.kind_index + 1));
    kinds_.resize(kind_names_.size());
    kind_names_[row.kind_index] = row.kind;
  }
  if (!row.is_case) return Ok();
  fields_.Parse(row.data);
  const EventFields& fields = fields_;

  const KindInfo& info = Kind(row);
  CaseState& c = CaseFor(row.case_id);
  // Moments due by now fire on the facts as they were before this event.
  FireDue(c, at_ms);

  Fold(c, info.fold, at_ms, fields);

  for (uint32_t ch : info.channels) {
    Channel& channel = channels_[ch];
    std::vector<int64_t>& t = channel.times[GroupKey(channel.scope, c)];
    if (t.empty() || t.back() <= at_ms) {
      t.push_back(at_ms);
    } else {
      t.insert(std::upper_bound(t.begin(), t.end(), at_ms), at_ms);
    }
  }

  if (in_window && !info.rules.empty()) {
    CaseFields facts(*this, c);
    Counts counts(*this, c, at_ms);
    const sv::Event event{info.name, FromUnixMillis(at_ms), fields};
    for (uint32_t i : info.rules) {
      counts.rule = i;
      auto verdict = sv::EvaluateEvent(rules_.rules()[i], event, facts, &counts, &cal_);
      if (!verdict.ok()) {
        ++report_.evaluation_errors;
        continue;
      }
      if (verdict->fires) Fire(c, i, at_ms);
    }
  }
  Schedule(c);
  if (!failure_.ok()) return failure_;
  MaybeRelease(c);
  return Ok();
}

Result<ReplayReport> Replayer::Run() {
  const auto started = std::chrono::steady_clock::now();
  Classify();
  if (Status s = LoadDepartments(); !s.ok()) return s.error();
  auto head = HeadSeq();
  if (!head.ok()) return head.error();
  report_.head_seq = *head;

  // Reading (the database's work, copying the rows out, numbering kinds) runs a few batches
  // ahead on a thread of its own, while this one folds and evaluates; it asks the cache for
  // the cases a few events ahead.
  ReadAhead reader(db_, *head, chunk_);
  while (const ReadAhead::Batch* batch = reader.Next()) {
    const auto& rows = batch->rows;
    for (size_t i = 0; i < batch->size; ++i) {
      if (i + 16 < batch->size && rows[i + 16].is_case) cases_.PrefetchEntry(rows[i + 16].case_id);
      if (i + 8 < batch->size && rows[i + 8].is_case) {
        cases_.PrefetchState(rows[i + 8].case_id);
        Prefetch(rows[i + 8].data.data());
      }
      const ReadAhead::Row& row = rows[i];
      ++report_.events_scanned;
      if (Status e = OnEvent(row); !e.ok()) {
        return e.error();
      }
    }
  }
  if (Status s = reader.status(); !s.ok()) return s.error();
  // The end: moments still pending fire if they come before `to`.
  cases_.ForEachActive([&](CaseState& c) {
    for (const Moment& m : c.pending) {
      if (m.at_ms < to_ms_) Fire(c, m.rule, m.at_ms);
    }
  });

  const auto& all = rules_.rules();
  for (uint32_t i = 0; i < all.size(); ++i) {
    if (replayed_[i]) report_.by_rule.push_back({all[i].id(), all[i].name(), by_rule_[i]});
  }
  auto name_of = [&](int64_t id) {
    auto it = departments_.find(id);
    return it == departments_.end() ? std::string() : it->second.name;
  };
  for (const auto& [id, n] : by_department_) {
    report_.by_department.push_back({id, name_of(id), n});
  }
  std::sort(report_.by_department.begin(), report_.by_department.end(),
            [](const auto& a, const auto& b) {
              return a.count != b.count ? a.count > b.count : a.department_id < b.department_id;
            });
  std::vector<std::tuple<uint32_t, int64_t, int64_t>> pairs;
  for (const auto& [key, n] : by_rule_department_) pairs.emplace_back(key.first, key.second, n);
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) > std::get<2>(b);
    return std::get<1>(a) < std::get<1>(b);
  });
  for (const auto& [rule, department, n] : pairs) {
    report_.by_rule_department.push_back({all[rule].id(), department, n});
  }
  report_.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report_.events_per_second = report_.elapsed_seconds > 0
                                  ? static_cast<double>(report_.events_scanned) /
                                        report_.elapsed_seconds
                                  : 0;
  return std::move(report_);
}

}  // namespace

Result<ReplayReport> Replay(const db::Database& db, const sv::RuleSet& rules,
                            const calendar::Calendar& cal, Instant from, Instant to,
                            const ReplayOptions& options) {
  if (to < from) {
    return MakeError(ErrorCode::kInvalidArgument, "replay.range", "回放区间的结束早于开始", "to");
  }
  if (options.chunk_events < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "replay.range", "每次读取的事件数须大于 0",
                     "chunk_events");
  }
  Replayer r(db, rules, cal, from, to, options);
  return r.Run();
}

}  // namespace xn::store
