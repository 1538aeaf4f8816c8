// AddWorkingDays throughput over a fixed pseudo-random set of (start, n) inputs, the same set
// bench/calendar_peer/run.mjs gives chinese-days' findWorkday (bench/calendar.sh compares them).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "store/calendar/calendar_files.h"

namespace {

using xn::calendar::Calendar;
using xn::calendar::CalendarDays;
using xn::calendar::Date;
using xn::calendar::WorkingDays;

constexpr int kInputs = 4096;
constexpr int kStartSpanDays = 6800;  // from 2008-01-01, so results stay inside 2008..2026

struct Input {
  Date start;
  WorkingDays n{0};
};

// The inputs: a 32-bit LCG (Numerical Recipes constants), mirrored exactly in run.mjs.
std::vector<Input> MakeInputs() {
  uint32_t x = 20240210u;
  auto next = [&x] {
    x = x * 1664525u + 1013904223u;
    return x;
  };
  std::vector<Input> inputs;
  const Date base = Date::FromYmd(2008, 1, 1);
  for (int i = 0; i < kInputs; ++i) {
    int32_t offset = static_cast<int32_t>((next() >> 8) % kStartSpanDays);
    int32_t n = static_cast<int32_t>((next() >> 8) % 60);
    inputs.push_back({base + CalendarDays(offset), WorkingDays(n)});
  }
  return inputs;
}

const Calendar& RealCalendar() {
  static const Calendar* cal = [] {
    auto years = xn::calendar::LoadCalendarDir(std::string(XN_SOURCE_DIR) + "/data/calendar");
    if (!years.ok()) {
      std::fprintf(stderr, "%s\n", years.error().message.c_str());
      std::exit(1);
    }
    auto built = Calendar::Build(std::move(years).value(), {});
    if (!built.ok()) {
      std::fprintf(stderr, "%s\n", built.error().message.c_str());
      std::exit(1);
    }
    return new Calendar(std::move(built).value());
  }();
  return *cal;
}

void BM_AddWorkingDays(benchmark::State& state) {
  const Calendar& cal = RealCalendar();
  const std::vector<Input> inputs = MakeInputs();
  size_t i = 0;
  for (auto _ : state) {
    const Input& in = inputs[i];
    auto r = cal.AddWorkingDays(in.start, in.n);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kInputs - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddWorkingDays);

void BM_WorkingDaysBetween(benchmark::State& state) {
  const Calendar& cal = RealCalendar();
  const std::vector<Input> inputs = MakeInputs();
  size_t i = 0;
  for (auto _ : state) {
    auto r = cal.WorkingDaysBetween(inputs[i].start, inputs[(i + 1) & (kInputs - 1)].start);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kInputs - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkingDaysBetween);

void BM_Day(benchmark::State& state) {
  const Calendar& cal = RealCalendar();
  const std::vector<Input> inputs = MakeInputs();
  size_t i = 0;
  for (auto _ : state) {
    auto r = cal.Day(inputs[i].start);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kInputs - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Day);

}  // namespace

BENCHMARK_MAIN();
