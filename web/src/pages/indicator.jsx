// One indicator: its values by year against the target trajectory (the
// baseline, then the catalog's targets) and the projection to the plan's end
// (dashed; GET /api/v1/forecast), the breakdown by org unit for a year, every
// revision with who, when, withdrawals and reasons (GET .../values), and the
// definition with the plan's own sentence (GET /api/v1/indicators/{code}).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useEvents } from '../events.js';
import { categoryText, forecastText, number, originText, percent, pick, t, when } from '../i18n.js';
import { Badge, ErrorBox, Loading, Page } from '../ui.jsx';

const yearOf = (period) => Number(String(period).slice(0, 4));

function mainOption(indicator, series, forecast, plan) {
    const first = Math.min(plan.baseline_year, indicator.baseline ? yearOf(indicator.baseline.period)
        : plan.start_year);
    const years = [];
    for (let y = first; y <= plan.end_year; y++) years.push(String(y));
    const at = (pairs) => years.map((y) => (pairs.has(y) ? pairs.get(y) : null));
    const values = new Map(series.points.filter((p) => /^\d{4}$/.test(p.period))
        .map((p) => [p.period, p.value]));
    const trajectory = new Map();
    if (indicator.baseline) trajectory.set(String(indicator.baseline.period), indicator.baseline.value);
    indicator.targets.forEach((x) => trajectory.set(String(x.year), x.value));
    const projection = new Map();
    if (forecast && forecast.projection !== null && forecast.latest_period) {
        projection.set(String(yearOf(forecast.latest_period)), forecast.latest);
        projection.set(String(forecast.forecast_year), forecast.projection);
    }
    const unit = indicator.unit;
    return {
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 56, right: 16, top: 36, bottom: 28 },
        xAxis: { type: 'category', data: years },
        yAxis: { type: 'value', name: unit, scale: true },
        series: [
            { id: 'values', name: t('values'), type: 'line', data: at(values), connectNulls: true,
                symbolSize: 7 },
            { id: 'trajectory', name: t('trajectory'), type: 'line', data: at(trajectory),
                connectNulls: true, lineStyle: { type: 'solid', width: 1.5 }, symbol: 'diamond' },
            { id: 'projection', name: t('projection'), type: 'line', data: at(projection),
                connectNulls: true, lineStyle: { type: 'dashed' }, symbol: 'emptyCircle' },
        ],
    };
}

function Chart({ option, label }) {
    const element = useRef(null);
    const [charts, setCharts] = useState(null);
    useEffect(() => { import('../charts.js').then(setCharts); }, []);
    useEffect(() => {
        if (charts && option) charts.draw(element.current, option);
    }, [charts, option]);
    useEffect(() => () => charts && charts.dispose(element.current), [charts]);
    return <div class="chart" ref={element} role="img" aria-label={label} />;
}

function Breakdown({ code, orgs, year, unit }) {
    const [rows, setRows] = useState(null);
    useEffect(() => {
        let stopped = false;
        const children = orgs.filter((o) => o.parent && !o.retired);
        Promise.all(children.map((o) => get(`/indicators/${code}/values`,
            { org: o.code, from: year, to: year, revisions: 0 }).then(
            (s) => ({ org: o, point: s.points.find((p) => p.period === year) }),
            () => ({ org: o, point: null })))).then((r) => { if (!stopped) setRows(r); });
        return () => { stopped = true; };
    }, [code, year, orgs.length]);
    if (!rows) return <Loading />;
    const shown = rows.filter((r) => r.point);
    const option = {
        animation: false,
        tooltip: {},
        grid: { left: 56, right: 16, top: 16, bottom: 48 },
        xAxis: { type: 'category', data: shown.map((r) => pick(r.org)),
            axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', name: unit },
        series: [{ id: 'breakdown', type: 'bar', data: shown.map((r) => r.point.value) }],
    };
    return (
        <>
            {shown.length > 0 && <Chart option={option} label={t('breakdown')} />}
            <table>
                <thead><tr><th scope="col">{t('org')}</th><th scope="col">{t('value')}</th>
                    <th scope="col">{t('origin')}</th></tr></thead>
                <tbody>{rows.map((r) => (
                    <tr key={r.org.code}><th scope="row">{pick(r.org)}</th>
                        <td class="num">{r.point ? number(r.point.value) : '—'}</td>
                        <td>{r.point ? originText(r.point.origin) : ''}</td></tr>))}</tbody>
            </table>
        </>
    );
}

const REVISIONS_SHOWN = 50;

function Revisions({ points }) {
    const [all, setAll] = useState(false);
    const rows = [];
    [...points].reverse().forEach((p) => (p.revisions || []).slice().reverse().forEach((r) =>
        rows.push({ period: p.period, ...r })));
    return (
        <div class="scroll">
            <table>
                <thead><tr>
                    <th scope="col">{t('period')}</th><th scope="col">{t('revision')}</th>
                    <th scope="col">{t('value')}</th><th scope="col">{t('origin')}</th>
                    <th scope="col">{t('submitter')}</th><th scope="col">{t('time')}</th>
                    <th scope="col">{t('source')}</th><th scope="col">{t('reason')}</th>
                </tr></thead>
                <tbody>{(all ? rows : rows.slice(0, REVISIONS_SHOWN)).map((r) => (
                    <tr key={r.period + '/' + r.revision}
                        class={r.origin === 'withdrawn' ? 'withdrawn' : ''}>
                        <td>{r.period}</td><td class="num">{r.revision}</td>
                        <td class="num">{number(r.value)}</td><td>{originText(r.origin)}</td>
                        <td>{r.submitter || ''}</td><td>{when(r.time)}</td>
                        <td>{r.source || ''}</td><td>{r.reason || ''}</td></tr>))}</tbody>
            </table>
            {!all && rows.length > REVISIONS_SHOWN && (
                <button type="button" class="link" onClick={() => setAll(true)}>
                    {t('more')} ({rows.length - REVISIONS_SHOWN})</button>)}
        </div>
    );
}

export function Indicator({ code }) {
    const [state, setState] = useState(null);
    const [error, setError] = useState(null);
    const [year, setYear] = useState('');
    const load = async () => {
        try {
            const [indicator, catalog, orgs, progress] = await Promise.all([
                get(`/indicators/${encodeURIComponent(code)}`), get('/indicators'), get('/orgs'),
                get('/progress')]);
            const root = orgs.orgs.find((o) => !o.parent).code;
            const [series, forecast] = await Promise.all([
                get(`/indicators/${encodeURIComponent(code)}/values`, { org: root }),
                get('/forecast', { indicator: code, org: root }).then(
                    (f) => f.forecasts[0] || null, () => null)]);
            const row = progress.indicators.find((r) => r.code === code);
            setState({ indicator, plan: catalog.plan, orgs: orgs.orgs, root, series, forecast,
                row, year: String(progress.year) });
            setError(null);
        } catch (err) {
            setError(err);
        }
    };
    useEffect(() => { load(); }, [code]);
    useEvents('ind', (event) => {
        if (event.data && event.data.indicator === code) load();
    }, [code]);
    if (error) return <Page title={code}><ErrorBox error={error} /></Page>;
    if (!state) return <Page title={code}><Loading /></Page>;
    const { indicator, plan, series, forecast, row } = state;
    const shownYear = year || (row && row.latest_period ? String(yearOf(row.latest_period))
        : state.year);
    return (
        <Page title={pick(indicator)}>
            <p class="lead">{indicator.code} · {indicator.unit}
                {row && <> · <Badge status={row.status} /> {t('completion')} {percent(row.completion)}</>}
                {forecast && <> · {t('projection')}: {forecastText(forecast.forecast_class)}
                    {forecast.projection !== null &&
                        ` (${forecast.forecast_year}: ${number(forecast.projection)})`}</>}</p>
            <Chart option={mainOption(indicator, series, forecast, plan)}
                label={`${pick(indicator)}: ${t('values')}, ${t('trajectory')}, ${t('projection')}`} />
            <h2>{t('definition')}</h2>
            <dl class="facts">
                <dt>{t('category')}</dt><dd data-category={indicator.category}>
                    {categoryText(indicator.category)}
                    {indicator.tags.length > 0 && ' · ' + indicator.tags.join(', ')}</dd>
                <dt>{t('direction')}</dt><dd>{t('dir_' + indicator.direction)}</dd>
                {indicator.formula && <><dt>{t('formula')}</dt><dd><code>{indicator.formula}</code></dd></>}
                {indicator.baseline && <><dt>{t('baseline')}</dt>
                    <dd>{number(indicator.baseline.value)} {indicator.unit} ({indicator.baseline.period})</dd>
                    <dt>{t('source_line')}</dt><dd><q>{indicator.baseline.source_line}</q></dd></>}
                <dt>{t('target')}</dt><dd>{indicator.targets.length
                    ? indicator.targets.map((x) => `${x.year}: ${number(x.value)}`).join('; ')
                    : t('none')}</dd>
            </dl>
            <h2>{t('breakdown')}</h2>
            <label>{t('year')}
                <select value={shownYear} onChange={(e) => setYear(e.currentTarget.value)}>
                    {Array.from({ length: plan.end_year - plan.start_year + 1 }, (_, i) =>
                        String(plan.start_year + i)).map((y) => <option key={y}>{y}</option>)}
                </select></label>
            <Breakdown code={code} orgs={state.orgs} year={shownYear} unit={indicator.unit} />
            <h2>{t('revisions')}</h2>
            <Revisions points={series.points} />
        </Page>
    );
}
