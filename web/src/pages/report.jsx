// 报告: the evaluation report (docs/report.md) as a printable page, from one
// answer of GET /api/v1/report?year=Y&kind=K[&since=D] (op report.data): the
// summary of every indicator at the district, the main indicators' values
// against their trajectory, the year's reporting completeness and the
// revisions since the last report. Every figure is the answer's; the page
// lays them out and draws them. The workbook `stictl report` writes is
// GET /api/v1/report.xlsx (a draft, a plain link) or, for an officer or
// admin, POST /api/v1/report.xlsx (recorded as issued, then saved).
import { useEffect, useRef, useState } from 'preact/hooks';
import { download, get, newKey, query, save } from '../api.js';
import { forecastText, getLang, number, percent, pick, reportText, t, when } from '../i18n.js';
import { may } from '../roles.js';
import { Badge, ErrorBox, Loading, Page, useApi } from '../ui.jsx';

const KINDS = ['annual', 'midterm', 'final'];
const CHARTS_MAX = 12; // as the workbook's Charts sheet

// The years a kind may be asked for (docs/report.md, "Kinds and years").
export function kindYears(kind, plan) {
    const years = [];
    for (let y = plan.start_year; y <= plan.end_year; y++) {
        if (kind === 'annual' || (kind === 'midterm' && y > plan.start_year && y < plan.end_year)
            || (kind === 'final' && y === plan.end_year)) years.push(y);
    }
    return years;
}

function defaultYear(plan) {
    const last = new Date().getUTCFullYear() - 1;
    return Math.min(plan.end_year, Math.max(plan.start_year, last));
}

function Picker({ plan, ask, onAsk }) {
    const [kind, setKind] = useState(ask.kind);
    const [year, setYear] = useState(ask.year);
    const [since, setSince] = useState(ask.since);
    const years = kindYears(kind, plan);
    const chosen = years.includes(year) ? year : years[years.length - 1];
    return (
        <form class="inline" onSubmit={(e) => {
            e.preventDefault();
            onAsk({ kind, year: chosen, since: since.trim() });
        }}>
            <label>{t('report_kind')}
                <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
                    {KINDS.map((k) => <option key={k} value={k}>{t('kind_' + k)}</option>)}
                </select></label>
            <label>{t('year')}
                <select name="year" value={chosen} onChange={(e) => setYear(Number(e.target.value))}>
                    {years.map((y) => <option key={y} value={y}>{y}</option>)}
                </select></label>
            <label>{t('since')} <input name="since" type="date" value={since}
                onInput={(e) => setSince(e.target.value)} /></label>
            <button type="submit">{t('show')}</button>
            <button type="button" onClick={() => window.print()}>{t('print')}</button>
        </form>
    );
}

function valueWith(value, note) {
    if (value === null || value === undefined) return '—';
    return <>{number(value)}{note ? <span class="muted small"> ({note})</span> : null}</>;
}

function Summary({ rows }) {
    return (
        <div class="scroll" tabIndex={0} role="region" aria-label={t('summary')}>
            <table class="report-summary">
                <caption>{t('summary')}</caption>
                <thead><tr>
                    <th scope="col">{t('indicator')}</th><th scope="col">{t('unit')}</th>
                    <th scope="col">{t('baseline')}</th><th scope="col">{t('latest')}</th>
                    <th scope="col">{t('target')}</th><th scope="col">{t('completion')}</th>
                    <th scope="col">{t('expected')}</th><th scope="col">{t('status')}</th>
                    <th scope="col">{t('projection')}</th><th scope="col">{t('forecast_class')}</th>
                </tr></thead>
                <tbody>{rows.map((r) => (
                    <tr key={r.code} data-code={r.code}>
                        <th scope="row">{pick(r)} <span class="muted small">{r.code}</span></th>
                        <td>{r.unit}</td>
                        <td class="num" data-field="baseline">{valueWith(r.baseline, r.baseline_period)}</td>
                        <td class="num" data-field="latest">{valueWith(r.latest, r.latest_period)}</td>
                        <td class="num" data-field="target">{valueWith(r.target, r.target_year)}</td>
                        <td class="num" data-field="completion">{percent(r.completion)}</td>
                        <td class="num" data-field="expected_completion">
                            {percent(r.expected_completion)}</td>
                        <td><Badge status={r.status} /></td>
                        <td class="num" data-field="projection">
                            {valueWith(r.projection, r.forecast_year)}</td>
                        <td data-field="forecast_class" data-class={r.forecast_class}>
                            <span class={'class class-' + r.forecast_class}>
                                {forecastText(r.forecast_class)}</span></td>
                    </tr>))}</tbody>
            </table>
        </div>
    );
}

// One main indicator: its values by year against the trajectory E(year),
// both as the answer's `years` give them.
function chartOption(row) {
    const years = row.years.map((y) => String(y.year));
    return {
        animation: false,
        legend: { top: 0, textStyle: { fontSize: 11 } },
        grid: { left: 48, right: 12, top: 30, bottom: 24 },
        xAxis: { type: 'category', data: years },
        yAxis: { type: 'value', scale: true, name: row.unit },
        series: [
            { id: 'values', name: t('values'), type: 'line', connectNulls: true, symbolSize: 6,
                data: row.years.map((y) => y.value) },
            { id: 'trajectory', name: t('trajectory'), type: 'line', connectNulls: true,
                symbol: 'diamond', lineStyle: { type: 'dashed', width: 1.5 },
                data: row.years.map((y) => y.expected) },
        ],
    };
}

function ReportChart({ row, charts }) {
    const element = useRef(null);
    useEffect(() => {
        if (charts) charts.draw(element.current, chartOption(row));
    }, [charts, row, getLang()]);
    useEffect(() => () => charts && charts.dispose(element.current), [charts]);
    return (
        <figure class="report-figure" data-code={row.code}>
            <figcaption>{pick(row)} <span class="muted small">({row.unit})</span></figcaption>
            <div class="report-chart" ref={element} role="img"
                aria-label={`${pick(row)}: ${t('values')} / ${t('trajectory')}`} />
        </figure>
    );
}

function Charts({ rows }) {
    const [charts, setCharts] = useState(null);
    useEffect(() => { import('../charts.js').then(setCharts); }, []);
    const main = rows.filter((r) => r.target !== null && r.years
        && r.years.some((y) => y.value !== null)).slice(0, CHARTS_MAX);
    if (!main.length) return <p class="muted">{t('none')}</p>;
    return <div class="report-charts">{main.map((r) =>
        <ReportChart key={r.code} row={r} charts={charts} />)}</div>;
}

const COUNTS = ['expected', 'received', 'on_time', 'late', 'missing', 'not_due'];

function Completeness({ section }) {
    if (!section) return <p class="muted">{t('no_completeness')}</p>;
    const total = section.total;
    return (
        <table class="report-completeness">
            <caption>{t('completeness')} · {section.period}</caption>
            <thead><tr>{COUNTS.map((k) => <th key={k} scope="col">
                {k === 'expected' ? t('reports_expected') : reportText(k)}</th>)}
                <th scope="col">{t('rate')}</th><th scope="col">{t('rate_on_time')}</th></tr></thead>
            <tbody><tr data-total={section.period}>
                {COUNTS.map((k) => <td key={k} class="num" data-count={k}>{total[k]}</td>)}
                <td class="num" data-count="rate">{percent(total.rate)}</td>
                <td class="num" data-count="rate_on_time">{percent(total.rate_on_time)}</td>
            </tr></tbody>
        </table>
    );
}

function Revisions({ data, names }) {
    if (!data.revisions.length) return <p class="muted">{t('no_revisions')}</p>;
    return (
        <table class="report-revisions">
            <caption>{t('revisions_since')} {data.since.slice(0, 10)} · {data.revisions.length}
                {data.revisions_more ? ' ' + t('revisions_more') : ''}</caption>
            <thead><tr><th scope="col">{t('indicator')}</th><th scope="col">{t('org')}</th>
                <th scope="col">{t('period')}</th><th scope="col">{t('value')}</th>
                <th scope="col">{t('revision')}</th><th scope="col">{t('time')}</th>
                <th scope="col">{t('submitter')}</th><th scope="col">{t('source')}</th></tr></thead>
            <tbody>{data.revisions.map((r) => (
                <tr key={r.indicator + '/' + r.org + '/' + r.period}>
                    <td>{names.indicators.get(r.indicator) || r.indicator}</td>
                    <td>{names.orgs.get(r.org) || r.org}</td><td>{r.period}</td>
                    <td class="num">{number(r.value)}</td><td class="num">{r.revision}</td>
                    <td>{when(r.time)}</td><td>{r.submitter || ''}</td><td>{r.source || ''}</td>
                </tr>))}</tbody>
        </table>
    );
}

// The workbook of the report shown: a draft by a link (the browser names it
// from Content-Disposition), or issued (report.issue) by an officer or admin.
// The Idempotency-Key is kept until an answer comes, so pressing again after
// a lost answer records the report once.
function Workbook({ data, ask, session }) {
    const params = { year: data.year, kind: data.kind, since: ask.since, lang: getLang() };
    const [state, setState] = useState({ busy: false, error: null, issued: '', key: '' });
    async function issue() {
        const key = state.key || newKey();
        setState({ busy: true, error: null, issued: '', key });
        try {
            const file = await download('POST', '/report.xlsx', { params, key });
            save(file);
            setState({ busy: false, error: null, issued: file.name, key: '' });
        } catch (error) {
            setState({ busy: false, error, issued: '', key: error.status ? '' : key });
        }
    }
    return (
        <div class="report-workbook no-print">
            <p class="inline">
                <a class="button" href={'/api/v1/report.xlsx' + query(params)} download
                    data-workbook="draft">{t('xlsx_draft')}</a>
                {may(session, 'reportIssue') && <button type="button" data-workbook="issue"
                    disabled={state.busy} onClick={issue}>{t('xlsx_issue')}</button>}
            </p>
            {state.issued && <p role="status" class="small">{t('xlsx_issued')} {state.issued}</p>}
            <ErrorBox error={state.error} />
            <p class="muted small">{t('xlsx_note')} <code>stictl report --year {data.year}
                {' '}--kind {data.kind}{getLang() === 'en' ? ' --lang en' : ''}
                {ask.since ? ' --since ' + ask.since : ''} [--draft] -o FILE.xlsx</code></p>
        </div>
    );
}

function Document({ ask, session }) {
    const { data, error } = useApi(() => get('/report', ask), [ask.year, ask.kind, ask.since]);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    const names = {
        indicators: new Map(data.indicators.map((r) => [r.code, pick(r)])),
        orgs: new Map(data.orgs.map((o) => [o.org, pick(o)])),
    };
    const counts = {};
    data.indicators.forEach((r) => { counts[r.status] = (counts[r.status] || 0) + 1; });
    return (
        <article class="report" data-year={data.year} data-kind={data.kind}>
            <header class="report-head">
                <p class="report-plan">{pick(data.plan)}</p>
                <h2 class="report-title">{data.year} {t('kind_' + data.kind)}</h2>
                <p class="muted small">{t('made')} {when(data.made)} · {t('revisions_since')}{' '}
                    {data.since.slice(0, 10)}</p>
            </header>
            <Workbook data={data} ask={ask} session={session} />
            <ul class="counts" aria-label={t('counts')}>
                {Object.entries(counts).map(([status, n]) => (
                    <li key={status}><Badge status={status} /> <span class="count">{n}</span></li>))}
            </ul>
            <Summary rows={data.indicators} />
            <section class="report-section">
                <h2>{t('main_indicators')}</h2>
                <Charts rows={data.indicators} />
            </section>
            <section class="report-section">
                <h2>{t('completeness')}</h2>
                <Completeness section={data.completeness} />
            </section>
            <section class="report-section">
                <h2>{t('revisions')}</h2>
                <Revisions data={data} names={names} />
            </section>
        </article>
    );
}

export function Report({ session }) {
    const plan = useApi(() => get('/indicators'), []);
    const [ask, setAsk] = useState(null);
    if (plan.error) return <Page title={t('report')}><ErrorBox error={plan.error} /></Page>;
    if (!plan.data) return <Page title={t('report')}><Loading /></Page>;
    const current = ask || { kind: 'annual', year: defaultYear(plan.data.plan), since: '' };
    return (
        <Page title={t('report')}>
            <Picker plan={plan.data.plan} ask={current} onAsk={setAsk} />
            <Document ask={current} session={session} />
        </Page>
    );
}
