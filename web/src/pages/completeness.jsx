// 完整性: who reported what for a period (GET /api/v1/completeness?period=P:
// the total, each org unit, each indicator) and the overdue reports with each
// unit's contact (GET /api/v1/completeness/overdue?period=P). Every count and
// rate is the service's; the page only lays them out.
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
                    <th scope="row">{r.org_name_zh} <span class="muted">{r.org}</span></th>
                    <td>{r.indicator_name_zh} <span class="muted">{r.indicator}</span></td>
                    <td>{r.period}</td><td>{r.due}</td>
                    <td class="num">{r.days_overdue}</td><td>{contact(r) || '—'}</td>
                    <td><span class="badge badge-missing" data-status="missing">
                        {reportText('missing')}</span></td></tr>))}</tbody>
        </table>
    );
}

function Answer({ period }) {
    const { data, error } = useApi(() => get('/completeness', { period }), [period]);
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
