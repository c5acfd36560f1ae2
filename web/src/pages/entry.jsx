// 数据填报, for a clerk (and admin): a CSV or .xlsx posted as it is to POST
// /api/v1/observations, the refused rows in a table with their field and
// reason; one value in a form (the same route, JSON); a value withdrawn with a
// reason (POST /api/v1/indicators/{code}/withdrawals); and a CSV template of
// the reported indicators for the clerk's org unit. Each action carries an
// Idempotency-Key, so a retry of it is applied once.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, newKey, request } from '../api.js';
import { number, pick, t } from '../i18n.js';
import { ErrorBox, Page } from '../ui.jsx';
import { OrgPicker } from './overview.jsx';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function Result({ answer }) {
    if (!answer) return null;
    const errors = answer.errors || [];
    return (
        <div class="result" role="status">
            <p>{t('accepted')} <strong data-accepted>{answer.accepted}</strong> ·
                {' '}{t('rejected')} <strong data-rejected>{answer.rejected}</strong>
                {answer.skipped !== undefined && <> · {t('skipped')} {answer.skipped}</>}</p>
            {errors.length > 0 && (
                <>
                    <table class="refused">
                        <caption>{t('refused_rows')}</caption>
                        <thead><tr><th scope="col">{t('row')}</th><th scope="col">{t('column')}</th>
                            <th scope="col">{t('reason')}</th></tr></thead>
                        <tbody>{errors.map((e, i) => (
                            <tr key={i}><td class="num">{e.row !== undefined ? e.row : e.index}</td>
                                <td><code>{e.field}</code></td><td>{e.reason}</td></tr>))}</tbody>
                    </table>
                    <p>{t('fix_resubmit')}</p>
                </>
            )}
        </div>
    );
}

function Upload() {
    const [answer, setAnswer] = useState(null);
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const submit = async (e) => {
        e.preventDefault();
        const file = e.currentTarget.elements.file.files[0];
        if (!file) return;
        const type = /\.xlsx$/i.test(file.name) ? XLSX : 'text/csv';
        setBusy(true);
        setError(null);
        setAnswer(null);
        try {
            setAnswer(await request('POST', '/observations', {
                body: await file.arrayBuffer(), type, key: newKey(), params: { source: file.name },
            }));
        } catch (err) {
            setError(err);
            if (err.body && err.body.errors) setAnswer(err.body);
        } finally {
            setBusy(false);
        }
    };
    return (
        <form class="stack" onSubmit={submit}>
            <h2>{t('upload')}</h2>
            <label>{t('upload_hint')}
                <input name="file" type="file" accept=".csv,.xlsx,text/csv" required /></label>
            <button type="submit" disabled={busy}>{t('submit')}</button>
            <ErrorBox error={error} />
            <Result answer={answer} />
        </form>
    );
}

function Single({ indicators, session, defaultOrg }) {
    const [answer, setAnswer] = useState(null);
    const [error, setError] = useState(null);
    const [chosen, setOrg] = useState('');
    const org = chosen || defaultOrg;
    const submit = async (e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const row = { indicator: form.get('indicator'), org, period: form.get('period'),
            value: form.get('value') };
        if (form.get('source')) row.source = form.get('source');
        if (form.get('note')) row.note = form.get('note');
        setError(null);
        setAnswer(null);
        try {
            setAnswer(await request('POST', '/observations', { json: { rows: [row] }, key: newKey() }));
        } catch (err) {
            setError(err);
        }
    };
    return (
        <form class="grid-form" onSubmit={submit}>
            <h2>{t('single_value')}</h2>
            <IndicatorPicker indicators={indicators} />
            <OrgPicker value={org} onChange={setOrg} all={false} within={session.org} />
            <label>{t('period')}<input name="period" required placeholder="2025 / 2025Q2 / 2025-05"
                pattern="\d{4}(Q[1-4]|-\d{2})?" /></label>
            <label>{t('value')}<input name="value" required inputMode="decimal" /></label>
            <label>{t('source')}<input name="source" /></label>
            <label>{t('note')}<input name="note" /></label>
            <button type="submit">{t('submit')}</button>
            <ErrorBox error={error} />
            <Result answer={answer} />
        </form>
    );
}

function Withdraw({ indicators, session, defaultOrg }) {
    const [answer, setAnswer] = useState(null);
    const [error, setError] = useState(null);
    const [chosen, setOrg] = useState('');
    const org = chosen || defaultOrg;
    const submit = async (e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setError(null);
        setAnswer(null);
        try {
            setAnswer(await request('POST',
                `/indicators/${encodeURIComponent(form.get('indicator'))}/withdrawals`, {
                    json: { org, period: form.get('period'), reason: form.get('reason') },
                    key: newKey(),
                }));
        } catch (err) {
            setError(err);
        }
    };
    return (
        <form class="grid-form" onSubmit={submit}>
            <h2>{t('withdraw')}</h2>
            <IndicatorPicker indicators={indicators} />
            <OrgPicker value={org} onChange={setOrg} all={false} within={session.org} />
            <label>{t('period')}<input name="period" required /></label>
            <label>{t('reason')}<input name="reason" required maxLength={500} /></label>
            <button type="submit">{t('withdraw')}</button>
            <ErrorBox error={error} />
            {answer && <p role="status">{t('withdrawn')}: {answer.indicator} {answer.org}
                {' '}{answer.period} ({number(answer.value)}, {t('revision')} {answer.revision})</p>}
        </form>
    );
}

function IndicatorPicker({ indicators }) {
    return (
        <label>{t('indicator')}
            <select name="indicator" required>
                {indicators.map((i) => (
                    <option key={i.code} value={i.code}>{pick(i)} ({i.code}, {i.unit})</option>))}
            </select></label>
    );
}

// The template: a header in Chinese (stictl reads it) and a row for each
// reported indicator at the clerk's org unit for the year, value left empty
// (a row without a value is skipped, so a half-filled form is fine).
function templateUrl(indicators, org, year) {
    const quote = (s) => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
    const lines = ['指标代码,组织,期间,数值,单位,数据来源,备注,指标名称'];
    indicators.forEach((i) => lines.push([i.code, org, year, '', i.unit, '', '', i.name_zh]
        .map((s) => quote(String(s))).join(',')));
    return URL.createObjectURL(new Blob(['\ufeff' + lines.join('\n') + '\n'], { type: 'text/csv' }));
}

export function Entry({ session }) {
    const [catalog, setCatalog] = useState(null);
    const [error, setError] = useState(null);
    const [orgs, setOrgs] = useState([]);
    const [year, setYear] = useState('');
    useEffect(() => {
        get('/indicators').then(setCatalog, setError);
        get('/orgs').then((a) => setOrgs(a.orgs), setError);
    }, []);
    const reported = catalog ? catalog.indicators.filter((i) => !i.formula) : [];
    const org = session.org || (orgs.find((o) => !o.parent) || {}).code || '';
    const years = catalog ? Array.from({ length: catalog.plan.end_year - catalog.plan.start_year + 1 },
        (_, i) => String(catalog.plan.start_year + i)) : [];
    const defaultYear = String(Math.min(new Date().getFullYear(),
        catalog ? catalog.plan.end_year : 9999));
    const template = useMemo(() => (catalog ? templateUrl(reported, org, year || defaultYear) : ''),
        [catalog, org, year, defaultYear]);
    useEffect(() => () => template && URL.revokeObjectURL(template), [template]);
    return (
        <Page title={t('entry')}>
            <ErrorBox error={error} />
            <Upload />
            {catalog && (
                <p class="template">
                    <label>{t('template_year')}
                        <select value={year || defaultYear} onChange={(e) => setYear(e.currentTarget.value)}>
                            {years.map((y) => <option key={y}>{y}</option>)}</select></label>{' '}
                    <a href={template} download={`填报模板-${org}-${year || defaultYear}.csv`}>
                        {t('template')}</a></p>
            )}
            {catalog && <Single indicators={reported} session={session} defaultOrg={org} />}
            {catalog && <Withdraw indicators={reported} session={session} defaultOrg={org} />}
        </Page>
    );
}
