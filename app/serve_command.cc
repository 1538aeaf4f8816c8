// `xiaoneng serve`: opens the database, loads the calendar, wires the HTTP server.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <thread>

#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "app/build_calendar.h"
#include "app/commands.h"
#include "app/demo.h"
#include "app/demo_cases.h"
#include "app/demo_projects.h"
#include "app/open_database.h"
#include "domain/calendar/calendar.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/webhook.h"
#include "store/calendar/calendar_files.h"
#include "store/db/event_feed.h"
#include "store/db/leader.h"
#include "store/supervision/engine.h"
#include "store/supervision/supervision_store.h"
#include "store/identity/auth.h"
#include "store/identity/password.h"

namespace xn::app {
namespace {

struct ServeOptions {
  std::string db;
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
  bool demo = false;
  bool fake_clock = false;
  std::string clock_start;
  std::string calendar_dir;
  std::string web_root;
  int threads = 16;
  int io_threads = 0;
  bool secure_cookies = false;
  std::string webhook_url;
};

Result<Instant> ParseClockStart(const std::string& text) {
  // YYYY-MM-DDTHH:MM in Asia/Shanghai.
  int y, mo, d, h, mi;
  char tail;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5) {
    return MakeError(ErrorCode::kInvalidArgument, "cli.clock_start",
                     "--clock-start takes YYYY-MM-DDTHH:MM (Asia/Shanghai)");
  }
  auto date = calendar::Date::FromYmd(y, mo, d);
  return calendar::ShanghaiStartOfDay(date) + std::chrono::hours(h) + std::chrono::minutes(mi);
}

int Serve(const ServeOptions& o) {
  if (!store::InitCrypto()) {
    std::cerr << "error: libsodium failed to start\n";
    return 1;
  }
  auto db = OpenDatabase(o.db);
  if (!db.ok()) {
    std::cerr << "error: " << db.error().message << "\n";
    return 1;
  }
  SystemClock system_clock;
  std::unique_ptr<FakeClock> fake;
  if (o.fake_clock) {
    Instant start = system_clock.Now();
    if (!o.clock_start.empty()) {
      auto s = ParseClockStart(o.clock_start);
      if (!s.ok()) {
        std::cerr << "error: " << s.error().message << "\n";
        return 2;
      }
      start = *s;
    }
    fake = std::make_unique<FakeClock>(start);
  }
  const Clock& clock = fake ? static_cast<const Clock&>(*fake) : system_clock;

  store::IdentityStore identity(**db);
  if (auto s = identity.EnsureBuiltinRoles({"system", clock.Now()}); !s.ok()) {
    std::cerr << "error: " << s.error().message << "\n";
    return 1;
  }
  bool seed_demo = false;
  if (o.demo) {
    auto empty = identity.Empty();
    if (!empty.ok()) {
      std::cerr << "error: " << empty.error().message << "\n";
      return 1;
    }
    seed_demo = *empty;
    if (seed_demo) {
      if (auto s = SeedDemoCity(identity, {"demo", clock.Now()}); !s.ok()) {
        std::cerr << "error: seeding the demo city: " << s.error().message << "\n";
        return 1;
      }
    }
  }

  const std::string calendar_dir = o.calendar_dir.empty() ? DefaultCalendarDir() : o.calendar_dir;
  calendar::CalendarRegistry calendars;
  {
    auto cal = BuildCalendar(calendar_dir, identity);
    if (!cal.ok()) {
      std::cerr << "error: calendar: " << cal.error().message << "\n";
      return 1;
    }
    calendars.Replace(*cal);
  }
  store::CatalogStore catalog(**db);
  store::CaseStore case_store(**db);
  if (seed_demo) {
    if (auto s = SeedDemoCases(**db, identity, catalog, *calendars.Current(), clock.Now());
        !s.ok()) {
      std::cerr << "error: seeding the demo cases: " << s.error().message << "\n";
      return 1;
    }
    if (auto s = SeedDemoProjects(**db, identity, catalog, *calendars.Current(), clock.Now());
        !s.ok()) {
      std::cerr << "error: seeding the demo key project: " << s.error().message << "\n";
      return 1;
    }
  }

  store::AuthService auth(identity, clock);
  auth.Sweep();
  store::MaterialStore materials(**db);
  http::FlowCache flows(
      [&identity] {
        std::vector<std::string> codes;
        if (auto all = identity.ListDepartments(); all.ok()) {
          for (const auto& d : *all) codes.push_back(d.code);
        }
        return codes;
      },
      [&identity](int64_t id) {
        auto d = identity.GetDepartment(id);
        return d.ok() ? d->region_code : std::string();
      });
  http::Metrics metrics;
  http::Router router(&auth);
  http::ApiContext ctx{**db,
                       identity,
                       auth,
                       clock,
                       fake.get(),
                       metrics,
                       calendars,
                       [&]() -> Status {
                         auto cal = BuildCalendar(calendar_dir, identity);
                         if (!cal.ok()) return cal.error();
                         calendars.Replace(*cal);
                         return Ok();
                       },
                       XN_VERSION,
                       o.secure_cookies,
                       &catalog,
                       &case_store,
                       &flows,
                       &materials};
  // Leadership among the processes sharing the database: the holder runs the timers that must
  // run once. Shown by /healthz and the xn_leader gauge.
  prometheus::Gauge& leader_gauge = prometheus::BuildGauge()
                                        .Name("xn_leader")
                                        .Help("1 while this process holds leadership")
                                        .Register(metrics.registry())
                                        .Add({});
  db::Leadership leadership({.location = o.db, .on_change = [&leader_gauge](bool leader) {
                               leader_gauge.Set(leader ? 1 : 0);
                               std::printf("leadership: %s\n",
                                           leader ? "this process is the leader"
                                                  : "this process is no longer the leader");
                               std::fflush(stdout);
                             }});
  ctx.leadership = &leadership;

  // What other processes sharing the database do reaches this one's caches through the events.
  db::EventFeed feed(**db);
  feed.Subscribe([&](const db::Event& e) {
    auth.Follow(e.kind, e.subject);
    if (e.kind.rfind("calendar.", 0) == 0) (void)ctx.reload_calendar();
  });
  auto head = db::HeadSeq(**db);
  if (!head.ok()) {
    std::cerr << "error: " << head.error().message << "\n";
    return 1;
  }
  feed.Start(*head);

  // Electronic supervision: the engine runs in the leading process only.
  store::SupervisionStore supervision(**db);
  std::string builtin_rules;
  {
    std::ifstream in(DefaultRulesFile(), std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot read the built-in rule set " << DefaultRulesFile() << "\n";
      return 1;
    }
    builtin_rules.assign(std::istreambuf_iterator<char>(in), {});
  }
  store::SupervisionEngine engine({.db = **db,
                                   .store = supervision,
                                   .cases = case_store,
                                   .calendars = calendars,
                                   .clock = clock,
                                   .is_leader = [&leadership] { return leadership.is_leader(); },
                                   .builtin_rules = builtin_rules});
  if (Status s = engine.Start(); !s.ok()) {
    std::cerr << "error: supervision rules: " << s.error().message << "\n";
    return 1;
  }
  ctx.supervision = &supervision;
  ctx.engine = &engine;
  std::unique_ptr<http::WebhookSender> webhook;
  if (!o.webhook_url.empty()) {
    auto started = http::WebhookSender::Start(supervision, clock, o.webhook_url,
                                              [&leadership] { return leadership.is_leader(); });
    if (!started.ok()) {
      std::cerr << "error: " << started.error().message << "\n";
      return 2;
    }
    webhook = std::move(*started);
  }
  router.on_denied = [&](const http::Request& req, const std::string& permission) {
    (void)identity.AppendAudit(
        "access.denied", "route:" + req.path,
        R"({"permission":")" + permission + R"(","method":")" +
            std::string(boost::beast::http::to_string(req.method)) + R"("})",
        http::ActorOf(req, clock));
  };
  http::RegisterRoutes(router, ctx);

  http::ServerOptions so;
  so.bind = o.bind;
  so.port = o.port;
  so.threads = o.threads;
  so.io_threads = o.io_threads;
  so.secure_cookies = o.secure_cookies;
  so.web_root = o.web_root;
  if (so.web_root.empty()) {
    std::string built = std::string(XN_SOURCE_DIR) + "/web/dist";
    if (std::filesystem::exists(built + "/index.html")) so.web_root = built;
  }
  http::Server server(so, router, metrics);
  auto port = server.Listen();
  if (!port.ok()) {
    std::cerr << "error: " << port.error().message << "\n";
    return 1;
  }

  // Signals are taken by one thread with sigwait, so the server stops cleanly on Ctrl-C.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != 0) server.Stop();
  });

  if (o.demo) {
    std::printf("演示城市：福建省泉州市晋江市（demo city）。演示账号（密码均为 %s）：\n",
                kDemoPassword);
    for (const auto& l : DemoLogins()) {
      std::printf("  %-14s %-16s %s\n", l.username.c_str(), l.role.c_str(), l.who.c_str());
    }
  }
  if (fake) std::printf("fake clock: now %s\n", http::IsoLocal(clock.Now()).c_str());
  if (so.web_root.empty()) {
    std::printf("note: the web app is not built (web/dist missing); the API is served alone\n");
  }
  std::printf("xiaoneng listening on http://%s:%u\n",
              o.bind == "0.0.0.0" ? "localhost" : o.bind.c_str(), static_cast<unsigned>(*port));
  std::fflush(stdout);

  server.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& root, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = root.add_subcommand("serve", "Run the HTTP server and the web application");
  cmd->add_option("--db", o->db, "SQLite file path (or sqlite:PATH) or postgresql:// URL")
      ->required();
  cmd->add_option("--bind", o->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0 picks a free one)")->capture_default_str();
  cmd->add_flag("--demo", o->demo, "Seed the demo city into an empty database");
  cmd->add_flag("--fake-clock", o->fake_clock,
                "Run on a fake clock moved by POST /api/v1/clock/advance (tests, demos)");
  cmd->add_option("--clock-start", o->clock_start,
                  "With --fake-clock: the starting time, YYYY-MM-DDTHH:MM (Asia/Shanghai)");
  cmd->add_option("--calendar-dir", o->calendar_dir, "Directory of the calendar year files");
  cmd->add_option("--web-root", o->web_root, "Directory of the built web app");
  cmd->add_option("--threads", o->threads, "Worker threads for requests that may block")
      ->capture_default_str();
  cmd->add_option("--io-threads", o->io_threads, "I/O threads (0: one per core)")
      ->capture_default_str();
  cmd->add_option("--webhook-url", o->webhook_url,
                  "POST every notification (alerts, supervision orders) as JSON to this "
                  "http:// URL, e.g. an SMS gateway; retried until it answers 2xx");
  cmd->add_flag("--secure-cookies", o->secure_cookies,
                "Mark the session cookie Secure (when served behind TLS)");
  cmd->callback([o, &exit_code] { exit_code = Serve(*o); });
}

}  // namespace xn::app
