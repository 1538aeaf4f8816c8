#include <cstdlib>
#include <string>

#include "app/commands.h"

namespace xn::app {

std::string DefaultCalendarDir() {
  if (const char* dir = std::getenv("XN_CALENDAR_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::string(XN_SOURCE_DIR) + "/data/calendar";
}

}  // namespace xn::app
