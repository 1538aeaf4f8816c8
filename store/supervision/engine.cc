#include "store/supervision/engine.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <limits>
#include <map>
#include <set>

#include "domain/cases/legal_clock.h"

namespace xn::store {
namespace json = boost::json;
namespace sv = supervision;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr int kEventBatch = 500;
constexpr size_t kFireBatch = 500;

// An event's data (a flat JSON object) as text fields.
sv::FieldMap FieldsOf(const std::string& data) {
  sv::FieldMap out;
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [k, x] : v.as_object()) {
    if (x.is_string()) {
      out.Set(std::string(k), std::string(x.as_string()));
    } else if (x.is_int64()) {
      out.Set(std::string(k), std::to_string(x.as_int64()));
    } else if (x.is_uint64()) {
      out.Set(std::string(k), std::to_string(x.as_uint64()));
    } else if (x.is_bool()) {
      out.Set(std::string(k), x.as_bool() ? "true" : "false");
    } else if (x.is_double()) {
      out.Set(std::string(k), json::serialize(x));
    }
  }
  return out;
}

std::optional<int64_t> CaseIdOf(const std::string& subject) {
  if (subject.rfind("case:", 0) != 0) return std::nullopt;
  return std::strtoll(subject.c_str() + 5, nullptr, 10);
}

// Counts for event rules, from the event log, as of the event.
class StoreCounts final : public sv::CountSource {
 public:
  StoreCounts(const db::Database& db, const calendar::Calendar& cal, const cases::Case& c,
              int64_t event_seq, Instant at)
      : db_(db), cal_(cal), case_(c), seq_(event_seq), at_(at) {}

  Result<int64_t> Count(const sv::CountSpec& spec) const override {
    int64_t from = std::numeric_limits<int64_t>::min();
    if (spec.window) {
      auto start = sv::WindowStart(*spec.window, at_, cal_);
      if (!start.ok()) return start.error();
      from = ToUnixMillis(*start);
    }
    std::string kinds;
    for (size_t i = 0; i < spec.kinds.size(); ++i) {
      kinds += (i ? ", ?" : "?") + std::to_string(i + 5);
    }
    std::string group;
    switch (spec.scope) {
      case sv::CountScope::kCase:
        group = "e.subject = ?4";
        break;
      case sv::CountScope::kDepartment:
        group = "e.subject IN (SELECT 'case:' || id FROM cases WHERE department_id = "
                "CAST(?4 AS BIGINT))";
        break;
      case sv::CountScope::kApplicant:
        group = "e.subject IN (SELECT 'case:' || id FROM cases WHERE applicant_code = ?4)";
        break;
      case sv::CountScope::kMatter:
        group = "e.subject IN (SELECT 'case:' || c.id FROM cases c JOIN matter_versions v ON "
                "v.id = c.matter_version_id JOIN matters m ON m.id = v.matter_id WHERE m.code = ?4)";
        break;
    }
    const std::string sql = "SELECT COUNT(*) FROM events e WHERE e.seq <= ?1 AND e.at_ms >= ?2 "
                            "AND e.at_ms <= ?3 AND " + group + " AND e.kind IN (" + kinds + ")";
    std::string key;
    switch (spec.scope) {
      case sv::CountScope::kCase: key = "case:" + std::to_string(case_.id); break;
      case sv::CountScope::kDepartment: key = std::to_string(case_.department_id); break;
      case sv::CountScope::kApplicant: key = case_.applicant_code; break;
      case sv::CountScope::kMatter: key = case_.matter_code; break;
    }
    return db_.Read<int64_t>([&](db::Connection& c) -> Result<int64_t> {
      auto st = c.Prepare(sql);
      if (!st.ok()) return st.error();
      (*st)->Bind(1, seq_).Bind(2, from).Bind(3, ToUnixMillis(at_)).Bind(4, std::string_view(key));
      for (size_t i = 0; i < spec.kinds.size(); ++i) {
        (*st)->Bind(static_cast<int>(i) + 5, std::string_view(spec.kinds[i]));
      }
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      const int64_t n = (*st)->Int64(0);
      (*st)->Reset();
      return n;
    });
  }

 private:
  const db::Database& db_;
  const calendar::Calendar& cal_;
  const cases::Case& case_;
  int64_t seq_;
  Instant at_;
};

// The end of the working day after the one AT falls on: when an explanation is due.
std::optional<Instant> ExplainBy(const calendar::Calendar& cal, Instant at) {
  auto next = cal.AddWorkingDays(calendar::ShanghaiDate(at), calendar::WorkingDays{1});
  if (!next.ok()) return std::nullopt;
  return cases::EndOfDay(next->date);
}

std::string LevelOf(sv::AlertLevel l) { return std::string(sv::AlertLevelName(l)); }

// The case's facts, with the department's name in `department` for messages.
sv::FieldMap Facts(const cases::Case& c, SupervisionStore& store) {
  sv::FieldMap facts = sv::CaseFacts(c);
  if (auto name = store.DepartmentName(c.department_id); name.ok() && !name->empty()) {
    facts.Set("department", *name);
  }
  return facts;
}

}  // namespace

SupervisionEngine::SupervisionEngine(Deps deps) : deps_(std::move(deps)) {}

SupervisionEngine::~SupervisionEngine() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status SupervisionEngine::Start() {
  auto current = deps_.store.CurrentRules();
  if (!current.ok() && current.error().category == ErrorCode::kNotFound) {
    if (auto parsed = sv::ParseRules(deps_.builtin_rules); !parsed.ok()) return parsed.error();
    current = deps_.store.SaveRules(deps_.builtin_rules, "内置规则集（ES-01 至 ES-15）",
                                    Actor{"system", deps_.clock.Now()});
  }
  if (!current.ok()) return current.error();
  auto parsed = sv::ParseRules(current->text);
  if (!parsed.ok()) return parsed.error();
  UseRules(std::make_shared<const sv::RuleSet>(std::move(*parsed)), current->version);
  thread_ = std::thread([this] { Run(); });
  return Ok();
}

void SupervisionEngine::UseRules(std::shared_ptr<const sv::RuleSet> rules, int64_t version) {
  {
    std::lock_guard lock(mu_);
    rules_ = std::move(rules);
    ++epoch_;
    built_ = false;  // the index is rebuilt for the new rules
    nudged_ = true;
  }
  rules_version_.store(version);
  cv_.notify_all();
}

std::shared_ptr<const sv::RuleSet> SupervisionEngine::rules() const {
  std::lock_guard lock(mu_);
  return rules_;
}

void SupervisionEngine::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

SupervisionEngine::Stats SupervisionEngine::stats() const {
  std::lock_guard lock(mu_);
  return Stats{running_.load(), heap_.size(), checkpoint_.load(), raised_.load()};
}

void SupervisionEngine::Run() {
  for (;;) {
    const bool leader = !deps_.is_leader || deps_.is_leader();
    bool build = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (!leader) {
        built_ = false;
        running_ = false;
        heap_.clear();
      } else if (!built_) {
        build = true;
      }
    }
    if (leader) {
      Status s = build ? Rebuild() : Ok();
      if (s.ok()) s = ProcessEvents();
      if (s.ok()) s = FireDue();
      if (s.ok()) s = Ladder();
      if (!s.ok()) std::fprintf(stderr, "supervision engine: %s\n", s.error().message.c_str());
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPoll, [this] { return stopping_ || nudged_; });
    if (stopping_) return;
    nudged_ = false;
  }
}

void SupervisionEngine::PushLocked(const Entry& e) {
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  if (heap_.size() >= compact_at_) CompactLocked();
}

SupervisionEngine::Entry SupervisionEngine::PopLocked() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  const Entry e = heap_.back();
  heap_.pop_back();
  return e;
}

void SupervisionEngine::CompactLocked() {
  const uint32_t epoch = epoch_;
  std::erase_if(heap_, [epoch](const Entry& e) { return e.epoch != epoch; });
  auto key = [](const Entry& e) { return std::tuple(e.moment_ms, e.case_id, e.rule); };
  std::sort(heap_.begin(), heap_.end(),
            [&](const Entry& a, const Entry& b) { return key(a) < key(b); });
  heap_.erase(std::unique(heap_.begin(), heap_.end(),
                          [&](const Entry& a, const Entry& b) { return key(a) == key(b); }),
              heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  compact_at_ = std::max<size_t>(heap_.size() * 2, 1 << 16);
}

Status SupervisionEngine::Rebuild() {
  auto checkpoint = deps_.store.Checkpoint();
  if (!checkpoint.ok()) return checkpoint.error();
  checkpoint_.store(*checkpoint);
  {
    std::lock_guard lock(mu_);
    heap_.clear();
  }
  Status s = deps_.cases.ForEachOpen([this](const cases::Case& c) {
    Schedule(c, std::numeric_limits<int64_t>::min());
    return Ok();
  });
  if (!s.ok()) return s;
  std::lock_guard lock(mu_);
  built_ = true;
  running_ = true;
  return Ok();
}

// Pushes the moments of the case's time rules (case and step targets) later than AFTER_MS.
void SupervisionEngine::Schedule(const cases::Case& c, int64_t after_ms) {
  std::shared_ptr<const sv::RuleSet> rules;
  uint32_t epoch;
  {
    std::lock_guard lock(mu_);
    rules = rules_;
    epoch = epoch_;
  }
  if (!rules) return;
  const auto cal = deps_.calendars.Current();
  const sv::FieldMap facts = sv::CaseFacts(c);
  const sv::TimeFacts tf = sv::CaseTimeFacts(c, facts);
  std::vector<Entry> found;
  for (uint32_t i : rules->TimeRulesFor(sv::Target::kCase)) {
    auto m = sv::NextMoment(rules->rules()[i], tf, *cal);
    if (m.ok() && *m && ToUnixMillis((*m)->at) > after_ms) {
      found.push_back(Entry{ToUnixMillis((*m)->at), c.id, i, epoch});
    }
  }
  for (uint32_t i : rules->TimeRulesFor(sv::Target::kStep)) {
    for (const cases::ActiveStep& step : c.active_steps) {
      const sv::FieldMap sf = sv::StepFacts(step);
      auto m = sv::NextMoment(rules->rules()[i], sv::StepTimeFacts(step, sf, facts), *cal);
      if (m.ok() && *m && ToUnixMillis((*m)->at) > after_ms) {
        found.push_back(Entry{ToUnixMillis((*m)->at), c.id, i, epoch});
      }
    }
  }
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;
  for (const Entry& e : found) PushLocked(e);
}

Status SupervisionEngine::ProcessEvents() {
  for (;;) {
    auto events = deps_.db.ReadEvents(checkpoint_.load(), kEventBatch);
    if (!events.ok()) return events.error();
    if (events->empty()) return Ok();
    std::shared_ptr<const sv::RuleSet> rules = this->rules();
    const auto cal = deps_.calendars.Current();
    const int64_t version = rules_version_.load();
    const Instant now = deps_.clock.Now();

    struct Raise {
      NewAlert alert;
      std::vector<int64_t> users;
    };
    std::vector<Raise> raises;
    std::map<int64_t, cases::Case> touched;
    for (const db::Event& e : *events) {
      const auto case_id = CaseIdOf(e.subject);
      if (!case_id) continue;
      auto it = touched.find(*case_id);
      if (it == touched.end()) {
        auto c = deps_.cases.Get(*case_id);
        if (!c.ok()) continue;  // not a stored case (an id from elsewhere)
        it = touched.emplace(*case_id, std::move(*c)).first;
      }
      const cases::Case& c = it->second;
      auto listening = rules->EventRulesFor(e.kind);
      if (listening.empty()) continue;
      const sv::FieldMap fields = FieldsOf(e.data);
      const sv::FieldMap facts = Facts(c, deps_.store);
      const Instant at = FromUnixMillis(e.at_ms);
      StoreCounts counts(deps_.db, *cal, c, e.seq, at);
      for (uint32_t i : listening) {
        const sv::Rule& rule = rules->rules()[i];
        auto verdict = sv::EvaluateEvent(rule, sv::Event{e.kind, at, fields}, facts, &counts,
                                         cal.get());
        if (!verdict.ok() || !verdict->fires) continue;
        NewAlert a;
        a.rule_id = rule.id();
        a.rule_name = rule.name();
        a.rule_version = version;
        a.level = LevelOf(rule.level());
        a.target = std::string(sv::TargetName(rule.target()));
        a.item = "case:" + std::to_string(c.id);
        a.case_id = c.id;
        a.department_id = c.department_id;
        a.matter_code = c.matter_code;
        a.moment = at;
        if (rule.level() != sv::AlertLevel::kReminder) a.explain_by = ExplainBy(*cal, now);
        a.message = verdict->message;
        a.explanation = verdict->explanation;
        auto users = deps_.store.Responsible(c.department_id, cases::WhoMayActNow(c).roles);
        raises.push_back(Raise{std::move(a), users.ok() ? *users : std::vector<int64_t>{}});
      }
    }
    const int64_t last = events->back().seq;
    std::vector<int64_t> fresh;
    Status s = deps_.db.WriteErased([&](db::WriteTx& tx) -> Status {
      fresh.clear();
      for (const Raise& r : raises) {
        auto id = SupervisionStore::RaiseIn(tx, r.alert, r.users, Actor{"system", now});
        if (!id.ok()) return id.error();
        if (*id && r.alert.level != "reminder") fresh.push_back(**id);
        if (*id) raised_.fetch_add(1);
      }
      return SupervisionStore::SetCheckpointIn(tx, last);
    });
    if (!s.ok()) return s;
    for (int64_t id : fresh) {
      if (Status o = OrderIfRepeated(id); !o.ok()) return o;
    }
    checkpoint_.store(last);
    for (const auto& [id, c] : touched) Schedule(c, std::numeric_limits<int64_t>::min());
    if (static_cast<int>(events->size()) < kEventBatch) return Ok();
  }
}

void SupervisionEngine::EvaluateForTime(const cases::Case& c, const sv::Rule& rule,
                                        std::vector<TimeRaise>& out) {
  const auto cal = deps_.calendars.Current();
  const Instant now = deps_.clock.Now();
  const sv::FieldMap facts = Facts(c, deps_.store);
  struct Hit {
    std::string item;
    sv::TimeVerdict verdict;
  };
  std::vector<Hit> hits;
  if (rule.target() == sv::Target::kCase) {
    auto v = sv::EvaluateTime(rule, sv::CaseTimeFacts(c, facts), *cal, now);
    if (v.ok() && v->fires) hits.push_back(Hit{"case:" + std::to_string(c.id), std::move(*v)});
  } else if (rule.target() == sv::Target::kStep) {
    for (const cases::ActiveStep& step : c.active_steps) {
      const sv::FieldMap sf = sv::StepFacts(step);
      auto v = sv::EvaluateTime(rule, sv::StepTimeFacts(step, sf, facts), *cal, now);
      if (v.ok() && v->fires) {
        hits.push_back(Hit{"case:" + std::to_string(c.id) + "/step:" + step.def.id, std::move(*v)});
      }
    }
  }
  if (hits.empty()) return;
  auto users = deps_.store.Responsible(c.department_id, cases::WhoMayActNow(c).roles);
  for (const Hit& h : hits) {
    NewAlert a;
    a.rule_id = rule.id();
    a.rule_name = rule.name();
    a.rule_version = rules_version_.load();
    a.level = LevelOf(rule.level());
    a.target = std::string(sv::TargetName(rule.target()));
    a.item = h.item;
    a.case_id = c.id;
    a.department_id = c.department_id;
    a.matter_code = c.matter_code;
    a.moment = h.verdict.moment->at;
    if (rule.level() != sv::AlertLevel::kReminder) a.explain_by = ExplainBy(*cal, now);
    a.message = h.verdict.message;
    a.explanation = h.verdict.explanation;
    out.push_back(TimeRaise{std::move(a), users.ok() ? *users : std::vector<int64_t>{}});
  }
}

Status SupervisionEngine::OrderIfRepeated(int64_t alert_id) {
  auto a = deps_.store.GetAlert(alert_id);
  if (!a.ok()) return a.error();
  if (!a->case_id || !a->department_id || a->state != "open") return Ok();
  auto n = deps_.store.AlertCount(a->rule_id, *a->case_id);
  if (!n.ok()) return n.error();
  if (*n < 2) return Ok();
  const Instant now = deps_.clock.Now();
  const auto cal = deps_.calendars.Current();
  NewOrder o;
  o.level = a->level == "red" ? "red" : "yellow";
  o.case_id = a->case_id;
  o.alert_id = a->id;
  o.department_id = *a->department_id;
  o.reason = "预警「" + a->rule_name + "」（" + a->rule_id + "）在同一办件上第 " +
             std::to_string(*n) + " 次出现，转为督办：" + a->message;
  o.opened_by = "系统（督办阶梯）";
  auto deadline = cal->AddWorkingDays(calendar::ShanghaiDate(now),
                                      calendar::WorkingDays{o.level == "red" ? 2 : 3});
  if (!deadline.ok()) return deadline.error();
  o.deadline = cases::EndOfDay(deadline->date);
  auto users = deps_.store.Responsible(o.department_id, {});
  auto opened = deps_.store.OpenOrder(o, users.ok() ? *users : std::vector<int64_t>{},
                                      Actor{"system", now});
  if (!opened.ok()) return opened.error();
  return Ok();
}

// Due entries are taken a batch at a time, evaluated on their cases as they are now, and what
// fires is raised in one transaction (one commit per batch, as ProcessEvents does). If the
// write fails, the batch goes back into the heap and is tried again on the next pass.
Status SupervisionEngine::FireDue() {
  const int64_t now_ms = ToUnixMillis(deps_.clock.Now());
  for (;;) {
    std::vector<Entry> due;
    std::shared_ptr<const sv::RuleSet> rules;
    {
      std::lock_guard lock(mu_);
      while (due.size() < kFireBatch && !heap_.empty() && heap_.front().moment_ms <= now_ms) {
        const Entry e = PopLocked();
        if (e.epoch == epoch_) due.push_back(e);
      }
      rules = rules_;
    }
    if (due.empty()) return Ok();
    std::vector<TimeRaise> raises;
    Status read = Ok();
    for (const Entry& e : due) {
      // Evaluated on the case as it is now: a case concluded, paused or changed since the entry
      // was pushed has another moment, or none, and raises nothing here.
      auto c = deps_.cases.Get(e.case_id);
      if (!c.ok()) {
        if (c.error().category == ErrorCode::kNotFound) continue;
        read = c.error();  // the store is unreachable: the whole batch is tried again
        break;
      }
      EvaluateForTime(*c, rules->rules()[e.rule], raises);
    }
    if (!read.ok()) {
      std::lock_guard lock(mu_);
      for (const Entry& e : due) {
        if (e.epoch == epoch_) PushLocked(e);
      }
      return read;
    }
    if (raises.empty()) continue;
    const Instant now = deps_.clock.Now();
    std::vector<int64_t> fresh;
    Status s = deps_.db.WriteErased([&](db::WriteTx& tx) -> Status {
      fresh.clear();
      for (const TimeRaise& r : raises) {
        auto id = SupervisionStore::RaiseIn(tx, r.alert, r.users, Actor{"system", now});
        if (!id.ok()) return id.error();
        if (*id && r.alert.level != "reminder") fresh.push_back(**id);
        if (*id) raised_.fetch_add(1);
      }
      return Ok();
    });
    if (!s.ok()) {
      std::lock_guard lock(mu_);
      for (const Entry& e : due) {
        if (e.epoch == epoch_) PushLocked(e);
      }
      return s;
    }
    for (int64_t id : fresh) {
      if (Status o = OrderIfRepeated(id); !o.ok()) return o;
    }
  }
}

Status SupervisionEngine::Ladder() {
  const Instant now = deps_.clock.Now();
  auto due = deps_.store.LadderDue(now);
  if (!due.ok()) return due.error();
  const auto cal = deps_.calendars.Current();
  for (const SupervisionStore::Due& d : *due) {
    if (d.at > now) continue;
    if (d.kind == "alert") {
      auto a = deps_.store.GetAlert(d.id);
      if (!a.ok() || a->state != "open" || !a->department_id) continue;
      NewOrder o;
      o.level = a->level == "red" ? "red" : "yellow";
      o.case_id = a->case_id;
      o.alert_id = a->id;
      o.department_id = *a->department_id;
      o.reason = "预警「" + a->rule_name + "」（" + a->rule_id + "）逾期未作说明，转为督办：" +
                 a->message;
      o.opened_by = "系统（督办阶梯）";
      auto deadline = cal->AddWorkingDays(calendar::ShanghaiDate(now),
                                          calendar::WorkingDays{o.level == "red" ? 2 : 3});
      if (!deadline.ok()) return deadline.error();
      o.deadline = cases::EndOfDay(deadline->date);
      auto users = deps_.store.Responsible(o.department_id, {});
      auto opened = deps_.store.OpenOrder(o, users.ok() ? *users : std::vector<int64_t>{},
                                          Actor{"system", now});
      if (!opened.ok()) return opened.error();
    } else {
      auto o = deps_.store.GetOrder(d.id);
      if (!o.ok() || o->state != "open" || o->level == "dossier") continue;
      NewOrder next;
      next.level = o->level == "yellow" ? "red" : "dossier";
      next.case_id = o->case_id;
      next.alert_id = o->alert_id;
      next.department_id = o->department_id;
      next.parent_id = o->id;
      next.reason = "督办单 " + o->order_no + " 逾期未回复，升级为" +
                    (next.level == "red" ? std::string("红牌督办") : std::string("问责材料")) +
                    "：" + o->reason;
      next.opened_by = "系统（督办阶梯）";
      auto deadline = cal->AddWorkingDays(calendar::ShanghaiDate(now), calendar::WorkingDays{2});
      if (!deadline.ok()) return deadline.error();
      next.deadline = cases::EndOfDay(deadline->date);
      auto users = deps_.store.Responsible(o->department_id, {});
      auto up = deps_.store.Escalate(o->id, next, users.ok() ? *users : std::vector<int64_t>{},
                                     Actor{"system", now});
      if (!up.ok()) return up.error();
    }
  }
  return Ok();
}

}  // namespace xn::store
