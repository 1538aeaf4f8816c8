// Durable writes per second through the single writer with group commit, with 1, 8 and 64
// concurrent writers. Each write inserts one row and appends one event; Write returns only after
// the COMMIT (synchronous=FULL, WAL), so items/s is acknowledged, crash-safe writes per second.
// With more writers, more jobs share each COMMIT's fsync.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "store/db/database.h"

namespace {

namespace fs = std::filesystem;
using xn::Result;
using xn::db::Database;
using xn::db::NewEvent;
using xn::db::WriteTx;

std::unique_ptr<Database> g_db;
fs::path g_dir;
std::atomic<int64_t> g_next_id{0};

void BM_DurableWrites(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_dir = fs::temp_directory_path() / ("xn_store_bench_" + std::to_string(::getpid()));
    fs::remove_all(g_dir);
    fs::create_directories(g_dir);
    Database::Options options;
    options.path = (g_dir / "bench.db").string();
    auto db = Database::Open(options, xn::db::BuiltinMigrations());
    if (!db.ok()) {
      state.SkipWithError(db.error().message.c_str());
      return;
    }
    g_db = std::move(*db);
  }
  for (auto _ : state) {
    if (g_db == nullptr) break;
    const std::string code = "r" + std::to_string(g_next_id.fetch_add(1));
    auto seq = g_db->Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
      auto st = tx.conn().Prepare("INSERT INTO regions (code, name, level) VALUES (?, ?, ?)");
      if (!st.ok()) return st.error();
      xn::Status s = (*st)->Bind(1, std::string_view(code)).Bind(2, "bench").Bind(3, "county").Run();
      if (!s.ok()) return s.error();
      return tx.AppendEvent(NewEvent{0, "bench", "region.created", "region:" + code, "{}"});
    });
    if (!seq.ok()) {
      state.SkipWithError(seq.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(seq);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    g_db.reset();
    fs::remove_all(g_dir);
  }
}

BENCHMARK(BM_DurableWrites)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
