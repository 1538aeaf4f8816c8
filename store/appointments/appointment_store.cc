#include "store/appointments/appointment_store.h"

#include <boost/json.hpp>

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

struct StateInfo {
  AppointmentState state;
  std::string_view name, title;
};
constexpr StateInfo kStates[] = {
    {AppointmentState::kBooked, "booked", "已预约"},
    {AppointmentState::kCancelled, "cancelled", "已取消"},
    {AppointmentState::kAttended, "attended", "已到场"},
    {AppointmentState::kMissed, "missed", "未到场"},
};

AppointmentState ParseState(std::string_view name) {
  for (const auto& s : kStates) {
    if (s.name == name) return s.state;
  }
  return AppointmentState::kBooked;
}

Error SlotNotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "预约时段不存在"); }
Error NotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "预约不存在"); }

// Seats held: a cancelled appointment has a negative seat.
constexpr const char* kSlotSelect =
    "SELECT s.id, s.window_id, w.department_id, s.starts_ms, s.ends_ms, s.capacity, "
    "(SELECT COUNT(*) FROM appointments a WHERE a.slot_id = s.id AND a.seat > 0) "
    "FROM appointment_slots s JOIN windows w ON w.id = s.window_id";

AppointmentSlot ReadSlot(const Statement& s) {
  AppointmentSlot out;
  out.id = s.Int64(0);
  out.window_id = s.Int64(1);
  out.department_id = s.Int64(2);
  out.starts_at = FromUnixMillis(s.Int64(3));
  out.ends_at = FromUnixMillis(s.Int64(4));
  out.capacity = static_cast<int32_t>(s.Int64(5));
  out.booked = static_cast<int32_t>(s.Int64(6));
  return out;
}

Result<AppointmentSlot> SlotIn(Connection& c, int64_t id) {
  auto st = c.Prepare(std::string(kSlotSelect) + " WHERE s.id = ?1");
  if (!st.ok()) return st.error();
  (*st)->Bind(1, id);
  auto row = (*st)->Step();
  if (!row.ok()) return row.error();
  if (!*row) return SlotNotFound();
  auto out = ReadSlot(**st);
  (*st)->Reset();
  return out;
}

constexpr const char* kAppointmentSelect =
    "SELECT a.id, a.slot_id, a.seat, a.matter_code, a.booker_user_id, a.contact_name, "
    "a.contact_phone, a.state, a.created_at_ms, s.starts_ms, s.ends_ms, w.id, w.code, w.name, "
    "d.id, d.name FROM appointments a JOIN appointment_slots s ON s.id = a.slot_id "
    "JOIN windows w ON w.id = s.window_id JOIN departments d ON d.id = w.department_id";

Appointment ReadAppointment(const Statement& s) {
  Appointment a;
  a.id = s.Int64(0);
  a.slot_id = s.Int64(1);
  a.seat = static_cast<int32_t>(s.Int64(2));
  a.matter_code = s.Text(3);
  a.booker_user_id = s.OptionalInt64(4);
  a.contact_name = s.Text(5);
  a.contact_phone = s.Text(6);
  a.state = ParseState(s.Text(7));
  a.created_at = FromUnixMillis(s.Int64(8));
  a.starts_at = FromUnixMillis(s.Int64(9));
  a.ends_at = FromUnixMillis(s.Int64(10));
  a.window_id = s.Int64(11);
  a.window_code = s.Text(12);
  a.window_name = s.Text(13);
  a.department_id = s.Int64(14);
  a.department_name = s.Text(15);
  return a;
}

Result<Appointment> AppointmentIn(Connection& c, int64_t id) {
  auto st = c.Prepare(std::string(kAppointmentSelect) + " WHERE a.id = ?1");
  if (!st.ok()) return st.error();
  (*st)->Bind(1, id);
  auto row = (*st)->Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound();
  auto out = ReadAppointment(**st);
  (*st)->Reset();
  return out;
}

Status Append(WriteTx& tx, const Actor& a, const char* kind, const std::string& subject,
              const json::object& data) {
  auto r = tx.AppendEvent({ToUnixMillis(a.at), a.id, kind, subject, json::serialize(data)});
  if (!r.ok()) return r.error();
  return Ok();
}

}  // namespace

std::string_view AppointmentStateName(AppointmentState s) {
  for (const auto& i : kStates) {
    if (i.state == s) return i.name;
  }
  return "booked";
}

std::string_view AppointmentStateTitle(AppointmentState s) {
  for (const auto& i : kStates) {
    if (i.state == s) return i.title;
  }
  return "";
}

Result<std::vector<AppointmentSlot>> AppointmentStore::OpenSlots(
    int64_t window_id, const std::vector<NewSlot>& slots, const Actor& actor) {
  return db_.Write<std::vector<AppointmentSlot>>(
      [&](WriteTx& tx) { return OpenSlotsIn(tx, window_id, slots, actor); });
}

Result<std::vector<AppointmentSlot>> AppointmentStore::OpenSlotsIn(
    WriteTx& tx, int64_t window_id, const std::vector<NewSlot>& slots, const Actor& actor) {
  {
    auto w = tx.conn().Prepare("SELECT 1 FROM windows WHERE id = ?1");
    if (!w.ok()) return w.error();
    (*w)->Bind(1, window_id);
    auto row = (*w)->Step();
    if (!row.ok()) return row.error();
    (*w)->Reset();
    if (!*row) return MakeError(ErrorCode::kNotFound, "not_found", "窗口不存在");
  }
  std::vector<AppointmentSlot> out;
  for (const auto& n : slots) {
    // A window serves one time range at a time: a new slot may not overlap an open one (the
    // earlier slots of this same request are already inserted, so they count too).
    auto overlap = tx.conn().Prepare(
        "SELECT starts_ms FROM appointment_slots WHERE window_id = ?1 AND starts_ms < ?3 AND "
        "ends_ms > ?2 LIMIT 1");
    if (!overlap.ok()) return overlap.error();
    (*overlap)->Bind(1, window_id).Bind(2, ToUnixMillis(n.starts_at)).Bind(3, ToUnixMillis(n.ends_at));
    auto row = (*overlap)->Step();
    if (!row.ok()) return row.error();
    (*overlap)->Reset();
    if (*row) {
      return MakeError(ErrorCode::kConflict, "appointments.slot_overlap",
                       "该窗口在此时间已有预约时段", "starts_at");
    }
    auto ins = tx.conn().Prepare(
        "INSERT INTO appointment_slots(window_id, starts_ms, ends_ms, capacity) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (!ins.ok()) return ins.error();
    (*ins)->Bind(1, window_id).Bind(2, ToUnixMillis(n.starts_at)).Bind(3, ToUnixMillis(n.ends_at));
    (*ins)->Bind(4, int64_t{n.capacity});
    if (auto s = (*ins)->Run(); !s.ok()) return s.error();
    int64_t id = tx.conn().LastInsertRowId();
    if (auto s = Append(tx, actor, "appointment.slot_opened", "slot:" + std::to_string(id),
                        {{"window_id", window_id},
                         {"starts_ms", ToUnixMillis(n.starts_at)},
                         {"ends_ms", ToUnixMillis(n.ends_at)},
                         {"capacity", n.capacity}});
        !s.ok()) {
      return s.error();
    }
    auto slot = SlotIn(tx.conn(), id);
    if (!slot.ok()) return slot.error();
    out.push_back(*slot);
  }
  return out;
}

Result<std::vector<AppointmentSlot>> AppointmentStore::ListSlots(int64_t window_id, Instant from,
                                                                 Instant to) const {
  using Out = std::vector<AppointmentSlot>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    auto st = c.Prepare(std::string(kSlotSelect) +
                        " WHERE s.window_id = ?1 AND s.starts_ms >= ?2 AND s.starts_ms < ?3 "
                        "ORDER BY s.starts_ms");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, window_id).Bind(2, ToUnixMillis(from)).Bind(3, ToUnixMillis(to));
    Out out;
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.push_back(ReadSlot(**st));
    }
    return out;
  });
}

Result<AppointmentSlot> AppointmentStore::GetSlot(int64_t id) const {
  return db_.Read<AppointmentSlot>([&](Connection& c) { return SlotIn(c, id); });
}

Result<Appointment> AppointmentStore::Book(const NewAppointment& a, const Actor& actor) {
  auto id = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto slot = SlotIn(tx.conn(), a.slot_id);
    if (!slot.ok()) return slot.error();
    if (slot->starts_at <= actor.at) {
      return MakeError(ErrorCode::kFailedPrecondition, "appointments.slot_past",
                       "该时段已开始或已过去，不能预约", "slot_id");
    }
    if (a.booker_user_id) {
      auto mine = tx.conn().Prepare(
          "SELECT 1 FROM appointments WHERE slot_id = ?1 AND booker_user_id = ?2 AND seat > 0");
      if (!mine.ok()) return mine.error();
      (*mine)->Bind(1, a.slot_id).Bind(2, *a.booker_user_id);
      auto row = (*mine)->Step();
      if (!row.ok()) return row.error();
      (*mine)->Reset();
      if (*row) {
        return MakeError(ErrorCode::kConflict, "appointments.already_booked",
                         "您已预约该时段", "slot_id");
      }
    }
    // The first free seat, chosen inside the writer's transaction: no other booking can run
    // between this read and the insert, and the unique (slot_id, seat) key backs it up.
    auto seats = tx.conn().Prepare(
        "SELECT seat FROM appointments WHERE slot_id = ?1 AND seat > 0 ORDER BY seat");
    if (!seats.ok()) return seats.error();
    (*seats)->Bind(1, a.slot_id);
    int32_t seat = 1;
    while (true) {
      auto row = (*seats)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      if ((*seats)->Int64(0) != seat) break;
      ++seat;
    }
    (*seats)->Reset();
    Error full = MakeError(ErrorCode::kConflict, "appointments.slot_full", "该时段已约满",
                           "slot_id");
    if (seat > slot->capacity) return full;
    auto ins = tx.conn().Prepare(
        "INSERT INTO appointments(slot_id, seat, matter_code, booker_user_id, contact_name, "
        "contact_phone, state, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'booked', ?7)");
    if (!ins.ok()) return ins.error();
    Statement& s = **ins;
    s.Bind(1, a.slot_id).Bind(2, int64_t{seat}).Bind(3, std::string_view(a.matter_code));
    s.Bind(4, a.booker_user_id).Bind(5, std::string_view(a.contact_name));
    s.Bind(6, std::string_view(a.contact_phone)).Bind(7, ToUnixMillis(actor.at));
    if (auto r = s.Run(); !r.ok()) {
      if (r.error().category == ErrorCode::kConflict) return full;
      return r.error();
    }
    int64_t id = tx.conn().LastInsertRowId();
    // The contact's name and phone are personal data: the event records that a seat was taken,
    // not by whom beyond the booking account.
    if (auto r = Append(tx, actor, "appointment.booked", "appointment:" + std::to_string(id),
                        {{"slot_id", a.slot_id},
                         {"seat", seat},
                         {"window_id", slot->window_id},
                         {"matter_code", a.matter_code}});
        !r.ok()) {
      return r.error();
    }
    return id;
  });
  if (!id.ok()) return id.error();
  return Get(*id);
}

Result<Appointment> AppointmentStore::Transition(int64_t id, AppointmentState to,
                                                 const char* event_kind,
                                                 const std::string& reason, const Actor& actor) {
  auto done = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto a = AppointmentIn(tx.conn(), id);
    if (!a.ok()) return a.error();
    if (a->state != AppointmentState::kBooked) {
      return MakeError(ErrorCode::kFailedPrecondition, "appointments.not_booked",
                       "该预约当前为「" + std::string(AppointmentStateTitle(a->state)) +
                           "」，不能再" + (to == AppointmentState::kCancelled ? "取消" : "签到"));
    }
    // A cancelled appointment frees its seat number; minus its id keeps (slot_id, seat) unique.
    auto st = tx.conn().Prepare(
        "UPDATE appointments SET state = ?2, seat = CASE WHEN ?2 = 'cancelled' THEN -id ELSE "
        "seat END WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id).Bind(2, AppointmentStateName(to));
    if (auto r = (*st)->Run(); !r.ok()) return r.error();
    json::object data{{"slot_id", a->slot_id}, {"seat", a->seat}};
    if (!reason.empty()) data["reason"] = reason;
    if (auto r = Append(tx, actor, event_kind, "appointment:" + std::to_string(id), data);
        !r.ok()) {
      return r.error();
    }
    return id;
  });
  if (!done.ok()) return done.error();
  return Get(id);
}

Result<Appointment> AppointmentStore::Cancel(int64_t id, const std::string& reason,
                                             const Actor& actor) {
  return Transition(id, AppointmentState::kCancelled, "appointment.cancelled", reason, actor);
}

Result<Appointment> AppointmentStore::Attend(int64_t id, const Actor& actor) {
  return Transition(id, AppointmentState::kAttended, "appointment.attended", "", actor);
}

Result<Appointment> AppointmentStore::Get(int64_t id) const {
  return db_.Read<Appointment>([&](Connection& c) { return AppointmentIn(c, id); });
}

Result<PageOf<Appointment>> AppointmentStore::List(const AppointmentQuery& q) const {
  using Out = PageOf<Appointment>;
  return db_.Read<Out>([&](Connection& c) -> Result<Out> {
    std::string where =
        " WHERE (CAST(?1 AS BIGINT) IS NULL OR a.booker_user_id = ?1)"
        " AND (CAST(?2 AS BIGINT) IS NULL OR d.id = ?2)"
        " AND (CAST(?3 AS TEXT) IS NULL OR substr(d.region_code, 1, length(?3)) = ?3)"
        " AND (CAST(?4 AS BIGINT) IS NULL OR s.starts_ms >= ?4)"
        " AND (CAST(?5 AS BIGINT) IS NULL OR s.starts_ms < ?5)";
    auto ms = [](const std::optional<Instant>& t) {
      return t ? std::optional<int64_t>(ToUnixMillis(*t)) : std::nullopt;
    };
    auto bind = [&](Statement& s) {
      s.Bind(1, q.booker_user_id).Bind(2, q.department_id).Bind(3, q.region_prefix);
      s.Bind(4, ms(q.from)).Bind(5, ms(q.to));
    };
    const std::string from =
        " FROM appointments a JOIN appointment_slots s ON s.id = a.slot_id "
        "JOIN windows w ON w.id = s.window_id JOIN departments d ON d.id = w.department_id";
    Out out;
    auto count = c.Prepare("SELECT COUNT(*)" + from + where);
    if (!count.ok()) return count.error();
    bind(**count);
    if (auto r = (*count)->Step(); !r.ok()) return r.error();
    out.total = (*count)->Int64(0);
    (*count)->Reset();
    auto st = c.Prepare(std::string(kAppointmentSelect) + where +
                        " ORDER BY s.starts_ms, a.id LIMIT ?6 OFFSET ?7");
    if (!st.ok()) return st.error();
    bind(**st);
    (*st)->Bind(6, int64_t{q.page.page_size});
    (*st)->Bind(7, int64_t{q.page.page - 1} * q.page.page_size);
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.items.push_back(ReadAppointment(**st));
    }
    return out;
  });
}

}  // namespace xn::store
