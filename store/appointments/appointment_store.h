// The appointment repository (预约办): bookable slots per window, and the appointments taken in
// them. A slot has a number of seats (its capacity); an appointment holds one seat, a row
// (slot_id, seat) that the schema keeps unique. The seat is chosen inside the single writer's
// transaction, so two bookings of the last seat can never both succeed: the second one finds
// no free seat and is refused. A cancelled appointment gives its seat back (its seat number is
// set to minus its id, which keeps the unique key and frees the number).
//
// Access checks (who may open, book, cancel, attend) happen in the HTTP layer before these
// calls; this class keeps integrity (no overlap, no double booking, no past booking) and appends
// one event per change in the same transaction.
//
// Thread-safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::store {

struct AppointmentSlot {
  int64_t id = 0;
  int64_t window_id = 0;
  int64_t department_id = 0;  // the window's department
  Instant starts_at, ends_at;
  int32_t capacity = 1;
  int32_t booked = 0;  // seats held by booked or attended appointments
};

// A slot to open: [starts_at, ends_at) at a window, with CAPACITY seats.
struct NewSlot {
  Instant starts_at, ends_at;
  int32_t capacity = 1;
};

enum class AppointmentState { kBooked, kCancelled, kAttended, kMissed };
std::string_view AppointmentStateName(AppointmentState s);  // "booked", ...
std::string_view AppointmentStateTitle(AppointmentState s);  // "已预约", ...

struct Appointment {
  int64_t id = 0;
  int64_t slot_id = 0;
  int32_t seat = 0;  // 1..capacity while it holds a seat; negative once cancelled
  std::string matter_code;
  std::optional<int64_t> booker_user_id;
  std::string contact_name, contact_phone;
  AppointmentState state = AppointmentState::kBooked;
  Instant created_at;
  // Of its slot and window, for display and access checks.
  Instant starts_at, ends_at;
  int64_t window_id = 0;
  std::string window_code, window_name;
  int64_t department_id = 0;
  std::string department_name;
};

struct NewAppointment {
  int64_t slot_id = 0;
  std::string matter_code;
  std::optional<int64_t> booker_user_id;
  std::string contact_name, contact_phone;
};

struct AppointmentQuery {
  std::optional<int64_t> booker_user_id;
  std::optional<int64_t> department_id;
  std::optional<std::string> region_prefix;  // departments whose region code starts so
  std::optional<Instant> from, to;           // slot start in [from, to)
  PageRequest page;
};

class AppointmentStore {
 public:
  explicit AppointmentStore(db::Database& db) : db_(db) {}

  // Opens SLOTS at window WINDOW_ID, all or none, with one "appointment.slot_opened" event each.
  // Errors: kNotFound (no such window), kConflict "appointments.slot_overlap" if a slot overlaps
  // one already open at the window (or another of SLOTS).
  Result<std::vector<AppointmentSlot>> OpenSlots(int64_t window_id,
                                                 const std::vector<NewSlot>& slots,
                                                 const Actor& actor);
  // The same, inside a transaction the caller runs (the demo city).
  static Result<std::vector<AppointmentSlot>> OpenSlotsIn(db::WriteTx& tx, int64_t window_id,
                                                          const std::vector<NewSlot>& slots,
                                                          const Actor& actor);

  // The slots of WINDOW_ID starting in [FROM, TO), in time order, with their booked seats.
  Result<std::vector<AppointmentSlot>> ListSlots(int64_t window_id, Instant from,
                                                 Instant to) const;
  Result<AppointmentSlot> GetSlot(int64_t id) const;

  // Books the first free seat of the slot, deciding at NOW (= actor.at) inside the writer's
  // transaction. Errors: kNotFound (no such slot), kFailedPrecondition "appointments.slot_past"
  // (the slot has begun), kConflict "appointments.already_booked" (the booker holds a seat in
  // this slot), kConflict "appointments.slot_full" (no seat left).
  Result<Appointment> Book(const NewAppointment& a, const Actor& actor);

  // Cancels a booked appointment and frees its seat; "appointment.cancelled".
  // Errors: kNotFound, kFailedPrecondition "appointments.not_booked".
  Result<Appointment> Cancel(int64_t id, const std::string& reason, const Actor& actor);
  // Records that the applicant came; "appointment.attended".
  // Errors: kNotFound, kFailedPrecondition "appointments.not_booked".
  Result<Appointment> Attend(int64_t id, const Actor& actor);

  Result<Appointment> Get(int64_t id) const;
  // Appointments matching Q, by slot start then id.
  Result<PageOf<Appointment>> List(const AppointmentQuery& q) const;

 private:
  Result<Appointment> Transition(int64_t id, AppointmentState to, const char* event_kind,
                                 const std::string& reason, const Actor& actor);
  db::Database& db_;
};

}  // namespace xn::store
