// The demo city's power list and case history: about thirty real-world matters of the demo
// departments, published, and a few hundred cases whose lives were simulated over the weeks
// before now through the same domain rules as real cases, so every state occurs, some cases
// are paused, some overdue, and the record of events is consistent.
#pragma once

#include "domain/calendar/calendar.h"
#include "store/cases/case_store.h"
#include "store/catalog/catalog_store.h"
#include "store/identity/identity_store.h"

namespace xn::app {

// Seeds matters and cases. REQUIRES: SeedDemoCity has run on this database; no matters yet.
Status SeedDemoCases(db::Database& db, store::IdentityStore& identity,
                     store::CatalogStore& catalog, const calendar::Calendar& calendar, Instant now);

}  // namespace xn::app
