#include "store/cases/codec.h"

namespace xn::store {
namespace json = boost::json;
using catalog::LimitUnit;

namespace {

Error Bad(const std::string& field, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, "validation.type", field + "：" + why, field);
}

// Typed reads from a JSON object, recording the first error.
class Reader {
 public:
  Reader(const json::value& v, std::string prefix) : prefix_(std::move(prefix)) {
    if (v.is_object()) {
      o_ = &v.as_object();
    } else {
      Fail(prefix_.empty() ? "body" : prefix_, "须为对象");
    }
  }
  std::string Str(const char* k, bool required = false) {
    const json::value* v = Get(k, required);
    if (!v) return {};
    if (!v->is_string()) return Fail(k, "须为字符串"), std::string();
    return std::string(v->as_string());
  }
  int64_t Int(const char* k, bool required = false, int64_t dflt = 0) {
    const json::value* v = Get(k, required);
    if (!v) return dflt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
    Fail(k, "须为整数");
    return dflt;
  }
  bool Bool(const char* k, bool dflt = false) {
    const json::value* v = Get(k, false);
    if (!v) return dflt;
    if (!v->is_bool()) return Fail(k, "须为布尔值"), dflt;
    return v->as_bool();
  }
  const json::array* Arr(const char* k) {
    const json::value* v = Get(k, false);
    if (!v || v->is_null()) return nullptr;
    if (!v->is_array()) return Fail(k, "须为数组"), nullptr;
    return &v->as_array();
  }
  const json::value* Get(const char* k, bool required) {
    if (!o_ || error_) return nullptr;
    const json::value* v = o_->if_contains(k);
    if ((!v || v->is_null()) && required) Fail(k, "缺少必填字段");
    if (v && v->is_null()) return nullptr;
    return v;
  }
  void Fail(const std::string& k, const std::string& why) {
    if (!error_) error_ = Bad(prefix_.empty() ? k : prefix_ + "." + k, why);
  }
  std::optional<Error> error_;

 private:
  const json::object* o_ = nullptr;
  std::string prefix_;
};

json::object LimitToJson(const catalog::TimeLimit& l) {
  return {{"value", l.value}, {"unit", catalog::LimitUnitName(l.unit)}, {"note", l.note}};
}

catalog::TimeLimit LimitFromJson(const json::value* v, const char* name, Reader& parent) {
  catalog::TimeLimit l;
  if (!v) {
    parent.Fail(name, "缺少必填字段");
    return l;
  }
  Reader r(*v, name);
  l.value = static_cast<int32_t>(r.Int("value", true));
  auto unit = catalog::ParseLimitUnit(r.Str("unit", true));
  if (!r.error_ && !unit) r.Fail("unit", "须为 working_days、calendar_days 或 hours");
  if (unit) l.unit = *unit;
  l.note = r.Str("note");
  if (r.error_ && !parent.error_) parent.error_ = r.error_;
  return l;
}

json::value OptMs(const std::optional<Instant>& t) {
  return t ? json::value(ToUnixMillis(*t)) : json::value(nullptr);
}
std::optional<Instant> MsOpt(Reader& r, const char* k) {
  const json::value* v = r.Get(k, false);
  if (!v) return std::nullopt;
  if (!v->is_int64()) return r.Fail(k, "须为毫秒时间"), std::nullopt;
  return FromUnixMillis(v->as_int64());
}

json::object StepToJson(const cases::StepDef& s) {
  json::array roles;
  for (const auto& r : s.roles) roles.emplace_back(r);
  json::object o{{"id", s.id}, {"name", s.name}, {"roles", std::move(roles)},
                 {"department_code", s.department_code}};
  o["limit"] = s.limit ? json::value(LimitToJson(*s.limit)) : json::value(nullptr);
  return o;
}

cases::StepDef StepFromJson(const json::value& v, Reader& parent) {
  Reader r(v, "step");
  cases::StepDef s;
  s.id = r.Str("id", true);
  s.name = r.Str("name");
  if (const auto* roles = r.Arr("roles")) {
    for (const auto& x : *roles) {
      if (x.is_string()) s.roles.emplace_back(x.as_string());
    }
  }
  s.department_code = r.Str("department_code");
  if (const json::value* l = r.Get("limit", false)) s.limit = LimitFromJson(l, "limit", r);
  if (r.error_ && !parent.error_) parent.error_ = r.error_;
  return s;
}

}  // namespace

json::object MatterToJson(const catalog::MatterDef& m) {
  json::array fees, materials, discretion;
  for (const auto& f : m.fees) {
    fees.push_back(json::object{{"name", f.name}, {"basis", f.basis}, {"amount_fen", f.amount_fen}});
  }
  for (const auto& x : m.materials) {
    materials.push_back(json::object{
        {"name", x.name}, {"required", x.required}, {"copies", x.copies}, {"note", x.note}});
  }
  for (const auto& d : m.discretion) {
    discretion.push_back(json::object{{"circumstance", d.circumstance}, {"outcome", d.outcome}});
  }
  return {{"code", m.code},
          {"name", m.name},
          {"category", catalog::PowerCategoryName(m.category)},
          {"category_title", catalog::PowerCategoryTitle(m.category)},
          {"legal_basis", m.legal_basis},
          {"department_id", m.department_id},
          {"statutory", LimitToJson(m.statutory)},
          {"promised", LimitToJson(m.promised)},
          {"fees", std::move(fees)},
          {"materials", std::move(materials)},
          {"acceptance_conditions", m.acceptance_conditions},
          {"special_procedures", m.special_procedures},
          {"discretion", std::move(discretion)},
          {"description", m.description},
          {"flow_bpmn", m.flow_bpmn},
          {"commitment_allowed", m.commitment_allowed},
          {"verification_days", m.verification_days}};
}

Result<catalog::MatterDef> MatterFromJson(const json::value& v) {
  Reader r(v, "");
  catalog::MatterDef m;
  m.code = r.Str("code", true);
  m.name = r.Str("name", true);
  auto cat = catalog::ParsePowerCategory(r.Str("category", true));
  if (!r.error_ && !cat) r.Fail("category", "不是已知的权力类别");
  if (cat) m.category = *cat;
  m.legal_basis = r.Str("legal_basis", true);
  m.department_id = r.Int("department_id", true);
  m.statutory = LimitFromJson(r.Get("statutory", true), "statutory", r);
  m.promised = LimitFromJson(r.Get("promised", true), "promised", r);
  if (const auto* fees = r.Arr("fees")) {
    for (const auto& f : *fees) {
      Reader fr(f, "fees");
      m.fees.push_back({fr.Str("name", true), fr.Str("basis", true), fr.Int("amount_fen", true)});
      if (fr.error_ && !r.error_) r.error_ = fr.error_;
    }
  }
  if (const auto* mats = r.Arr("materials")) {
    for (const auto& x : *mats) {
      Reader mr(x, "materials");
      m.materials.push_back({mr.Str("name", true), mr.Bool("required", true),
                             static_cast<int32_t>(mr.Int("copies", false, 1)), mr.Str("note")});
      if (mr.error_ && !r.error_) r.error_ = mr.error_;
    }
  }
  if (const auto* ds = r.Arr("discretion")) {
    for (const auto& d : *ds) {
      Reader dr(d, "discretion");
      m.discretion.push_back({dr.Str("circumstance", true), dr.Str("outcome", true)});
      if (dr.error_ && !r.error_) r.error_ = dr.error_;
    }
  }
  m.acceptance_conditions = r.Str("acceptance_conditions");
  m.special_procedures = r.Str("special_procedures");
  m.description = r.Str("description");
  m.flow_bpmn = r.Str("flow_bpmn");
  m.commitment_allowed = r.Bool("commitment_allowed");
  m.verification_days = static_cast<int32_t>(r.Int("verification_days"));
  if (r.error_) return *r.error_;
  return m;
}

json::object ClockToJson(const cases::LegalClock& c) {
  json::array log;
  for (const auto& e : c.log) {
    log.push_back(json::object{{"kind", static_cast<int>(e.kind)},
                               {"at_ms", ToUnixMillis(e.at)},
                               {"amount", e.amount},
                               {"reason", e.reason}});
  }
  return {{"limit", LimitToJson(c.limit)},
          {"log", std::move(log)},
          {"deadline_ms", ToUnixMillis(c.deadline)},
          {"paused", c.paused},
          {"remaining", c.remaining},
          {"provisional", c.provisional},
          {"extended", c.extended}};
}

Result<cases::LegalClock> ClockFromJson(const json::value& v) {
  Reader r(v, "clock");
  cases::LegalClock c;
  c.limit = LimitFromJson(r.Get("limit", true), "limit", r);
  if (const auto* log = r.Arr("log")) {
    for (const auto& e : *log) {
      Reader er(e, "log");
      cases::ClockEntry entry;
      entry.kind = static_cast<cases::ClockEntry::Kind>(er.Int("kind", true));
      entry.at = FromUnixMillis(er.Int("at_ms", true));
      entry.amount = static_cast<int32_t>(er.Int("amount"));
      entry.reason = er.Str("reason");
      c.log.push_back(std::move(entry));
    }
  }
  c.deadline = FromUnixMillis(r.Int("deadline_ms", true));
  c.paused = r.Bool("paused");
  c.remaining = r.Int("remaining");
  c.provisional = r.Bool("provisional");
  c.extended = static_cast<int32_t>(r.Int("extended"));
  if (r.error_) return *r.error_;
  return c;
}

json::object CaseToJson(const cases::Case& c) {
  json::object data;
  for (const auto& [k, v] : c.data) data[k] = v;
  json::array active, done, items;
  for (const auto& s : c.active_steps) {
    json::object o = StepToJson(s.def);
    o["started_at_ms"] = ToUnixMillis(s.started_at);
    o["deadline_ms"] = OptMs(s.deadline);
    active.push_back(std::move(o));
  }
  for (const auto& s : c.done_steps) done.emplace_back(s);
  for (const auto& s : c.correction_items) items.emplace_back(s);
  auto opt_id = [](const std::optional<int64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  json::object o{
      {"id", c.id},
      {"case_no", c.case_no},
      {"query_code", c.query_code},
      {"matter_version_id", c.matter_version_id},
      {"matter_code", c.matter_code},
      {"matter_name", c.matter_name},
      {"department_id", c.department_id},
      {"department_code", c.department_code},
      {"state", cases::CaseStateName(c.state)},
      {"state_title", cases::CaseStateTitle(c.state)},
      {"resume_state", cases::CaseStateName(c.resume_state)},
      {"channel", cases::ChannelName(c.channel)},
      {"applicant_kind", c.applicant_kind},
      {"applicant_code", c.applicant_code},
      {"applicant_name", c.applicant_name},
      {"contact_phone", c.contact_phone},
      {"applicant_user_id", opt_id(c.applicant_user_id)},
      {"agent_user_id", opt_id(c.agent_user_id)},
      {"key_project_id", opt_id(c.key_project_id)},
      {"service_mode", c.service_mode},
      {"data", std::move(data)},
      {"flow_token", c.flow_token},
      {"active_steps", std::move(active)},
      {"done_steps", std::move(done)},
      {"corrections", c.corrections},
      {"correction_items", std::move(items)},
      {"extended", c.extended},
      {"decision", c.decision ? json::value(cases::DecisionName(*c.decision))
                              : json::value(nullptr)},
      {"decision_reason", c.decision_reason},
      {"fee_due_fen", c.fee_due_fen},
      {"fee_paid_fen", c.fee_paid_fen},
      {"verification_deadline_ms", OptMs(c.verification_deadline)},
      {"verified", c.verified ? json::value(*c.verified) : json::value(nullptr)},
      {"supervised", c.supervised},
      {"submitted_at_ms", ToUnixMillis(c.submitted_at)},
      {"accepted_at_ms", OptMs(c.accepted_at)},
      {"concluded_at_ms", OptMs(c.concluded_at)},
      {"delivered_at_ms", OptMs(c.delivered_at)},
      {"closed_at_ms", OptMs(c.closed_at)},
      {"version", c.version},
  };
  o["statutory"] = c.statutory ? json::value(ClockToJson(*c.statutory)) : json::value(nullptr);
  o["promised"] = c.promised ? json::value(ClockToJson(*c.promised)) : json::value(nullptr);
  return o;
}

Result<cases::Case> CaseFromJson(const json::value& v) {
  Reader r(v, "case");
  cases::Case c;
  c.id = r.Int("id");
  c.case_no = r.Str("case_no", true);
  c.query_code = r.Str("query_code");
  c.matter_version_id = r.Int("matter_version_id", true);
  c.matter_code = r.Str("matter_code");
  c.matter_name = r.Str("matter_name");
  c.department_id = r.Int("department_id", true);
  c.department_code = r.Str("department_code");
  c.state = cases::ParseCaseState(r.Str("state", true)).value_or(cases::CaseState::kSubmitted);
  c.resume_state =
      cases::ParseCaseState(r.Str("resume_state")).value_or(cases::CaseState::kSubmitted);
  c.channel = cases::ParseChannel(r.Str("channel")).value_or(cases::Channel::kOnline);
  c.applicant_kind = r.Str("applicant_kind");
  c.applicant_code = r.Str("applicant_code");
  c.applicant_name = r.Str("applicant_name");
  c.contact_phone = r.Str("contact_phone");
  if (r.Get("applicant_user_id", false)) c.applicant_user_id = r.Int("applicant_user_id");
  if (r.Get("agent_user_id", false)) c.agent_user_id = r.Int("agent_user_id");
  if (r.Get("key_project_id", false)) c.key_project_id = r.Int("key_project_id");
  c.service_mode = r.Str("service_mode");
  if (const json::value* d = r.Get("data", false); d && d->is_object()) {
    for (const auto& kv : d->as_object()) {
      if (kv.value().is_string()) c.data[std::string(kv.key())] = std::string(kv.value().as_string());
    }
  }
  c.flow_token = r.Str("flow_token");
  if (const auto* steps = r.Arr("active_steps")) {
    for (const auto& s : *steps) {
      cases::ActiveStep a;
      a.def = StepFromJson(s, r);
      Reader sr(s, "active_steps");
      a.started_at = FromUnixMillis(sr.Int("started_at_ms"));
      a.deadline = MsOpt(sr, "deadline_ms");
      c.active_steps.push_back(std::move(a));
    }
  }
  if (const auto* done = r.Arr("done_steps")) {
    for (const auto& s : *done) {
      if (s.is_string()) c.done_steps.emplace_back(s.as_string());
    }
  }
  c.corrections = static_cast<int32_t>(r.Int("corrections"));
  if (const auto* items = r.Arr("correction_items")) {
    for (const auto& s : *items) {
      if (s.is_string()) c.correction_items.emplace_back(s.as_string());
    }
  }
  c.extended = r.Bool("extended");
  if (auto d = r.Str("decision"); !d.empty()) c.decision = cases::ParseDecision(d);
  c.decision_reason = r.Str("decision_reason");
  c.fee_due_fen = r.Int("fee_due_fen");
  c.fee_paid_fen = r.Int("fee_paid_fen");
  c.verification_deadline = MsOpt(r, "verification_deadline_ms");
  if (const json::value* v = r.Get("verified", false); v && v->is_bool()) c.verified = v->as_bool();
  c.supervised = r.Bool("supervised");
  c.submitted_at = FromUnixMillis(r.Int("submitted_at_ms", true));
  c.accepted_at = MsOpt(r, "accepted_at_ms");
  c.concluded_at = MsOpt(r, "concluded_at_ms");
  c.delivered_at = MsOpt(r, "delivered_at_ms");
  c.closed_at = MsOpt(r, "closed_at_ms");
  c.version = r.Int("version");
  if (const json::value* s = r.Get("statutory", false)) {
    auto clock = ClockFromJson(*s);
    if (!clock.ok()) return clock.error();
    c.statutory = std::move(*clock);
  }
  if (const json::value* p = r.Get("promised", false)) {
    auto clock = ClockFromJson(*p);
    if (!clock.ok()) return clock.error();
    c.promised = std::move(*clock);
  }
  if (r.error_) return *r.error_;
  return c;
}

}  // namespace xn::store
