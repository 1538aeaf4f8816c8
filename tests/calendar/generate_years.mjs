// Generates data/calendar/YYYY.toml (2008–2026) from the npm package chinese-days, adding what
// the package does not carry: the source notice of each year, the notices' own block names (a
// merged Mid-Autumn/National Day block is one block), blocks that span a weekend, and the
// December days that belong to the next year's New Year block. Run once, then review the diff:
//
//   cd tests/calendar && npm ci && TZ=Asia/Shanghai node generate_years.mjs ../../data/calendar
//
// The files are the data; this script only documents how they were first produced.
import fs from 'node:fs';
import path from 'node:path';
import cd from 'chinese-days';

const days = cd.default ?? cd;
if (process.env.TZ !== 'Asia/Shanghai') {
  console.error('run with TZ=Asia/Shanghai (the package shifts dates in other zones)');
  process.exit(2);
}
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node generate_years.mjs OUT_DIR');
  process.exit(2);
}

// Source notices. `number` and `date` only where checked against the published text.
const kNotices = {
  2008: { url: 'http://www.gov.cn/zwgk/2007-12/18/content_837184.htm' },
  2009: { url: 'http://www.gov.cn/zwgk/2008-12/10/content_1174014.htm' },
  2010: { url: 'http://www.gov.cn/zwgk/2009-12/08/content_1482691.htm' },
  2011: { url: 'http://www.gov.cn/zwgk/2010-12/10/content_1762643.htm' },
  2012: { url: 'http://www.gov.cn/zwgk/2011-12/06/content_2012097.htm' },
  2013: { url: 'http://www.gov.cn/zwgk/2012-12/10/content_2286598.htm' },
  2014: { url: 'http://www.gov.cn/zwgk/2013-12/11/content_2546204.htm' },
  2015: { url: 'http://www.gov.cn/zhengce/content/2014-12/16/content_9302.htm' },
  2016: { url: 'http://www.gov.cn/zhengce/content/2015-12/10/content_10394.htm' },
  2017: { url: 'http://www.gov.cn/zhengce/content/2016-12/01/content_5141603.htm' },
  2018: { url: 'http://www.gov.cn/zhengce/content/2017-11/30/content_5243579.htm' },
  2019: { url: 'http://www.gov.cn/xinwen/2018-12/06/content_5346287.htm' },
  2020: { number: '国办发明电〔2019〕16号', date: '2019-11-21',
          url: 'http://www.gov.cn/zhengce/content/2019-11/21/content_5454164.htm' },
  2021: { url: 'http://www.gov.cn/zhengce/content/2020-11/25/content_5564127.htm' },
  2022: { url: 'http://www.gov.cn/zhengce/content/2021-10/25/content_5644835.htm' },
  2023: { url: 'http://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm' },
  2024: { number: '国办发明电〔2023〕7号', date: '2023-10-25',
          url: 'https://www.gov.cn/zhengce/content/202310/content_6911527.htm' },
  2025: { number: '国办发明电〔2024〕12号', date: '2024-11-12',
          url: 'https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm' },
  2026: { date: '2025-11-04', url: 'https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm' },
};

// Later notices that changed a year's arrangement.
const kAmendments = {
  2015: [{ title: '国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知',
           url: 'http://www.gov.cn/zhengce/content/2015-05/13/content_9742.htm',
           summary: '9月3日至5日调休放假，共3天；9月6日（星期日）上班。' }],
  2019: [{ title: '国务院办公厅关于调整2019年劳动节假期安排的通知',
           url: 'http://www.gov.cn/zhengce/content/2019-03/22/content_5375877.htm',
           summary: '劳动节由5月1日1天改为5月1日至4日放假调休，共4天；4月28日（星期日）、5月5日（星期日）上班。' }],
  2020: [{ title: '国务院办公厅关于延长2020年春节假期的通知', number: '国办发明电〔2020〕1号',
           date: '2020-01-27',
           url: 'http://www.gov.cn/zhengce/content/2020-01/27/content_5472352.htm',
           summary: '春节假期延长至2月2日（星期日），2月3日起正常上班；原定2月1日（星期六）上班取消。' }],
};

// Notice wording for a merged Mid-Autumn/National Day block.
const kMergedName = {
  2009: '国庆节、中秋节', 2012: '中秋节、国庆节', 2017: '中秋节、国庆节',
  2020: '国庆节、中秋节', 2023: '中秋节、国庆节', 2025: '国庆节、中秋节',
};

// Blocks whose notice dates include a weekend day the package leaves out (the notice says
// "X日至Y日放假"): first..last as in the notice.
const kBlockFixes = [
  { year: 2015, name: '抗战胜利70周年纪念日', first: '2015-09-03', last: '2015-09-05' },
];

const kNames = {
  "New Year's Day": '元旦', 'Spring Festival': '春节', 'Tomb-sweeping Day': '清明节',
  'Labour Day': '劳动节', 'Dragon Boat Festival': '端午节', 'Mid-autumn Festival': '中秋节',
  'National Day': '国庆节', 'Anti-Fascist 70th Day': '抗战胜利70周年纪念日',
};

function nameOf(desc) {
  const en = desc.split(',')[0];
  if (!(en in kNames)) throw new Error(`unknown holiday ${desc}`);
  return kNames[en];
}
function addDays(iso, n) {
  const d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function isWeekend(iso) {
  const d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
  return d.getUTCDay() === 0 || d.getUTCDay() === 6;
}
// The notice year a date's entry belongs to: a New Year entry in December is next year's.
function noticeYear(iso, name) {
  const y = +iso.slice(0, 4);
  return name === '元旦' && iso.slice(5, 7) === '12' ? y + 1 : y;
}

// Collect every holiday and make-up day of 2007–2026 from the package.
const holidays = {};  // year -> [[date, name]]
const makeups = {};
for (let y = 2007; y <= 2026; ++y) {
  for (let d = `${y}-01-01`; d <= `${y}-12-31`; d = addDays(d, 1)) {
    const detail = days.getDayDetail(d);
    if (!detail.name.includes(',')) continue;  // a plain weekday or weekend
    const name = nameOf(detail.name);
    const ny = noticeYear(d, name);
    const bucket = detail.work ? makeups : holidays;
    (bucket[ny] ??= []).push([d, name]);
  }
}

function blocksOf(year) {
  const list = (holidays[year] ?? []).sort((a, b) => a[0].localeCompare(b[0]));
  const blocks = [];
  for (const [d, name0] of list) {
    let name = name0;
    if ((name === '国庆节' || name === '中秋节') && kMergedName[year]) {
      // merged only if the two festivals' days touch
      const prev = blocks[blocks.length - 1];
      if (prev && (prev.name === '国庆节' || prev.name === '中秋节' || prev.name === kMergedName[year])
          && addDays(prev.last, 1) === d && prev.name !== name) {
        prev.name = kMergedName[year];
        prev.last = d;
        continue;
      }
      if (prev && prev.name === kMergedName[year] && addDays(prev.last, 1) === d) {
        prev.last = d;
        continue;
      }
    }
    const prev = blocks[blocks.length - 1];
    if (prev && prev.name === name) {
      // contiguous, or separated only by weekend days (the notice's block spans them)
      let gap = addDays(prev.last, 1);
      let weekendOnly = true;
      for (; gap < d; gap = addDays(gap, 1)) if (!isWeekend(gap)) weekendOnly = false;
      if (weekendOnly) { prev.last = d; continue; }
    }
    blocks.push({ name, first: d, last: d });
  }
  for (const fix of kBlockFixes.filter((f) => f.year === year)) {
    const b = blocks.find((x) => x.name === fix.name);
    b.first = fix.first;
    b.last = fix.last;
  }
  // 2020: the 国庆节 days also carry Mid-Autumn (1 October); name the block as the notice does.
  if (year === 2020) for (const b of blocks) if (b.name === '国庆节') b.name = kMergedName[2020];
  return blocks;
}

function blockNameFor(blocks, name, date) {
  // a make-up day belongs to the block of its festival (a merged name if merged)
  const exact = blocks.find((b) => b.name === name);
  if (exact) return exact.name;
  const merged = blocks.find((b) => b.name.includes(name));
  if (merged) return merged.name;
  throw new Error(`no block for make-up day ${date} ${name}`);
}

function tomlString(s) { return JSON.stringify(s); }

fs.mkdirSync(outDir, { recursive: true });
for (let year = 2008; year <= 2026; ++year) {
  const n = kNotices[year];
  const blocks = blocksOf(year);
  const lines = [];
  lines.push(`# ${year}年部分节假日安排 (working-day calendar data; format: docs/calendar.md)`);
  lines.push(`year = ${year}`, '');
  lines.push('[notice]');
  lines.push(`title = ${tomlString(`国务院办公厅关于${year}年部分节假日安排的通知`)}`);
  if (n.number) lines.push(`number = ${tomlString(n.number)}`);
  if (n.date) lines.push(`date = ${n.date}`);
  lines.push(`url = ${tomlString(n.url)}`);
  for (const a of kAmendments[year] ?? []) {
    lines.push('', '[[amendments]]');
    lines.push(`title = ${tomlString(a.title)}`);
    if (a.number) lines.push(`number = ${tomlString(a.number)}`);
    if (a.date) lines.push(`date = ${a.date}`);
    lines.push(`url = ${tomlString(a.url)}`);
    lines.push(`summary = ${tomlString(a.summary)}`);
  }
  for (const b of blocks) {
    lines.push('', '[[holidays]]');
    lines.push(`name = ${tomlString(b.name)}`);
    lines.push(`first = ${b.first}`);
    lines.push(`last = ${b.last}`);
  }
  for (const [d, name] of (makeups[year] ?? []).sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push('', '[[makeup_workdays]]');
    lines.push(`date = ${d}`);
    lines.push(`holiday = ${tomlString(blockNameFor(blocks, name, d))}`);
  }
  fs.writeFileSync(path.join(outDir, `${year}.toml`), lines.join('\n') + '\n');
}
console.log(`wrote ${outDir}/2008.toml .. 2026.toml`);
