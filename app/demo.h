// The demo city: a deterministic county-level city (晋江市, under 泉州市, 福建省) with about
// twenty departments, the windows of its administrative service center, sections, and staff in
// every built-in role. Seeded by `serve --demo` into an empty database.
#pragma once

#include <string>
#include <vector>

#include "domain/common/result.h"
#include "store/identity/identity_store.h"

namespace xn::app {

inline constexpr const char* kDemoPassword = "Xiaoneng@2026demo";

struct DemoLogin {
  std::string username, role, who;
};

// Seeds the demo city. REQUIRES: the store has no users.
Status SeedDemoCity(store::IdentityStore& store, const store::Actor& actor);

// The demo accounts, for printing at start.
const std::vector<DemoLogin>& DemoLogins();

}  // namespace xn::app
