// The dashboard in a real browser: Debian's chromium driven by playwright-core
// against a running stack (tests/integration/test_web_dashboard.sh starts it
// and passes its addresses, users and files in the environment). Each step
// asserts what a person would see; screenshots (PNG) go to STI_WEB_OUT, and
// the measurements (load time, bytes) are printed and written to
// STI_WEB_OUT/measures.json. Every figure of the stack is made up.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const GW = env.STI_WEB_URL;
const OUT = env.STI_WEB_OUT;
const PASSWORD = env.STI_WEB_PASSWORD;
const TALENT = env.STI_WEB_TALENT;
const TALENT_ID_NUMBER = env.STI_WEB_TALENT_ID_NUMBER;
const TEAM = env.STI_WEB_TEAM;
const LIVE_MS = Number(env.STI_WEB_LIVE_MS || 2000); // a value sent → on the open page
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const measures = {};
const started = Date.now();

function check(condition, message) {
    if (!condition) throw new Error('FAIL: ' + message);
}

function log(message) {
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
}

const browser = await chromium.launch({
    executablePath: env.STI_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update'],
});

// A new browser context (its own cookies and cache) for one person; every
// page error and Content-Security-Policy violation fails the test.
async function person(viewport = { width: 1366, height: 768 }) {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('pageerror', (e) => { throw new Error('page error: ' + e.message); });
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content.Security.Policy|Refused to/.test(m.text())) {
            throw new Error('CSP: ' + m.text());
        }
    });
    return { context, page };
}

async function signIn(page, user) {
    await page.goto(GW + '/');
    await page.getByLabel('用户名', { exact: true }).fill(user);
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('header.top').waitFor();
}

async function axe(page, name) {
    await page.evaluate(AXE);
    const result = await page.evaluate(() => window.axe.run(document,
        { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    check(bad.length === 0, `axe on ${name}: ` + bad.map((v) => `${v.id} (${v.impact}): `
        + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')).join(' | '));
    measures.axe = measures.axe || {};
    measures.axe[name] = result.violations.length;
}

// Every part of the page has its answer: no 加载中… (Loading…) left. (Not
// Playwright's networkidle: an open event stream never lets the network idle.)
async function settled(page) {
    await page.waitForFunction(() => !document.querySelector('main [role=status].muted'));
}

async function shot(page, name) {
    await page.screenshot({ path: join(OUT, name + '.png'), fullPage: true });
}

const stictl = (...args) => execFileSync('stictl', args, { encoding: 'utf8' });

// A workbook the page downloaded (the report's .xlsx): saved in OUT as name,
// named by the gateway for the plan and the year, a zip with the sheets
// `stictl report` writes; read back by tests/helpers/report_check.py's
// reader: its sheets and each summary row's latest value (column F).
const HELPERS = fileURLToPath(new URL('../../tests/helpers/', import.meta.url));
const SHEETS = ['汇总', '图表', '完整性与及时性', '项目', '里程碑', '数据修订', '说明'];
const BOOK_PY = `
import json, sys
sys.path.insert(0, sys.argv[2])
from report_check import Book
book = Book(sys.argv[1])
rows = book.rows("汇总")
print(json.dumps({"sheets": sorted(book.sheets),
                  "latest": {r[0]: r.get(5) for n, r in rows.items() if n >= 4 and 0 in r}}))
`;
async function workbook(file, year, name) {
    const path = join(OUT, name);
    await file.saveAs(path);
    const suggested = file.suggestedFilename();
    check(suggested.endsWith('.xlsx') && suggested.includes(String(year)),
        'the workbook is named ' + suggested);
    check(readFileSync(path).subarray(0, 4).toString('latin1') === 'PK\x03\x04',
        name + ' is not a zip');
    const book = JSON.parse(execFileSync('/usr/bin/python3', ['-c', BOOK_PY, path, HELPERS],
        { encoding: 'utf8' }));
    for (const sheet of SHEETS) {
        check(book.sheets.includes(sheet), `${name}: no sheet ${sheet} in ${book.sheets}`);
    }
    return { ...book, suggested, bytes: readFileSync(path).length };
}

// 1. A reader sees every indicator with the status stictl gives, live.
async function reader() {
    const expected = JSON.parse(stictl('progress', '--json'));
    // The first load that counts: a fresh context (empty cache), signed in
    // by the API, then the overview (clerk and officer sign in by the form).
    const { context, page } = await person();
    await signInApi(context);
    const t0 = Date.now();
    await page.goto(GW + '/', { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__stiOverviewDrawn, null, { timeout: 15000 });
    measures.overview_badges_ms = Math.round(await page.evaluate(() => window.__stiOverviewDrawn));
    measures.overview_wall_ms = Date.now() - t0;
    Object.assign(measures, await page.evaluate(() => {
        const ends = {};
        for (const e of performance.getEntriesByType('resource')) {
            const name = new URL(e.name).pathname.replace(/^\/api\/v1\//, 'api_')
                .replace(/^\/assets\/([a-z]+).*\.(js|css)$/, '$1_$2').replace(/\W/g, '_');
            ends['overview_' + name + '_end_ms'] = Math.round(e.responseEnd);
        }
        for (const m of performance.getEntriesByType('mark')) {
            ends['overview_mark_' + m.name.replace(/\W/g, '_') + '_ms'] = Math.round(m.startTime);
        }
        const nav = performance.getEntriesByType('navigation')[0];
        ends.overview_dom_content_loaded_ms = Math.round(nav.domContentLoadedEventEnd);
        ends.overview_html_end_ms = Math.round(nav.responseEnd);
        return ends;
    }));
    const rows = page.locator('table.overview tbody tr');
    check(await rows.count() === expected.indicators.length,
        `overview shows ${await rows.count()} indicators, stictl ${expected.indicators.length}`);
    for (const want of expected.indicators) {
        const badge = page.locator(`tr[data-code="${want.code}"] .badge`);
        check(await badge.getAttribute('data-status') === want.status,
            `${want.code}: page says ${await badge.getAttribute('data-status')}, stictl ${want.status}`);
        check((await badge.innerText()).trim().length > 0, `${want.code}: the badge has no text`);
    }
    await page.waitForFunction(() => !document.querySelector('.spark[data-loading]'));
    measures.overview_transfer_bytes = await page.evaluate(() => {
        const entries = [...performance.getEntriesByType('navigation'),
            ...performance.getEntriesByType('resource')];
        return entries.reduce((sum, e) => sum + (e.transferSize || 0), 0);
    });
    log(`overview: ${expected.indicators.length} indicators as stictl says; badges drawn at `
        + `${measures.overview_badges_ms} ms after navigation start; `
        + `${measures.overview_transfer_bytes} bytes transferred`);
    check(measures.overview_transfer_bytes < 600 * 1024, 'overview transfers 600 kB or more');
    check(measures.overview_badges_ms < 10000, 'overview took 10 s or more (budget 1.5 s)');
    await axe(page, 'overview');
    await shot(page, 'overview');

    // A value submitted with stictl appears without a reload.
    await page.locator('span.live.on').waitFor({ timeout: 5000 });
    await page.evaluate(() => { window.__stiNotReloaded = true; });
    const value = 4321;
    writeFileSync(join(OUT, 'live.csv'),
        `indicator,org,period,value\nhitech_enterprises,donghu,${expected.year},${value}\n`);
    const before = await page.locator('tr[data-code="hitech_enterprises"] td.num').first().innerText();
    const sent = Date.now();
    stictl('ingest', join(OUT, 'live.csv'), '--source', 'web test (made up)');
    await page.waitForFunction((old) => {
        const cell = document.querySelector('tr[data-code="hitech_enterprises"] td.num');
        return cell && cell.innerText !== old;
    }, before, { timeout: LIVE_MS + 1000 });
    measures.live_update_ms = Date.now() - sent;
    check(await page.evaluate(() => window.__stiNotReloaded === true), 'the page was reloaded');
    check(measures.live_update_ms <= LIVE_MS,
        `the value took ${measures.live_update_ms} ms to appear (budget ${LIVE_MS} ms)`);
    const after = JSON.parse(stictl('progress', '--json'))
        .indicators.find((r) => r.code === 'hitech_enterprises');
    const shown = await page.locator('tr[data-code="hitech_enterprises"]');
    check(await shown.getAttribute('class') === 'flash', 'the changed row is not highlighted');
    check((await shown.locator('.badge').getAttribute('data-status')) === after.status,
        'the new status is not the one stictl gives');
    log(`live: a value sent with stictl was on the open page ${measures.live_update_ms} ms later`);

    // The category filter names the categories (the platform's, i18n.js) and
    // keeps the indicators of the one chosen: 创新人才 those of `talent`.
    const catalog = await page.evaluate(async () => (await fetch('/api/v1/indicators')).json());
    const talent = catalog.indicators.filter((i) => i.category === 'talent').map((i) => i.code);
    const categories = page.locator('select[name=category]');
    check((await categories.locator('option').allInnerTexts()).includes('创新人才'),
        'the category filter does not name the categories');
    await categories.selectOption({ label: '创新人才' });
    await page.waitForFunction((n) => document.querySelectorAll('table.overview tbody tr')
        .length === n, talent.length);
    const kept = await page.locator('table.overview tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.dataset.code));
    check(kept.sort().join() === talent.sort().join(),
        `category 创新人才 keeps ${kept}, the catalog's talent indicators are ${talent}`);
    await categories.selectOption('');
    log(`overview: the category 创新人才 keeps the ${talent.length} indicators of 'talent'`);

    // The indicator page: trajectory and projection series, read from ECharts
    // (tech_smes: its latest value is of 2024, its projection goes on to 2025).
    await page.goto(GW + '/indicators/tech_smes');
    await page.waitForFunction(() => {
        const el = document.querySelector('.chart');
        return el && el.__stiChart;
    });
    const series = await page.evaluate(() => document.querySelector('.chart').__stiChart
        .getOption().series.map((s) => ({ id: s.id, type: s.type, line: s.lineStyle,
            points: s.data.filter((v) => v !== null && v !== undefined).length })));
    const byId = Object.fromEntries(series.map((s) => [s.id, s]));
    check(byId.values && byId.values.points >= 4, 'no values series: ' + JSON.stringify(series));
    check(byId.trajectory && byId.trajectory.points >= 2, 'no trajectory: ' + JSON.stringify(series));
    check(byId.projection && byId.projection.points === 2 && byId.projection.line.type === 'dashed',
        'no dashed projection: ' + JSON.stringify(series));
    await page.locator('table tbody tr').nth(2).waitFor();
    check((await page.locator('dd[data-category=enterprises]').innerText()).includes('创新企业'),
        'the indicator page does not name its category');
    await axe(page, 'indicator');
    await shot(page, 'indicator');
    log('indicator: values, trajectory and dashed projection series drawn');

    for (const [path, name] of [['/orgs', 'orgs'], ['/projects', 'projects'],
        ['/notifications', 'notifications'], ['/feed', 'feed'], ['/talents', 'talents-reader'],
        ['/account', 'account']]) {
        await page.goto(GW + path);
        await page.locator('main h1').waitFor();
        await settled(page);
        await axe(page, name);
        await shot(page, name);
        log(`${path}: axe clean, screenshot ${name}.png`);
    }
    await team(page, false);
    await completeness(page);
    await report(page);
    // English, and a phone's width.
    await page.goto(GW + '/');
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await axe(page, 'overview-en-phone');
    await shot(page, 'overview-en-phone');
    // In English, the org units' English names (the completeness answers carry name_en).
    await page.goto(GW + '/completeness');
    await page.locator('table.matrix').waitFor();
    await settled(page);
    for (const table of ['matrix', 'completeness-orgs', 'overdue']) {
        const text = await page.locator(`table.${table} tbody`).innerText();
        check(text.includes('Donghu (made up)') && !text.includes('东湖'),
            `the ${table} table in English does not name donghu in English: ` + text.slice(0, 200));
    }
    await axe(page, 'completeness-en-phone');
    await shot(page, 'completeness-en-phone');
    log('completeness in English: donghu by its English name');
    await page.getByRole('button', { name: 'Switch language' }).click();
    await context.close();
}

// The completeness page (default: last year) shows the total the API answers
// for that period, and the overdue list with the unit's contact.
async function completeness(page) {
    await page.goto(GW + '/completeness');
    await page.locator('main h1').waitFor();
    await settled(page);
    const period = await page.locator('tr[data-total]').getAttribute('data-total');
    const answer = await page.evaluate(async (p) =>
        (await fetch('/api/v1/completeness?period=' + p)).json(), period);
    const total = answer.total;
    check(total.expected > 0, 'no report expected in ' + period + ': ' + JSON.stringify(total));
    for (const key of ['expected', 'received', 'on_time', 'late', 'missing', 'not_due']) {
        const cell = await page.locator(`tr[data-total] td[data-count=${key}]`).innerText();
        check(cell === String(total[key]), `completeness ${key}: page ${cell}, API ${total[key]}`);
    }
    const rate = await page.locator('tr[data-total] td[data-count=rate]').innerText();
    check(total.rate === null ? rate === '—' : rate === (total.rate * 100).toFixed(1) + '%',
        `completeness rate: page ${rate}, API ${total.rate}`);
    // The matrix: every cell holds the single reports the API lists for its
    // org unit and indicator (reports=true), each status with its word.
    const detail = await page.evaluate(async (p) =>
        (await fetch(`/api/v1/completeness?period=${p}&reports=true`)).json(), period);
    const want = new Map();
    for (const r of detail.reports) {
        const cell = want.get(r.org + '/' + r.indicator) || {};
        cell[r.status] = (cell[r.status] || 0) + 1;
        want.set(r.org + '/' + r.indicator, cell);
    }
    const cells = await page.evaluate(() => [...document.querySelectorAll(
        'table.matrix tbody td[data-indicator]')].map((td) => ({
        key: td.dataset.org + '/' + td.dataset.indicator, text: td.innerText.trim(),
        marks: Object.fromEntries([...td.querySelectorAll('.mark')]
            .map((m) => [m.dataset.status, Number(m.dataset.n)])),
    })));
    check(cells.length === detail.orgs.length * detail.indicators.length,
        `the matrix has ${cells.length} cells`);
    for (const cell of cells) {
        const expected = want.get(cell.key) || {};
        check(JSON.stringify(cell.marks) === JSON.stringify(Object.fromEntries(
            ['on_time', 'late', 'missing', 'not_due'].filter((k) => expected[k])
                .map((k) => [k, expected[k]]))),
        `matrix ${cell.key}: page ${JSON.stringify(cell.marks)}, API ${JSON.stringify(expected)}`);
    }
    const cellText = (key) => cells.find((c) => c.key === key).text;
    check(/缺报/.test(cellText('donghu/tech_smes')), 'donghu/tech_smes is not 缺报: '
        + cellText('donghu/tech_smes'));
    check(/逾期|按时/.test(cellText('donghu/hitech_enterprises')),
        'donghu/hitech_enterprises is not received: ' + cellText('donghu/hitech_enterprises'));
    const corner = await page.locator('table.matrix tfoot [data-count=total]').innerText();
    check(corner === `${total.received}/${total.expected}`, 'the matrix total: ' + corner);
    if (total.missing > 0) {
        const row = page.locator('table.overdue tbody tr', { hasText: 'donghu' }).first();
        check((await row.innerText()).includes('测试联系人'), 'the overdue row has no contact');
    }
    await axe(page, 'completeness');
    await shot(page, 'completeness');
    log(`completeness ${period}: the total is the API's (${total.expected} expected, `
        + `${total.missing} missing); axe clean`);
    return period;
}

// A team looked up by its id on the talents page: its name and leader; an
// officer opens the leader's masked record from it, a reader only sees the id.
async function team(page, officer) {
    await page.goto(GW + '/talents');
    await page.getByLabel('团队编号').fill(TEAM);
    await page.locator('section.team').getByRole('button', { name: '查询' }).click();
    const facts = page.locator(`dl[data-team="${TEAM}"]`);
    await facts.waitFor({ timeout: 5000 });
    check(await facts.locator('[data-field=name]').innerText() === '测试团队', 'the team has not its name');
    check((await facts.locator('[data-field=leader]').innerText()).trim() === TALENT,
        'the team does not show its leader');
    const open = facts.locator(`button[data-talent="${TALENT}"]`);
    check(await open.count() === (officer ? 1 : 0), 'the leader\'s record is offered to '
        + (officer ? 'an officer: not' : 'a reader'));
    if (officer) {
        await open.click();
        const number = page.locator('section.team [data-field=id_number]');
        await number.waitFor();
        check((await number.innerText()).includes('*'), 'the leader\'s record is not masked');
    }
    await axe(page, officer ? 'team-officer' : 'team-reader');
    await shot(page, officer ? 'team-officer' : 'team-reader');
    log(`team ${TEAM}: its name and leader shown to ${officer ? 'an officer (record opened, masked)'
        : 'a reader (ids only)'}`);
}

// The report page (default: an annual report of last year, within the plan)
// shows every indicator with the figures GET /api/v1/report answers and the
// status and class `stictl progress --json` gives for that year; the charts
// have the values and the trajectory; printed to an A4 PDF.
async function report(page) {
    await page.goto(GW + '/report');
    await page.locator('article.report').waitFor();
    await settled(page);
    const year = await page.locator('article.report').getAttribute('data-year');
    const kind = await page.locator('article.report').getAttribute('data-kind');
    check(kind === 'annual', 'the report page does not default to annual: ' + kind);
    const answer = await page.evaluate(async (q) =>
        (await fetch(`/api/v1/report?year=${q.year}&kind=${q.kind}`)).json(), { year, kind });
    const cli = Object.fromEntries(JSON.parse(stictl('progress', '--year', year, '--json'))
        .indicators.map((r) => [r.code, r]));
    check(await page.locator('table.report-summary tbody tr').count() === answer.indicators.length,
        'the report does not show every indicator');
    const shown = await page.evaluate(() => [...document.querySelectorAll(
        'table.report-summary tbody tr')].map((tr) => ({
        code: tr.dataset.code,
        status: tr.querySelector('.badge').dataset.status,
        forecast: tr.querySelector('[data-field=forecast_class]').dataset.class,
        text: Object.fromEntries([...tr.querySelectorAll('td[data-field]')]
            .map((td) => [td.dataset.field, td.innerText.trim()])),
    })));
    // The figures as the page formats them (the browser's zh-CN number format).
    const texts = await page.evaluate((rows) => {
        const fmt = (v, note) => (v === null ? '—' : Number(v).toLocaleString('zh-CN',
            { maximumFractionDigits: 2 }) + (note ? ` (${note})` : ''));
        const pct = (f) => (f === null ? '—' : (f * 100).toFixed(1) + '%');
        return rows.map((r) => ({
            baseline: fmt(r.baseline, r.baseline_period),
            latest: fmt(r.latest, r.latest_period),
            target: fmt(r.target, r.target_year),
            completion: pct(r.completion),
            expected_completion: pct(r.expected_completion),
            projection: fmt(r.projection, r.forecast_year),
        }));
    }, answer.indicators);
    for (const [i, want] of answer.indicators.entries()) {
        const got = shown[i];
        const where = `report ${year} ${want.code}`;
        check(got.code === want.code, `${where}: row ${i} is ${got.code}`);
        check(got.status === want.status && got.status === cli[want.code].status,
            `${where}: page ${got.status}, API ${want.status}, stictl ${cli[want.code].status}`);
        check(got.forecast === want.forecast_class
            && got.forecast === cli[want.code].forecast_class,
            `${where}: class page ${got.forecast}, API ${want.forecast_class}`);
        const expected = texts[i];
        for (const [field, text] of Object.entries(expected)) {
            check(got.text[field] === text, `${where} ${field}: page '${got.text[field]}', `
                + `API '${text}'`);
        }
        const same = (a, b) => (a === null ? b === null : b !== null && Math.abs(a - b) < 1e-9);
        check(same(want.latest, cli[want.code].latest)
            && same(want.completion, cli[want.code].completion),
            `${where}: the API's latest/completion differ from stictl's`);
    }
    const total = answer.completeness.total;
    for (const key of ['expected', 'received', 'on_time', 'late', 'missing', 'not_due']) {
        const cell = await page.locator(`table.report-completeness td[data-count=${key}]`).innerText();
        check(cell === String(total[key]), `report completeness ${key}: page ${cell}, API ${total[key]}`);
    }
    await page.waitForFunction(() => {
        const charts = [...document.querySelectorAll('.report-chart')];
        return charts.length > 0 && charts.every((el) => el.__stiChart);
    });
    const series = await page.evaluate(() => document.querySelector('.report-chart').__stiChart
        .getOption().series.map((x) => ({ id: x.id,
            points: x.data.filter((v) => v !== null && v !== undefined).length })));
    check(series.length === 2 && series.every((x) => x.points >= 2),
        'the report chart has not the values and the trajectory: ' + JSON.stringify(series));
    await axe(page, 'report');
    await shot(page, 'report');
    // The workbook: a reader is offered the draft, not to issue it; the link
    // downloads GET /api/v1/report.xlsx, whose summary has the answer's figures.
    check(await page.locator('[data-workbook=issue]').count() === 0,
        'a reader is offered to issue the report');
    const [file] = await Promise.all([page.waitForEvent('download'),
        page.locator('a[data-workbook=draft]').click()]);
    const book = await workbook(file, year, 'report.xlsx');
    for (const want of answer.indicators) {
        const got = book.latest[want.code];
        check(got !== undefined && (want.latest === null ? got === null
            : Math.abs(got - want.latest) <= 1e-9 * Math.max(1, Math.abs(want.latest))),
        `report.xlsx ${want.code}: latest ${got} in the workbook, ${want.latest} in the API`);
    }
    measures.report_xlsx_bytes = book.bytes;
    log(`report.xlsx: '${book.suggested}', ${book.sheets.length} sheets, every latest value `
        + 'as the API answers');
    // How the print style lays it out, for a person to look at (report.pdf
    // has the same, in pages): print media at about A4's width.
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 });
    check(await page.locator('header.top').isHidden(), 'the navigation is printed');
    await shot(page, 'report-print');
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1366, height: 768 });
    const pdf = join(OUT, 'report.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    const head = readFileSync(pdf).subarray(0, 5).toString('latin1');
    check(head === '%PDF-', 'report.pdf does not start with %PDF: ' + JSON.stringify(head));
    measures.report_pdf_bytes = readFileSync(pdf).length;
    log(`report ${year} ${kind}: ${answer.indicators.length} indicators as the API and stictl `
        + `say; ${await page.locator('.report-chart').count()} charts; report.pdf `
        + `${measures.report_pdf_bytes} bytes`);
}

// The approvals page: buttons only for an officer or admin.
async function approvalsPage(page) {
    await page.goto(GW + '/approvals');
    await page.locator('table.approvals tbody tr').first().waitFor();
    return page.locator('table.approvals caption').innerText();
}

async function signInApi(context) {
    const answer = await context.request.post(GW + '/api/v1/session',
        { data: { username: 'rita', password: PASSWORD } });
    check(answer.ok(), 'sign-in by the API: ' + answer.status());
}

// 2. A clerk uploads an .xlsx with one bad row, reads it, fixes it, sends it
//    again; is offered no officer action, and a forged one is refused.
async function clerk() {
    const { context, page } = await person();
    await signIn(page, 'carl');
    const nav = await page.locator('header nav').innerText();
    check(!nav.includes('人才库'), 'a clerk is offered the talent registry: ' + nav);
    await page.goto(GW + '/entry');
    await page.locator('input[type=file]').setInputFiles(env.STI_WEB_BAD_XLSX);
    await page.getByRole('button', { name: '提交' }).first().click();
    const refused = page.locator('table.refused tbody tr');
    await refused.first().waitFor();
    check(await refused.count() === 1, `${await refused.count()} refused rows, not 1`);
    const cells = await refused.first().locator('td').allInnerTexts();
    check(cells[1] === 'period' && /2023x/.test(cells[2]),
        'the refused row does not name its field and reason: ' + cells.join(' | '));
    check(cells[0] === env.STI_WEB_BAD_ROW, `the refused row is ${cells[0]}, not ${env.STI_WEB_BAD_ROW}`);
    await axe(page, 'entry');
    await shot(page, 'entry-refused');
    await page.locator('input[type=file]').setInputFiles(env.STI_WEB_FIXED_XLSX);
    await page.getByRole('button', { name: '提交' }).first().click();
    await page.waitForFunction(() => {
        const r = document.querySelector('[data-rejected]');
        return r && r.textContent === '0' && !document.querySelector('table.refused');
    });
    log('clerk: the bad row was shown with its field and reason; the fixed file was taken whole');

    // A value withdrawn with a reason: the next revision is `withdrawn`.
    const form = page.locator('form', { has: page.getByRole('heading', { name: '撤回数值' }) });
    await form.getByLabel('指标').selectOption('incubators');
    await form.getByLabel('期间').fill('2024');
    await form.getByLabel('原因').fill('填错单位 (web test)');
    await form.getByRole('button', { name: '撤回数值' }).click();
    await form.getByText('已撤回').waitFor();
    const origins = await page.waitForFunction(async () => {
        const answer = await fetch('/api/v1/indicators/incubators/values?org=donghu&from=2024&to=2024');
        const point = (await answer.json()).points.find((p) => p.period === '2024');
        const last = point && point.revisions[point.revisions.length - 1];
        return last && last.origin === 'withdrawn' && last.reason;
    }, null, { polling: 100, timeout: 5000 });
    check(await origins.jsonValue() === '填错单位 (web test)', 'the withdrawal has not its reason');
    log('clerk: a value withdrawn with a reason through POST .../withdrawals');

    await approvalsPage(page);
    check(await page.locator('[data-approve]').count() === 0, 'a clerk is offered approve');
    check(await page.getByRole('button', { name: /审核通过|退回/ }).count() === 0,
        'a clerk is offered approve or reopen');
    await page.goto(GW + '/talents');
    check(await page.getByRole('button', { name: '查看明文' }).count() === 0,
        'a clerk is offered the reveal');
    const forged = await page.evaluate(async (id) => {
        const session = await (await fetch('/api/v1/session')).json();
        const answer = await fetch(`/api/v1/talents/${id}/reveal`, {
            method: 'POST', headers: { 'Content-Type': 'application/json',
                'X-CSRF-Token': session.csrf }, body: JSON.stringify({ reason: 'forged' }),
        });
        return { status: answer.status, body: await answer.json() };
    }, TALENT);
    check(forged.status === 403 && forged.body.error.code === 'forbidden',
        'a forged reveal was not refused: ' + JSON.stringify(forged));
    const outside = await page.evaluate(async () => {
        const session = await (await fetch('/api/v1/session')).json();
        const answer = await fetch('/api/v1/indicators/incubators/withdrawals', {
            method: 'POST', headers: { 'Content-Type': 'application/json',
                'X-CSRF-Token': session.csrf },
            body: JSON.stringify({ org: 'nanyuan', period: '2024', reason: 'forged' }),
        });
        return { status: answer.status, body: await answer.json() };
    });
    check(outside.status === 403 && /outside the scope donghu/.test(outside.body.error.message),
        'a withdrawal outside the clerk\'s scope was not refused: ' + JSON.stringify(outside));
    log('clerk: no officer action offered; a forged reveal and a withdrawal outside donghu '
        + 'answered 403 forbidden');
    await context.close();
}

// 3. An officer reveals a talent with a reason; the audit shows it.
async function officer() {
    const { context, page } = await person();
    await signIn(page, 'olga');
    await page.goto(GW + '/talents');
    await page.getByRole('button', { name: TALENT }).click();
    await axe(page, 'talents');
    const reason = '核实居住证 (web test)';
    await page.getByLabel('查看原因(将记入审计)').fill(reason);
    await page.getByRole('button', { name: '查看明文' }).click();
    await page.waitForFunction((n) => {
        const dd = document.querySelector('[data-field=id_number]');
        return dd && dd.textContent === n;
    }, TALENT_ID_NUMBER);
    const audit = page.locator('table.audit tbody tr', { hasText: reason });
    await audit.first().waitFor();
    check((await audit.first().innerText()).includes('olga'), 'the audit does not name olga');
    await shot(page, 'talents-officer');
    log('officer: revealed with a reason; the audit names olga and the reason');

    await team(page, true);

    // She issues the report shown: the workbook downloads (POST
    // /api/v1/report.xlsx), and report.list has one more, made by her.
    const issuedList = async () => (await (await context.request.get(
        GW + '/api/v1/reports?kind=annual&limit=100')).json()).reports;
    const before = (await issuedList()).length;
    await page.goto(GW + '/report');
    await page.locator('article.report').waitFor();
    const reportYear = await page.locator('article.report').getAttribute('data-year');
    const [issued] = await Promise.all([page.waitForEvent('download'),
        page.locator('[data-workbook=issue]').click()]);
    await workbook(issued, reportYear, 'report-issued.xlsx');
    await page.locator('.report-workbook [role=status]').waitFor();
    const after = await issuedList();
    check(after.length === before + 1 && JSON.stringify(after[0].by).includes('olga')
        && /^report-.*-annual\.xlsx$/.test(after[0].file),
    'the report issued is not listed, by olga: ' + JSON.stringify(after[0]));
    log(`officer: issued the ${reportYear} annual report from the page; report.list has it`);

    // She approves donghu's period on the approvals page; stictl says so.
    await approvalsPage(page);
    const period = await page.locator('input[name=period]').inputValue();
    await page.locator('[data-approve=donghu]').click();
    await page.locator('tr[data-org=donghu] [data-state=approved]').waitFor({ timeout: 5000 });
    const listed = JSON.parse(stictl('approvals', '--period', period, '--json'));
    const donghu = listed.units.find((u) => u.org === 'donghu');
    check(donghu && donghu.state === 'approved' && donghu.by === 'olga',
        'stictl approvals does not show donghu approved by olga: ' + JSON.stringify(donghu));
    log(`officer: approved donghu ${period} on the page; stictl approvals says approved by olga`);

    // She reopens it with a reason; stictl says reopened, by her, with it.
    const why = '数据需复核 (web test)';
    const donghuRow = page.locator('tr[data-org=donghu]');
    await donghuRow.getByLabel('退回原因').fill(why);
    await donghuRow.getByRole('button', { name: /^退回/ }).click();
    await page.locator('tr[data-org=donghu] [data-state=reopened]').waitFor({ timeout: 5000 });
    check((await donghuRow.innerText()).includes(why), 'the page does not show the reason');
    const reopened = JSON.parse(stictl('approvals', '--period', period, '--json'))
        .units.find((u) => u.org === 'donghu');
    check(reopened.state === 'reopened' && reopened.by === 'olga' && reopened.reason === why,
        'stictl approvals does not show donghu reopened by olga: ' + JSON.stringify(reopened));
    log(`officer: reopened donghu ${period} with a reason; stictl approvals says so`);

    // Approved meanwhile by someone else (stictl, as admin) while her page still
    // offers it: her approval is refused, and the page shows the service's words.
    stictl('approve', 'nanyuan', period);
    await page.locator('[data-approve=nanyuan]').click();
    const refusal = page.locator('tr[data-org=nanyuan] .error');
    await refusal.waitFor({ timeout: 5000 });
    const words = await refusal.innerText();
    check(/409 conflict/.test(words) && /approved/i.test(words),
        'the second approval is not refused as the service says: ' + words);
    await axe(page, 'approvals-officer');
    await shot(page, 'approvals-officer');
    log('officer: approving what was approved meanwhile shows the service\'s refusal: '
        + words.replace(/\s+/g, ' ').slice(0, 160));

    // Her own password changed: her sessions end, the new one signs in.
    await page.goto(GW + '/account');
    const wrong = await page.evaluate(async () => {
        const session = await (await fetch('/api/v1/session')).json();
        const answer = await fetch('/api/v1/session/password', {
            method: 'PUT', headers: { 'Content-Type': 'application/json',
                'X-CSRF-Token': session.csrf },
            body: JSON.stringify({ current: 'not-her-password', password: 'whatever-else-1' }),
        });
        return { status: answer.status, body: await answer.json() };
    });
    check(wrong.status === 401 && wrong.body.error.code === 'unauthenticated',
        'a wrong current password was not refused: ' + JSON.stringify(wrong));
    await page.getByLabel('当前密码').fill(PASSWORD);
    await page.getByLabel('新密码').fill(PASSWORD + '-new');
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.getByText('密码已修改').waitFor();
    const old = await context.request.get(GW + '/api/v1/session');
    check(old.status() === 401, 'the old session still answers: ' + old.status());
    await page.getByLabel('用户名', { exact: true }).fill('olga');
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD + '-new');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('header.top').waitFor();
    log('officer: changed her own password; signed in again with the new one');
    await context.close();
}

try {
    await reader();
    await clerk();
    await officer();
    measures.total_s = (Date.now() - started) / 1000;
    writeFileSync(join(OUT, 'measures.json'), JSON.stringify(measures, null, 2) + '\n');
    console.log('measures: ' + JSON.stringify(measures));
    console.log('PASS');
} finally {
    await browser.close();
}
