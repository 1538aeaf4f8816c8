// Compares `xiaoneng calendar day --batch` and `add-workdays --batch` with the npm package
// chinese-days: every date 2008-01-01..2026-12-31, and 10,000 pseudo-random add-workdays cases.
// Prints each disagreement and exits 1 if there is any.
//
//   cd tests/calendar && npm ci && TZ=Asia/Shanghai node compare_chinese_days.mjs [XIAONENG_BIN]
//
// What counts as agreement (docs/calendar.md, "Sources"):
//   - working or not working: always identical;
//   - a make-up workday: both say so, with the same holiday;
//   - a holiday: both say so, same name; our merged block name (国庆节、中秋节) matches either
//     festival; our weekend days inside a notice's block (e.g. 2015-06-21, inside 端午节
//     6月20日至22日) are holidays where the package says weekend.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cd from 'chinese-days';

const days = cd.default ?? cd;
if (process.env.TZ !== 'Asia/Shanghai') {
  console.error('run with TZ=Asia/Shanghai (the package shifts dates in other zones)');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] ?? path.join(here, '../../build/xiaoneng');

const kNames = {
  "New Year's Day": '元旦', 'Spring Festival': '春节', 'Tomb-sweeping Day': '清明节',
  'Labour Day': '劳动节', 'Dragon Boat Festival': '端午节', 'Mid-autumn Festival': '中秋节',
  'National Day': '国庆节', 'Anti-Fascist 70th Day': '抗战胜利70周年纪念日',
};

function isoOf(t) { return new Date(t).toISOString().slice(0, 10); }
function weekend(iso) {
  const d = new Date(iso + 'T00:00:00Z').getUTCDay();
  return d === 0 || d === 6;
}
function run(args, input) {
  const r = spawnSync(bin, ['calendar', ...args, '--batch'], { input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`${bin} ${args.join(' ')} --batch exited ${r.status}: ${r.stderr}`);
    process.exit(2);
  }
  return r.stdout.toString().trimEnd().split('\n');
}
function sameName(ours, theirs) {
  return ours === theirs || ours.split('、').includes(theirs);
}

// Their view of a day: {kind, name}.
function theirs(iso) {
  const detail = days.getDayDetail(iso);
  const named = detail.name.includes(',');
  const name = named ? kNames[detail.name.split(',')[0]] : '';
  if (detail.work) return { kind: named ? 'makeup-workday' : 'workday', name };
  return { kind: named ? 'holiday' : 'weekend', name };
}

const dates = [];
for (let t = Date.UTC(2008, 0, 1); t <= Date.UTC(2026, 11, 31); t += 86400000) dates.push(isoOf(t));
const answers = run(['day'], dates.join('\n') + '\n');
const problems = [];
let weekendInBlock = 0;
dates.forEach((iso, i) => {
  const [kind, ...rest] = answers[i].split(' ');
  const name = rest.join(' ');
  const t = theirs(iso);
  const working = (k) => k === 'workday' || k === 'makeup-workday';
  let ok = working(kind) === working(t.kind);
  if (ok && kind === 'holiday' && t.kind === 'weekend' && weekend(iso)) {
    weekendInBlock += 1;
  } else if (ok) {
    ok = kind === t.kind && (kind === 'workday' || kind === 'weekend' || sameName(name, t.name));
  }
  if (!ok) problems.push(`day ${iso}: xiaoneng '${answers[i]}', chinese-days '${t.kind} ${t.name}'`);
});

// 10,000 add-workdays cases from a fixed seed; the result must stay inside 2008..2026.
let seed = 20240210;
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const cases = [];
const last = Date.UTC(2026, 11, 31) - 120 * 86400000;
while (cases.length < 10000) {
  const start = isoOf(Date.UTC(2008, 0, 1) + Math.floor(random() * (last - Date.UTC(2008, 0, 1)) / 86400000) * 86400000);
  const n = Math.floor(random() * 61);  // 0..60 working days
  cases.push([start, n]);
}
const added = run(['add-workdays'], cases.map(([d, n]) => `${d} ${n}`).join('\n') + '\n');
cases.forEach(([d, n], i) => {
  const expected = days.findWorkday(n, d);
  if (added[i] !== expected) problems.push(`add-workdays ${d} ${n}: xiaoneng ${added[i]}, chinese-days ${expected}`);
});

for (const p of problems) console.log(p);
console.log(`${dates.length} days, ${cases.length} add-workdays cases: ${problems.length} disagreements` +
            ` (${weekendInBlock} weekend days inside a notice's holiday block, counted as agreement)`);
process.exit(problems.length ? 1 : 0);
