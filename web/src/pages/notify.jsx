// 通知: sti-notify's rules, silences, deliveries and dead letters (docs/notify.md).
// Everyone reads them; only admin adds or removes rules and silences and sends
// a dead letter again (POST /api/v1/deliveries/{id}/retry).
import { useState } from 'preact/hooks';
import { get, newKey, post, request } from '../api.js';
import { t, when } from '../i18n.js';
import { may } from '../roles.js';
import { ErrorBox, Loading, Page, useApi } from '../ui.jsx';

function useAction(reload) {
    const [error, setError] = useState(null);
    const run = async (action) => {
        setError(null);
        try {
            await action();
            reload();
        } catch (err) {
            setError(err);
        }
    };
    return [error, run];
}

function Rules({ admin }) {
    const { data, error, reload } = useApi(() => get('/rules'), []);
    const [actionError, run] = useAction(reload);
    const add = (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const body = { name: f.get('name'), when: f.get('when'), severity: f.get('severity'),
            to: f.get('to').split(/\s+/).filter(Boolean) };
        if (f.get('indicators')) body.indicators = f.get('indicators').split(/[\s,]+/).filter(Boolean);
        run(() => post('/rules', body, { key: newKey() }));
    };
    return (
        <section>
            <h2>{t('rules')}</h2>
            <ErrorBox error={error || actionError} />
            {!data ? <Loading /> : (
                <table>
                    <thead><tr><th scope="col">ID</th><th scope="col">{t('name')}</th>
                        <th scope="col">{t('event')}</th><th scope="col">{t('when')}</th>
                        <th scope="col">{t('severity')}</th><th scope="col">{t('receivers')}</th>
                        {admin && <th scope="col"><span class="sr-only">{t('remove')}</span></th>}</tr></thead>
                    <tbody>{data.rules.map((r) => (
                        <tr key={r.id}><td>{r.id}</td><td>{r.name}</td><td>{r.event}</td>
                            <td><code>{r.when}</code></td><td>{r.severity}</td><td>{r.to.join(', ')}</td>
                            {admin && <td><button type="button" onClick={() => run(() =>
                                request('DELETE', `/rules/${r.id}`, { key: newKey() }))}>
                                {t('remove')}</button></td>}</tr>))}</tbody>
                </table>
            )}
            {admin && (
                <form class="grid-form" onSubmit={add}>
                    <label>{t('name')}<input name="name" required /></label>
                    <label>{t('when')}<input name="when" required placeholder="status_changed" /></label>
                    <label>{t('indicator')}<input name="indicators" /></label>
                    <label>{t('severity')}<select name="severity">
                        {['warning', 'info', 'critical'].map((s) => <option key={s}>{s}</option>)}
                    </select></label>
                    <label>{t('receivers')}<input name="to" required placeholder="webhook:https://…" /></label>
                    <button type="submit">{t('add')}</button>
                </form>
            )}
        </section>
    );
}

function Silences({ admin }) {
    const { data, error, reload } = useApi(() => get('/silences'), []);
    const [actionError, run] = useAction(reload);
    const add = (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const body = { ends_at: Date.now() + Number(f.get('hours')) * 3600e3,
            comment: f.get('comment') };
        ['rule', 'indicator', 'org'].forEach((k) => { if (f.get(k)) body[k] = f.get(k); });
        run(() => post('/silences', body, { key: newKey() }));
    };
    return (
        <section>
            <h2>{t('silences')}</h2>
            <ErrorBox error={error || actionError} />
            {!data ? <Loading /> : (
                <table>
                    <thead><tr><th scope="col">ID</th><th scope="col">{t('rules')}</th>
                        <th scope="col">{t('indicator')}</th><th scope="col">{t('org')}</th>
                        <th scope="col">{t('ends_at')}</th><th scope="col">{t('comment')}</th>
                        {admin && <th scope="col"><span class="sr-only">{t('remove')}</span></th>}</tr></thead>
                    <tbody>{data.silences.map((s) => (
                        <tr key={s.id}><td>{s.id}</td><td>{s.rule}</td><td>{s.indicator}</td>
                            <td>{s.org}</td><td>{when(s.ends_at)}</td><td>{s.comment}</td>
                            {admin && <td><button type="button" onClick={() => run(() =>
                                request('DELETE', `/silences/${s.id}`, { key: newKey() }))}>
                                {t('remove')}</button></td>}</tr>))}</tbody>
                </table>
            )}
            {admin && (
                <form class="grid-form" onSubmit={add}>
                    <label>{t('rules')}<input name="rule" placeholder="r-1" /></label>
                    <label>{t('indicator')}<input name="indicator" /></label>
                    <label>{t('org')}<input name="org" /></label>
                    <label>{t('ends_at')} (h)<input name="hours" type="number" min="1" value="24"
                        required /></label>
                    <label>{t('comment')}<input name="comment" /></label>
                    <button type="submit">{t('add')}</button>
                </form>
            )}
        </section>
    );
}

function Deliveries({ failed, admin }) {
    const { data, error, reload } = useApi(() => get('/deliveries', { failed, limit: 100 }), [failed]);
    const [actionError, run] = useAction(reload);
    return (
        <section>
            <h2>{failed ? t('dead_letters') : t('deliveries')}</h2>
            <ErrorBox error={error || actionError} />
            {!data ? <Loading /> : (
                <table>
                    <thead><tr><th scope="col">ID</th><th scope="col">{t('rules')}</th>
                        <th scope="col">{t('label')}</th><th scope="col">{t('receivers')}</th>
                        <th scope="col">{t('status')}</th><th scope="col">{t('attempts')}</th>
                        <th scope="col">{t('last_error')}</th><th scope="col">{t('time')}</th>
                        {failed && admin && <th scope="col"><span class="sr-only">{t('retry')}</span></th>}
                    </tr></thead>
                    <tbody>{data.deliveries.map((d) => (
                        <tr key={d.id}><td>{d.id}</td><td>{d.rule_name || d.rule}</td><td>{d.label}</td>
                            <td>{d.receiver}</td><td>{d.state}</td><td class="num">{d.attempts}</td>
                            <td>{d.last_error}</td><td>{when(d.updated)}</td>
                            {failed && admin && <td>{d.state === 'dead' && (
                                <button type="button" onClick={() => run(() =>
                                    post(`/deliveries/${encodeURIComponent(d.id)}/retry`, {},
                                        { key: newKey() }))}>{t('retry')}</button>)}</td>}
                        </tr>))}</tbody>
                </table>
            )}
        </section>
    );
}

export function Notifications({ session }) {
    const admin = may(session, 'notifyAdmin');
    return (
        <Page title={t('notifications')}>
            <Rules admin={admin} />
            <Silences admin={admin} />
            <Deliveries failed admin={admin} />
            <Deliveries failed={false} admin={admin} />
        </Page>
    );
}
