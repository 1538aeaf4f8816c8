#include "app/build_calendar.h"

#include "store/calendar/calendar_files.h"

namespace xn::app {

Result<std::shared_ptr<const calendar::Calendar>> BuildCalendar(const std::string& dir,
                                                                store::IdentityStore& store) {
  auto years = calendar::LoadCalendarDir(dir);
  if (!years.ok()) return years.error();
  auto stored = store.ListLocalDays();
  if (!stored.ok()) return stored.error();
  std::vector<calendar::LocalDay> local;
  for (const auto& d : *stored) {
    auto date = calendar::ParseDate(d.date);
    if (!date.ok()) continue;
    local.push_back({*date,
                     d.kind == "holiday" ? calendar::LocalDayKind::kHoliday
                                         : calendar::LocalDayKind::kWorkday,
                     d.name});
  }
  calendar::CalendarOptions opt;
  opt.allow_provisional = true;  // later years answer, marked provisional (DOMAIN.md)
  auto cal = calendar::Calendar::Build(std::move(*years), std::move(local), opt);
  if (!cal.ok()) return cal.error();
  return std::make_shared<const calendar::Calendar>(std::move(*cal));
}

}  // namespace xn::app
