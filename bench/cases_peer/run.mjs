// The peer of the cases benchmark: the npm bpmn-engine running the case flow (flow.mjs) in memory
// in this one Node.js process. Each of CONCURRENCY loops (64 by default, as the 64 connections
// of bench/cases_http.mjs) starts an instance (the submission), signals each user task the
// moment it waits (accept, review, approve, conclude, deliver: no think time, no HTTP, no
// authorisation, no deadline arithmetic), and starts the next instance when the instance ends,
// until SECONDS have passed. Nothing is durable: no instance state is serialized or written
// anywhere, and a crash loses every instance in flight.
// Prints completed instances per second and the last line "completed_per_second N".
// Usage: node run.mjs [SECONDS] [CONCURRENCY]
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { ParsedFlow, userTasks } from './flow.mjs';

const seconds = Number(process.argv[2] || process.env.XN_BENCH_SECONDS || 15);
const concurrency = Number(process.argv[3] || 64);
const moddleContext = await ParsedFlow();

let signals = 0;

// One whole instance: resolves when it reaches its end event.
function RunInstance(n) {
  return new Promise((resolve, reject) => {
    const listener = new EventEmitter();
    listener.on('wait', (api) => {
      if (api.type !== 'bpmn:UserTask') return;
      signals++;
      api.signal({ by: 'bench' });
    });
    const engine = new Engine({ name: `case-${n}`, moddleContext });
    engine.once('end', () => resolve());
    engine.once('error', reject);
    engine.execute({ listener }).catch(reject);
  });
}

let started = 0;
let completed = 0;
const deadline = performance.now() + seconds * 1000;
const t0 = performance.now();
async function Loop() {
  while (performance.now() < deadline) {
    await RunInstance(started++);
    completed++;
  }
}
await Promise.all(Array.from({ length: concurrency }, Loop));
const elapsed = (performance.now() - t0) / 1000;
const expected = completed * userTasks.length;
if (signals < expected) throw new Error(`only ${signals} signals for ${completed} instances`);
const rate = completed / elapsed;
console.log(
  `bpmn-engine in memory, ${concurrency} in flight, ${elapsed.toFixed(1)} s: ` +
    `${completed} instances completed, ${(signals / elapsed).toFixed(0)} user-task signals/s`);
console.log(`completed_per_second ${rate.toFixed(1)}`);
