// 审核: each org unit's sign-off for a period (GET /api/v1/approvals/{period});
// an officer or admin approves (POST .../{period}/{org}) or reopens with a
// reason (POST .../{period}/{org}/reopen), each with an Idempotency-Key. A
// refusal (e.g. conflict while accepted rows are not applied yet) is shown as
// the service words it.
import { useState } from 'preact/hooks';
import { get, newKey, post } from '../api.js';
import { approvalText, pick, t, when } from '../i18n.js';
import { may } from '../roles.js';
import { ErrorBox, Loading, Page, useApi } from '../ui.jsx';
import { PeriodForm, lastYear } from './completeness.jsx';

function Actions({ period, row, onDone }) {
    const [reason, setReason] = useState('');
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const [key, setKey] = useState(newKey);
    const act = async (path, json) => {
        setBusy(true);
        setError(null);
        try {
            await post(path, json, { key });
            setKey(newKey());
            setReason('');
            onDone();
        } catch (e) {
            if (e.status) setKey(newKey()); // answered: a new try is a new request
            setError(e);
        } finally {
            setBusy(false);
        }
    };
    const base = `/approvals/${encodeURIComponent(period)}/${encodeURIComponent(row.org)}`;
    return (
        <div>
            {row.state !== 'approved' ? (
                <button type="button" disabled={busy} data-approve={row.org}
                    onClick={() => act(base, {})}>{t('approve')} {pick(row)}</button>
            ) : (
                <form class="inline" onSubmit={(e) => {
                    e.preventDefault();
                    if (reason.trim()) act(base + '/reopen', { reason: reason.trim() });
                }}>
                    <label>{t('reopen_reason')} <input value={reason} required
                        onInput={(e) => setReason(e.target.value)} /></label>
                    <button type="submit" disabled={busy || !reason.trim()}>
                        {t('reopen')} {pick(row)}</button>
                </form>
            )}
            <ErrorBox error={error} />
        </div>
    );
}

export function Approvals({ session }) {
    const [period, setPeriod] = useState(lastYear());
    const { data, error, reload } = useApi(() => get(`/approvals/${encodeURIComponent(period)}`),
        [period]);
    const acts = may(session, 'approve');
    return (
        <Page title={t('approvals')}>
            <PeriodForm period={period} onPeriod={setPeriod} />
            <ErrorBox error={error} />
            {!data ? (!error && <Loading />) : (
                <table class="approvals">
                    <caption>{t('approvals')} · {data.period}</caption>
                    <thead><tr><th scope="col">{t('org')}</th><th scope="col">{t('status')}</th>
                        <th scope="col">{t('by')}</th><th scope="col">{t('time')}</th>
                        <th scope="col">{t('reason')}</th>
                        {acts && <th scope="col">{t('action')}</th>}</tr></thead>
                    <tbody>{data.units.map((r) => (
                        <tr key={r.org} data-org={r.org}>
                            <th scope="row">{pick(r)} <span class="muted">{r.org}</span></th>
                            <td><span class={'badge badge-' + r.state} data-state={r.state}>
                                {approvalText(r.state)}</span></td>
                            <td>{r.by ? `${r.by} (${r.role})` : '—'}</td>
                            <td>{r.time ? when(r.time) : '—'}</td><td>{r.reason || '—'}</td>
                            {acts && <td><Actions period={data.period} row={r} onDone={reload} /></td>}
                        </tr>))}</tbody>
                </table>
            )}
        </Page>
    );
}
