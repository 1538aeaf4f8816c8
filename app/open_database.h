// Opens the database named by a --db argument.
#pragma once

#include <memory>
#include <string>

#include "store/db/database.h"

namespace xn::app {

// A SQLite file path opens (and migrates) that file. A postgresql:// URL is refused with a
// clear message: the PostgreSQL adapter is not built yet.
Result<std::unique_ptr<db::Database>> OpenDatabase(const std::string& db);

}  // namespace xn::app
