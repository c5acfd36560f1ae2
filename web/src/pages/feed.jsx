// 实时动态: the events of a stream as they come (GET /api/v1/events), newest
// first, filtered by type or subject; the latest 200 are kept.
import { useState } from 'preact/hooks';
import { useEvents } from '../events.js';
import { number, statusText, t, when } from '../i18n.js';
import { Page } from '../ui.jsx';

function summary(event) {
    const d = event.data || {};
    if (event.type === 'indicator.changed') {
        return `${number(d.old)} → ${number(d.new)} ${d.unit || ''} · ${statusText(d.status_before)}`
            + ` → ${statusText(d.status_after)}${d.reason ? ' · ' + d.reason : ''}`;
    }
    if (event.type === 'progress.changed') {
        return `${statusText(d.status_before)} → ${statusText(d.status_after)} (${d.cause})`;
    }
    return JSON.stringify(d).slice(0, 160);
}

export function Feed() {
    const [stream, setStream] = useState('ind');
    const [events, setEvents] = useState([]);
    const [filter, setFilter] = useState('');
    const [paused, setPaused] = useState(false);
    useEvents(stream, (event) => {
        if (!paused) setEvents((list) => [event, ...list].slice(0, 200));
    }, [paused]);
    const shown = events.filter((e) => !filter || (e.type + ' ' + (e.subject || '')).includes(filter));
    return (
        <Page title={t('feed')}>
            <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <label>{t('stream')}<select value={stream} onChange={(e) => {
                    setStream(e.currentTarget.value);
                    setEvents([]);
                }}>{['ind', 'tal', 'prj'].map((s) => <option key={s}>{s}</option>)}</select></label>
                <label>{t('filter')}<input value={filter}
                    onInput={(e) => setFilter(e.currentTarget.value)} /></label>
                <button type="button" onClick={() => setPaused(!paused)}>
                    {paused ? t('resume') : t('pause')}</button>
            </form>
            <table class="feed">
                <thead><tr><th scope="col">#</th><th scope="col">{t('time')}</th>
                    <th scope="col">{t('event')}</th><th scope="col">{t('subject')}</th>
                    <th scope="col">{t('change')}</th><th scope="col">{t('by')}</th></tr></thead>
                <tbody aria-live="polite">{shown.map((e) => (
                    <tr key={e.id || e.seq}><td class="num">{e.seq}</td><td>{when(e.time)}</td>
                        <td>{e.type}</td><td>{e.subject}</td><td>{summary(e)}</td>
                        <td>{e.data && e.data.by}</td></tr>))}</tbody>
            </table>
        </Page>
    );
}
