// Peer benchmark: chinese-days' findWorkday over the inputs of bench/calendar_bench.cc (the same
// 32-bit LCG). Prints "chinese-days findWorkday: N/s". Run under TZ=Asia/Shanghai.
import cd from 'chinese-days';

const days = cd.default ?? cd;
if (process.env.TZ !== 'Asia/Shanghai') {
  console.error('run with TZ=Asia/Shanghai');
  process.exit(2);
}
const kInputs = 4096;
const kStartSpanDays = 6800;
let x = 20240210;
const next = () => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x; };
const inputs = [];
for (let i = 0; i < kInputs; ++i) {
  const offset = (next() >>> 8) % kStartSpanDays;
  const n = (next() >>> 8) % 60;
  const start = new Date(Date.UTC(2008, 0, 1) + offset * 86400000).toISOString().slice(0, 10);
  inputs.push([start, n]);
}
// Warm up, then run for about two seconds.
for (let i = 0; i < 2000; ++i) days.findWorkday(inputs[i % kInputs][1], inputs[i % kInputs][0]);
const seconds = Number(process.argv[2] ?? 2);
let calls = 0;
let sink = '';
const t0 = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < seconds) {
  for (let j = 0; j < 256; ++j, ++calls) {
    const [start, n] = inputs[calls % kInputs];
    sink = days.findWorkday(n, start);
  }
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
}
if (sink.length !== 10) throw new Error('unexpected result');
console.log(`chinese-days findWorkday: ${Math.round(calls / elapsed)}/s`);
