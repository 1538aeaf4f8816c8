// Calendar files: the per-year holiday data in data/calendar/YYYY.toml (format:
// docs/calendar.md), read into the domain's YearData.
//
// Each file holds one State Council notice year. Loading checks what the domain cannot see with
// a line number: the file name matches `year`, known keys only, TOML dates, every date within
// the year (a 元旦 block and its make-up days may start in the December before), blocks in
// date order without overlap, make-up workdays on a Saturday or Sunday, outside every block,
// naming a block of the file. Cross-year overlap is checked by Calendar::Build.
//
// Thread-safety: plain functions; reads the file system, holds no state.
#pragma once

#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/common/result.h"

namespace xn::calendar {

// Reads every YYYY.toml in `dir` (other files and sub-directories are ignored), ascending by
// year. Errors: kInvalidArgument "calendar.bad_file" with "PATH:LINE: what is wrong" for a
// malformed file or a failed check; kNotFound "calendar.no_data" if `dir` is missing or holds
// no year file.
Result<std::vector<YearData>> LoadCalendarDir(const std::string& dir);

// Reads one year file. Errors: as LoadCalendarDir.
Result<YearData> LoadCalendarFile(const std::string& path);

// Parses a file's text; `path` is used for messages and, if it names YYYY.toml, checked
// against `year`. Errors: kInvalidArgument "calendar.bad_file".
Result<YearData> ParseCalendarFile(const std::string& text, const std::string& path);

}  // namespace xn::calendar
