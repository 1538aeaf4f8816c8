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

std::string DefaultRulesFile() {
  if (const char* file = std::getenv("XN_RULES_FILE"); file != nullptr && *file != '\0') {
    return file;
  }
  return std::string(XN_SOURCE_DIR) + "/data/rules/builtin.rules";
}

}  // namespace xn::app
