// The calendar in force for a database: the State Council year files plus the local days kept in
// the store (calendar_local_days). Shared by `serve` and the commands that compute deadlines.
#pragma once

#include <memory>
#include <string>

#include "domain/calendar/calendar.h"
#include "store/identity/identity_store.h"

namespace xn::app {

// Builds the calendar from the year files in DIR and the local days in STORE; later years answer
// provisionally (weekends and fixed-date holidays only, marked provisional). Reads only.
// Errors: the calendar files' (unreadable or invalid year files), the store's.
Result<std::shared_ptr<const calendar::Calendar>> BuildCalendar(const std::string& dir,
                                                                store::IdentityStore& store);

}  // namespace xn::app
