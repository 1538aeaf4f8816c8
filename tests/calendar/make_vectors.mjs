// Writes the golden vectors data/calendar/testdata/vectors.csv from chinese-days, once; the file
// was then reviewed against the notices and is the specification (store/calendar tests run it).
//
//   cd tests/calendar && npm ci && TZ=Asia/Shanghai node make_vectors.mjs > ../../data/calendar/testdata/vectors.csv
//
// The package's answers are adjusted in two documented ways (docs/calendar.md, "Sources"): a
// merged Mid-Autumn/National Day block carries the notice's name, and a weekend day inside a
// notice's block is a holiday.
import cd from 'chinese-days';

const days = cd.default ?? cd;
if (process.env.TZ !== 'Asia/Shanghai') {
  console.error('run with TZ=Asia/Shanghai');
  process.exit(2);
}
const kNames = {
  "New Year's Day": '元旦', 'Spring Festival': '春节', 'Tomb-sweeping Day': '清明节',
  'Labour Day': '劳动节', 'Dragon Boat Festival': '端午节', 'Mid-autumn Festival': '中秋节',
  'National Day': '国庆节', 'Anti-Fascist 70th Day': '抗战胜利70周年纪念日',
};
// The notices' names for merged blocks, by year of the block.
const kMerged = { 2009: '国庆节、中秋节', 2012: '中秋节、国庆节', 2017: '中秋节、国庆节',
                  2020: '国庆节、中秋节', 2023: '中秋节、国庆节', 2025: '国庆节、中秋节' };
const kMergedMonths = ['09', '10'];
// Weekend days inside a notice's block, which the package lists as plain weekend days.
const kWeekendInBlock = { '2011-06-05': '端午节', '2012-06-23': '端午节', '2015-06-21': '端午节',
                          '2015-09-05': '抗战胜利70周年纪念日' };

const iso = (t) => new Date(t).toISOString().slice(0, 10);
const addDays = (d, n) => iso(Date.parse(d + 'T00:00:00Z') + n * 86400000);

function day(d) {
  if (kWeekendInBlock[d]) return ['holiday', kWeekendInBlock[d]];
  const detail = days.getDayDetail(d);
  const named = detail.name.includes(',');
  let name = named ? kNames[detail.name.split(',')[0]] : '';
  const y = +d.slice(0, 4);
  if ((name === '国庆节' || name === '中秋节') && kMerged[y] && kMergedMonths.includes(d.slice(5, 7))) {
    name = kMerged[y];
  }
  if (detail.work) return [named ? 'makeup-workday' : 'workday', name];
  return [named ? 'holiday' : 'weekend', name];
}
function working(d) { return days.isWorkday(d); }
function between(from, to) {
  let n = 0;
  if (to >= from) { for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) n += working(d) ? 1 : 0; }
  else { for (let d = addDays(to, 1); d <= from; d = addDays(d, 1)) n -= working(d) ? 1 : 0; }
  return n;
}

const out = ['# Golden vectors for the working-day calendar (docs/calendar.md).',
             '# day,DATE,KIND,NAME | add,DATE,N,RESULT | between,FROM,TO,COUNT',
             '# Generated once from chinese-days, reviewed against the notices.'];
const dayDates = new Set();
// Every holiday and make-up day of recent years and of the irregular ones.
for (const y of [2008, 2015, 2019, 2020, 2023, 2024, 2025, 2026]) {
  for (let d = `${y}-01-01`; d <= `${y}-12-31`; d = addDays(d, 1)) {
    const [kind] = day(d);
    if (kind === 'holiday' || kind === 'makeup-workday') dayDates.add(d);
  }
}
// Year boundaries, ordinary days, the weekend-in-block days.
for (const y of [2008, 2011, 2012, 2018, 2019, 2022, 2023, 2025, 2026]) {
  for (let d = `${y - 1}-12-28`; d <= `${y}-01-05`; d = addDays(d, 1)) if (d >= '2008-01-01') dayDates.add(d);
}
for (const d of ['2026-12-31', '2024-03-02', '2024-03-04', '2024-02-09', '2020-02-03',
                 ...Object.keys(kWeekendInBlock)]) dayDates.add(d);
for (const d of [...dayDates].sort()) out.push(['day', d, ...day(d)].join(','));

const adds = [
  ['2024-02-08', 3], ['2024-02-08', 0], ['2024-02-10', 0], ['2024-02-18', 0], ['2024-02-09', 1],
  ['2020-01-23', 1], ['2020-01-23', 2], ['2020-01-18', 1], ['2020-01-31', 0], ['2019-12-31', 1],
  ['2018-12-28', 1], ['2018-12-28', 2], ['2022-12-30', 1], ['2023-09-28', 1], ['2023-09-28', 2],
  ['2015-09-02', 1], ['2015-09-02', 2], ['2025-01-27', 1], ['2025-09-30', 1], ['2026-02-13', 1],
  ['2026-02-13', 2], ['2026-12-01', 20], ['2008-01-01', 0], ['2008-01-01', 20], ['2024-06-01', 20],
  ['2024-10-08', 250], ['2012-09-28', 1], ['2017-09-29', 1], ['2009-09-30', 3],
];
let seed = 42;
const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
while (adds.length < 120) {
  const start = iso(Date.UTC(2008, 0, 1) + Math.floor(random() * 6800) * 86400000);
  adds.push([start, Math.floor(random() * 45)]);
}
for (const [d, n] of adds) out.push(['add', d, n, days.findWorkday(n, d)].join(','));

const betweens = [
  ['2024-02-01', '2024-02-29'], ['2024-02-08', '2024-02-19'], ['2020-01-23', '2020-02-03'],
  ['2024-01-01', '2024-12-31'], ['2023-01-01', '2023-12-31'], ['2025-01-01', '2025-12-31'],
  ['2024-02-19', '2024-02-08'], ['2024-02-10', '2024-02-17'], ['2024-02-10', '2024-02-10'],
  ['2018-12-28', '2019-01-02'], ['2015-09-02', '2015-09-07'],
];
for (const [a, b] of betweens) out.push(['between', a, b, between(a, b)].join(','));
console.log(out.join('\n'));
