// 项目: the plan's projects with status and level (GET /api/v1/projects), and
// one project's milestones on a timeline, the late ones marked, with its
// status history (GET /api/v1/projects/{code}).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { number, pick, t, when } from '../i18n.js';
import { ErrorBox, Loading, Page, useApi } from '../ui.jsx';

export function Projects() {
    const [filters, setFilters] = useState({});
    const { data, error } = useApi(() => get('/projects', { ...filters, limit: 500 }),
        [JSON.stringify(filters)]);
    const set = (key) => (e) => setFilters({ ...filters, [key]: e.currentTarget.value });
    return (
        <Page title={t('projects')}>
            <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <label>{t('kind')}<select onChange={set('kind')}><option value="">{t('all')}</option>
                    {['platform', 'research', 'incubator', 'other'].map((k) =>
                        <option key={k}>{k}</option>)}</select></label>
                <label>{t('level')}<select onChange={set('level')}><option value="">{t('all')}</option>
                    {['national', 'provincial', 'municipal', 'district'].map((k) =>
                        <option key={k}>{k}</option>)}</select></label>
                <label>{t('status')}<select onChange={set('status')}><option value="">{t('all')}</option>
                    {['planned', 'in_progress', 'completed', 'suspended', 'cancelled'].map((k) =>
                        <option key={k}>{k}</option>)}</select></label>
            </form>
            <ErrorBox error={error} />
            {!data ? <Loading /> : (
                <div class="scroll"><table>
                    <thead><tr><th scope="col">{t('indicator')}</th><th scope="col">{t('kind')}</th>
                        <th scope="col">{t('level')}</th><th scope="col">{t('status')}</th>
                        <th scope="col">{t('start')}</th><th scope="col">{t('end')}</th>
                        <th scope="col">{t('milestones')}</th><th scope="col">{t('late')}</th></tr></thead>
                    <tbody>{data.projects.map((p) => (
                        <tr key={p.code}><th scope="row"><a href={`/projects/${p.code}`}>{pick(p)}</a></th>
                            <td>{p.kind}</td><td>{p.level}</td><td>{p.status}</td><td>{p.start}</td>
                            <td>{p.end}</td><td class="num">{p.done}/{p.milestones}</td>
                            <td class={p.late ? 'late num' : 'num'}>{p.late
                                ? `${p.late} ${t('late')}` : '0'}</td></tr>))}</tbody>
                </table></div>
            )}
        </Page>
    );
}

export function Project({ code }) {
    const { data, error } = useApi(() => get(`/projects/${encodeURIComponent(code)}`), [code]);
    if (error) return <Page title={code}><ErrorBox error={error} /></Page>;
    if (!data) return <Page title={code}><Loading /></Page>;
    return (
        <Page title={pick(data)}>
            <p class="lead">{data.code} · {data.kind} · {data.level} · {data.status}
                {' '}({data.start} – {data.end})
                {data.investment && ` · ${t('investment')} ${number(data.investment.value)} ${data.investment.unit}`}</p>
            <h2>{t('milestones')}</h2>
            <ol class="timeline">
                {data.milestones.map((m) => (
                    <li key={m.id} class={m.late && !m.done ? 'late' : m.done ? 'done' : ''}>
                        <span class="when">{m.due}</span> {m.description}{' '}
                        <strong>{m.done ? '✓ ' + t('done') : m.late ? '⚠ ' + t('late') : ''}</strong>
                    </li>))}
            </ol>
            <h2>{t('history')}</h2>
            <table>
                <thead><tr><th scope="col">{t('time')}</th><th scope="col">{t('who')}</th>
                    <th scope="col">{t('change')}</th><th scope="col">{t('reason')}</th></tr></thead>
                <tbody>{data.history.map((h, i) => (
                    <tr key={i}><td>{when(h.time)}</td><td>{h.who}</td>
                        <td>{h.from || '—'} → {h.to} ({h.on})</td><td>{h.reason || ''}</td></tr>))}</tbody>
            </table>
        </Page>
    );
}
