// The cases benchmark's load generator: CONNECTIONS workers (64 by default) each loop over whole
// case lives on a running xiaoneng until SECONDS have passed (a case started before the end is
// finished). A life is six durable actions, each its own HTTP request by the user who may act:
//   POST /api/v1/cases                                   applicant   (submit, 201)
//   POST /api/v1/cases/{id}/actions accept               clerk.scjg
//   POST /api/v1/cases/{id}/actions complete_step review handler.scjg
//   POST /api/v1/cases/{id}/actions complete_step approve head.scjg
//   POST /api/v1/cases/{id}/actions conclude grant       head.scjg
//   POST /api/v1/cases/{id}/actions deliver              clerk.scjg
// Every answer must be 2xx and the last must say "delivered"; anything else is an error, is
// counted and printed (the first few in full), and ends that case. Keep-alive connections, at
// most CONNECTIONS sockets. Prints actions/s, completed cases/s, p50/p99 action latency and
// errors; the last line is "completed_per_second N errors N" for bench/cases.sh.
// Usage: node cases_http.mjs URL [SECONDS] [CONNECTIONS]
import http from 'node:http';

const base = new URL(process.argv[2]);
const seconds = Number(process.argv[3] || process.env.XN_BENCH_SECONDS || 15);
const connections = Number(process.argv[4] || 64);
const password = process.env.XN_DEMO_PASSWORD || 'Xiaoneng@2026demo';
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });

function Request(method, path, body, token) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json' };
  if (payload) headers['content-length'] = payload.length;
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
    req.on('error', reject);
    req.end(payload);
  });
}

async function Login(username) {
  const r = await Request('POST', '/api/v1/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return JSON.parse(r.text).token;
}

const [applicant, clerk, handler, head] = await Promise.all(
  ['applicant', 'clerk.scjg', 'handler.scjg', 'head.scjg'].map(Login));

const kSubmit = {
  matter_code: '350582-SCJG-001',
  applicant_kind: 'enterprise',
  applicant_code: '91350582MA2XYK123U',
  applicant_name: '某公司',
};
const kSteps = [
  [clerk, { action: 'accept' }],
  [handler, { action: 'complete_step', step_id: 'review' }],
  [head, { action: 'complete_step', step_id: 'approve' }],
  [head, { action: 'conclude', decision: 'grant' }],
  [clerk, { action: 'deliver' }],
];

const latencies_us = [];
let actions = 0;
let completed = 0;
let errors = 0;
const errors_by_kind = new Map();

function Failed(what, r) {
  errors++;
  const kind = `${what}: ${r.status ?? r.code ?? r.message}`;
  errors_by_kind.set(kind, (errors_by_kind.get(kind) || 0) + 1);
  if (errors <= 3) console.error(`error ${kind} ${(r.text ?? r.stack ?? '').slice(0, 400)}`);
}

// One timed action; returns the answer, or null after counting an error.
async function Act(what, method, path, body, token) {
  const t = process.hrtime.bigint();
  let r;
  try {
    r = await Request(method, path, body, token);
  } catch (e) {
    Failed(what, e);
    return null;
  }
  latencies_us.push(Number((process.hrtime.bigint() - t) / 1000n));
  actions++;
  if (r.status < 200 || r.status > 299) {
    Failed(what, r);
    return null;
  }
  return r;
}

async function CaseLife() {
  const created = await Act('submit', 'POST', '/api/v1/cases', kSubmit, applicant);
  if (!created) return;
  const id = JSON.parse(created.text).id;
  let last;
  for (const [token, body] of kSteps) {
    const what = body.step_id ? `${body.action} ${body.step_id}` : body.action;
    last = await Act(what, 'POST', `/api/v1/cases/${id}/actions`, body, token);
    if (!last) return;
  }
  if (JSON.parse(last.text).state !== 'delivered') {
    Failed('final state', { status: 'not delivered', text: last.text });
    return;
  }
  completed++;
}

const t0 = performance.now();
const deadline = t0 + seconds * 1000;
async function Worker() {
  while (performance.now() < deadline) await CaseLife();
}
await Promise.all(Array.from({ length: connections }, Worker));
const elapsed = (performance.now() - t0) / 1000;
agent.destroy();

latencies_us.sort((a, b) => a - b);
const pct = (p) =>
  latencies_us.length ? (latencies_us[Math.min(latencies_us.length - 1,
    Math.floor((p / 100) * latencies_us.length))] / 1000).toFixed(1) : 'n/a';
console.log(`xiaoneng, ${connections} connections, ${elapsed.toFixed(1)} s: ${actions} actions, ` +
  `${completed} cases completed (6 durable actions each)`);
console.log(`  actions/s ${(actions / elapsed).toFixed(0)}   completed cases/s ` +
  `${(completed / elapsed).toFixed(1)}   p50 ${pct(50)} ms   p99 ${pct(99)} ms   ` +
  `max ${pct(100)} ms   errors ${errors}`);
for (const [k, n] of errors_by_kind) console.log(`  error ${k} x${n}`);
console.log(`completed_per_second ${(completed / elapsed).toFixed(1)} errors ${errors}`);
