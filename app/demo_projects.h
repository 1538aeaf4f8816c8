// The demo city's key project and appointment slots: one investment project (a shoe factory in
// Jinjiang) whose five approvals across four departments stand in different states (delivered,
// overdue, waiting for corrections, in a special procedure, waiting for acceptance) under the
// demo agent, and bookable slots for the next ten working days at a few windows.
#pragma once

#include "domain/calendar/calendar.h"
#include "store/catalog/catalog_store.h"
#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::app {

// Seeds the key project, its cases and the appointment slots, in one transaction.
// REQUIRES: SeedDemoCity and SeedDemoCases have run on this database.
Status SeedDemoProjects(db::Database& db, store::IdentityStore& identity,
                        store::CatalogStore& catalog, const calendar::Calendar& calendar,
                        Instant now);

}  // namespace xn::app
