// The peer of the memory benchmark: N bpmn-engine instances of the case flow (flow.mjs), each
// started and left waiting at its first user task (accept), all held in this one Node.js process
// as bpmn-engine keeps them (nothing durable). Measures, with a full GC before each reading, the
// growth of process.memoryUsage().rss and .heapUsed per waiting instance, and the size of one
// instance's state serialized with engine.getState() as JSON (what one would store to keep it).
// Prints the figures and the last line "rss_per_instance B heap_per_instance B serialized B".
// Usage: node --expose-gc memory.mjs [N]
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { ParsedFlow } from './flow.mjs';

if (!global.gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] || 2000);
const moddleContext = await ParsedFlow();

function Measure() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

// Starts one instance; resolves with its engine once it waits at a user task.
function StartWaiting(i) {
  return new Promise((resolve, reject) => {
    const listener = new EventEmitter();
    const engine = new Engine({ name: `case-${i}`, moddleContext });
    listener.once('wait', () => resolve(engine));
    engine.once('error', reject);
    engine.execute({ listener }).catch(reject);
  });
}

// Warm up the code paths, so that compiled code is not counted per instance.
await Promise.all(Array.from({ length: 50 }, (_, i) => StartWaiting(-i)))
  .then((es) => Promise.all(es.map((e) => e.stop())));
const before = Measure();
const held = [];
for (let i = 0; i < n; i++) held.push(await StartWaiting(i));
const after = Measure();
for (const e of held) {
  if (e.state !== 'running' || e.execution.getPostponed().length !== 1) {
    throw new Error(`instance ${e.name} is not waiting`);
  }
}
const sample = held.slice(0, 100);
let bytes = 0;
for (const e of sample) bytes += Buffer.byteLength(JSON.stringify(await e.getState()));
const rss = (after.rss - before.rss) / n;
const heap = (after.heap - before.heap) / n;
const serialized = bytes / sample.length;
console.log(`bpmn-engine, ${n} instances waiting at user task "accept": ` +
  `rss +${(rss / 1024).toFixed(1)} KB, heapUsed +${(heap / 1024).toFixed(1)} KB per instance, ` +
  `getState() JSON ${(serialized / 1024).toFixed(1)} KB per instance`);
console.log(`rss_per_instance ${rss.toFixed(0)} heap_per_instance ${heap.toFixed(0)} ` +
  `serialized ${serialized.toFixed(0)}`);
process.exit(0);
