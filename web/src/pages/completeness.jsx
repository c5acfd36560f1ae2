// 完整性: who reported what for a period (GET /api/v1/completeness?period=P
// &reports=true: the total, each org unit, each indicator and every single
// report), the matrix org unit × indicator of those reports, and the overdue
// reports with each unit's contact (GET /api/v1/completeness/overdue?period=P).
// Every count and rate is the service's; the page only lays them out (a
// matrix cell counts the reports the answer lists for its unit and indicator).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { number, percent, pick, reportText, t } from '../i18n.js';
import { ErrorBox, Loading, Page, useApi } from '../ui.jsx';

const COUNTS = ['expected', 'received', 'on_time', 'late', 'missing', 'not_due'];

export function lastYear() {
    return String(new Date().getUTCFullYear() - 1);
}

export function PeriodForm({ period, onPeriod }) {
    const [text, setText] = useState(period);
    return (
        <form class="inline" onSubmit={(e) => { e.preventDefault(); onPeriod(text.trim()); }}>
            <label>{t('period')} <input name="period" value={text} size={10}
                placeholder="2025, 2025Q2, 2025-05" onInput={(e) => setText(e.target.value)} /></label>
            <button type="submit">{t('show')}</button>
        </form>
    );
}

function CountCells({ row }) {
    return (
        <>
            {COUNTS.map((k) => <td key={k} class="num" data-count={k}>{row[k]}</td>)}
            <td class="num" data-count="rate">{percent(row.rate)}</td>
            <td class="num" data-count="rate_on_time">{percent(row.rate_on_time)}</td>
        </>
    );
}

function CountHeads() {
    return (
        <>
            {COUNTS.map((k) => <th key={k} scope="col">
                {k === 'expected' ? t('reports_expected') : reportText(k)}</th>)}
            <th scope="col">{t('rate')}</th><th scope="col">{t('rate_on_time')}</th>
        </>
    );
}

function contact(row) {
    return [row.contact_name, row.contact_phone, row.contact_email,
        row.contact_dingtalk && 'DingTalk ' + row.contact_dingtalk].filter(Boolean).join(' · ');
}

function Overdue({ period }) {
    const { data, error } = useApi(() => get('/completeness/overdue', { period }), [period]);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    if (!data.overdue.length) return <p>{t('none_overdue')}</p>;
    return (
        <table class="overdue">
            <caption>{t('overdue')} · {period} · {number(data.overdue.length, 0)}</caption>
            <thead><tr><th scope="col">{t('org')}</th><th scope="col">{t('indicator')}</th>
                <th scope="col">{t('period')}</th><th scope="col">{t('due')}</th>
                <th scope="col">{t('days_overdue')}</th><th scope="col">{t('contact')}</th>
                <th scope="col">{t('status')}</th></tr></thead>
            <tbody>{data.overdue.map((r) => (
                <tr key={r.org + '/' + r.indicator + '/' + r.period}>
                    <th scope="row">{pick(r, 'org_name')} <span class="muted">{r.org}</span></th>
                    <td>{pick(r, 'indicator_name')} <span class="muted">{r.indicator}</span></td>
                    <td>{r.period}</td><td>{r.due}</td>
                    <td class="num">{r.days_overdue}</td><td>{contact(r) || '—'}</td>
                    <td><span class="badge badge-missing" data-status="missing">
                        {reportText('missing')}</span></td></tr>))}</tbody>
        </table>
    );
}

// Each report status with a symbol, so that the matrix does not speak by colour.
const MARKS = { on_time: '✓', late: '◷', missing: '✗', not_due: '…' };

function Mark({ status, count }) {
    return (
        <span class={'mark mark-' + status} data-status={status} data-n={count}>
            {MARKS[status]} {reportText(status)}{count > 1 ? ' ×' + count : ''}</span>
    );
}

function Matrix({ data }) {
    const cells = new Map(); // org/indicator → {status: count}
    for (const r of data.reports || []) {
        const key = r.org + '/' + r.indicator;
        const cell = cells.get(key) || {};
        cell[r.status] = (cell[r.status] || 0) + 1;
        cells.set(key, cell);
    }
    const ratio = (row) => `${row.received}/${row.expected}`;
    return (
        <>
            <p class="legend small">{Object.keys(MARKS).map((s) => <Mark key={s} status={s} count={1} />)}
                <span class="mark">— {t('no_duty')}</span></p>
            <div class="scroll" tabIndex={0} role="region" aria-label={t('matrix')}>
                <table class="matrix">
                    <caption>{t('matrix')} · {data.period}</caption>
                    <thead><tr><th scope="col">{t('org')}</th>
                        {data.indicators.map((i) => <th key={i.indicator} scope="col"
                            data-indicator={i.indicator}>{pick(i)}</th>)}
                        <th scope="col">{t('received_expected')}</th></tr></thead>
                    <tbody>{data.orgs.map((o) => (
                        <tr key={o.org} data-org={o.org}>
                            <th scope="row">{pick(o)}</th>
                            {data.indicators.map((i) => {
                                const cell = cells.get(o.org + '/' + i.indicator);
                                return (
                                    <td key={i.indicator} data-org={o.org} data-indicator={i.indicator}>
                                        {cell ? Object.keys(MARKS).filter((s) => cell[s]).map((s) =>
                                            <Mark key={s} status={s} count={cell[s]} />)
                                            : <span class="muted" title={t('no_duty')}>—</span>}</td>);
                            })}
                            <td class="num" data-count="received_expected">{ratio(o)}</td></tr>))}
                    </tbody>
                    <tfoot><tr><th scope="row">{t('total')}</th>
                        {data.indicators.map((i) => <td key={i.indicator} class="num"
                            data-indicator={i.indicator}>{ratio(i)}</td>)}
                        <td class="num" data-count="total">{ratio(data.total)}</td></tr></tfoot>
                </table>
            </div>
        </>
    );
}

function Answer({ period }) {
    const { data, error } = useApi(() => get('/completeness', { period, reports: true }), [period]);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    return (
        <>
            <p class="muted">{t('as_of')} {data.as_of}</p>
            <table class="completeness-total">
                <caption>{t('total')} · {data.period}</caption>
                <thead><tr><CountHeads /></tr></thead>
                <tbody><tr data-total={data.period}><CountCells row={data.total} /></tr></tbody>
            </table>
            <h2>{t('matrix')}</h2>
            <Matrix data={data} />
            <h2>{t('by_org')}</h2>
            <table class="completeness-orgs">
                <thead><tr><th scope="col">{t('org')}</th><th scope="col">{t('unit_type')}</th>
                    <th scope="col">{t('contact')}</th><CountHeads /></tr></thead>
                <tbody>{data.orgs.map((r) => (
                    <tr key={r.org} data-org={r.org}>
                        <th scope="row">{pick(r)} <span class="muted">{r.org}</span></th>
                        <td>{r.type || '—'}</td><td>{contact(r) || '—'}</td>
                        <CountCells row={r} /></tr>))}</tbody>
            </table>
            <h2>{t('by_indicator')}</h2>
            <table class="completeness-indicators">
                <thead><tr><th scope="col">{t('indicator')}</th><th scope="col">{t('frequency')}</th>
                    <th scope="col">{t('due_rule')}</th><CountHeads /></tr></thead>
                <tbody>{data.indicators.map((r) => (
                    <tr key={r.indicator} data-indicator={r.indicator}>
                        <th scope="row">{pick(r)} <span class="muted">{r.indicator}</span></th>
                        <td>{r.frequency}</td><td>{r.due}</td><CountCells row={r} /></tr>))}</tbody>
            </table>
            <h2>{t('overdue')}</h2>
            <Overdue period={data.period} />
        </>
    );
}

export function Completeness() {
    const [period, setPeriod] = useState(lastYear());
    return (
        <Page title={t('completeness')}>
            <PeriodForm period={period} onPeriod={setPeriod} />
            <Answer period={period} />
        </Page>
    );
}
