// 人才库: the registry's counts (talent.stats, readers too), and for officers
// a masked search (GET /api/v1/talents) where revealing a record's document
// number, phone and e-mail asks for a reason (POST .../reveal, officers only)
// and the record's audit trail shows who read what and why. A team is looked
// up by its id (GET /api/v1/teams/{id}: no personal data, readers too); an
// officer opens its leader's or a member's masked record from it.
import { useEffect, useState } from 'preact/hooks';
import { get, newKey, post } from '../api.js';
import { t, when } from '../i18n.js';
import { may } from '../roles.js';
import { ErrorBox, Loading, Page, useApi } from '../ui.jsx';

function Stats() {
    const { data, error } = useApi(() => get('/talents/stats'), []);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    const table = (title, counts) => (
        <table class="small-table">
            <caption>{title}</caption>
            <tbody>{Object.entries(counts || {}).map(([k, v]) => (
                <tr key={k}><th scope="row">{k}</th><td class="num">{v}</td></tr>))}</tbody>
        </table>
    );
    return (
        <div class="cards">
            <p class="big">{t('total')} <strong>{data.total}</strong></p>
            {table(t('level'), data.by_category)}
            {table(t('field'), data.by_field)}
            {table(t('year'), data.by_year)}
        </div>
    );
}

function Audit({ id, version }) {
    const { data, error } = useApi(() => get(`/talents/${id}/audit`), [id, version]);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    return (
        <table class="audit">
            <caption>{t('audit')} {id}</caption>
            <thead><tr><th scope="col">{t('time')}</th><th scope="col">{t('op')}</th>
                <th scope="col">{t('who')}</th><th scope="col">{t('reason')}</th></tr></thead>
            <tbody>{data.entries.map((e, i) => (
                <tr key={i}><td>{when(e.time)}</td><td>{e.op}</td><td>{e.who}</td>
                    <td>{e.reason || ''}</td></tr>))}</tbody>
        </table>
    );
}

function Detail({ talent, session, onClose }) {
    const [clear, setClear] = useState(null);
    const [error, setError] = useState(null);
    const [version, setVersion] = useState(0);
    const reveal = async (e) => {
        e.preventDefault();
        setError(null);
        try {
            setClear(await post(`/talents/${talent.id}/reveal`,
                { reason: new FormData(e.currentTarget).get('reason') }, { key: newKey() }));
        } catch (err) {
            setError(err);
        }
        setVersion((v) => v + 1);
    };
    const shown = clear || talent;
    return (
        <section class="detail" aria-label={talent.id}>
            <h2>{talent.name} <span class="muted">{talent.id}</span></h2>
            <dl class="facts">
                <dt>{t('id_number')}</dt><dd data-field="id_number">{shown.id_number}</dd>
                <dt>{t('phone')}</dt><dd>{shown.phone || '—'}</dd>
                <dt>{t('email')}</dt><dd>{shown.email || '—'}</dd>
            </dl>
            {may(session, 'talentReveal') && !clear && (
                <form class="inline" onSubmit={reveal}>
                    <label>{t('reveal_reason')}
                        <input name="reason" required maxLength={200} /></label>
                    <button type="submit">{t('reveal')}</button>
                </form>
            )}
            <ErrorBox error={error} />
            <Audit id={talent.id} version={version} />
            <button type="button" class="link" onClick={onClose} aria-label={t('close')}>✕</button>
        </section>
    );
}

function Search({ session }) {
    const [filters, setFilters] = useState({});
    const [page, setPage] = useState(null);
    const [error, setError] = useState(null);
    const [open, setOpen] = useState(null);
    useEffect(() => {
        get('/talents', { ...filters, limit: 50 }).then(setPage, setError);
    }, [filters]);
    return (
        <>
            <form class="filters" onSubmit={(e) => {
                e.preventDefault();
                const name = new FormData(e.currentTarget).get('name');
                setFilters(name ? { name } : {});
            }}>
                <label>{t('name')}<input name="name" /></label>
                <button type="submit">{t('search')}</button>
            </form>
            <ErrorBox error={error} />
            {!page ? <Loading /> : (
                <table>
                    <thead><tr><th scope="col">ID</th><th scope="col">{t('name')}</th>
                        <th scope="col">{t('level')}</th><th scope="col">{t('field')}</th>
                        <th scope="col">{t('employer')}</th><th scope="col">{t('id_number')}</th>
                        <th scope="col">{t('status')}</th></tr></thead>
                    <tbody>{page.talents.map((x) => (
                        <tr key={x.id}>
                            <td><button type="button" class="link" onClick={() => setOpen(x)}>
                                {x.id}</button></td>
                            <td>{x.name}</td><td>{x.category}</td><td>{x.field}</td>
                            <td>{x.employer ? x.employer.name : ''}</td><td>{x.id_number}</td>
                            <td>{x.status}</td></tr>))}</tbody>
                </table>
            )}
            {open && <Detail key={open.id} talent={open} session={session}
                onClose={() => setOpen(null)} />}
        </>
    );
}

function Team({ session }) {
    const [id, setId] = useState('');
    const [team, setTeam] = useState(null);
    const [error, setError] = useState(null);
    const [open, setOpen] = useState(null);
    const look = (e) => {
        e.preventDefault();
        setError(null);
        setOpen(null);
        get(`/teams/${encodeURIComponent(id.trim())}`).then(setTeam, (err) => {
            setTeam(null);
            setError(err);
        });
    };
    const officer = may(session, 'talentSearch');
    const person = (talentId) => (!talentId ? '—' : officer
        ? <button type="button" class="link" data-talent={talentId}
            onClick={() => get(`/talents/${talentId}`).then(setOpen, setError)}>{talentId}</button>
        : talentId);
    return (
        <section class="team">
            <h2>{t('team')}</h2>
            <form class="inline" onSubmit={look}>
                <label>{t('team_id')} <input name="team" value={id} required size={10}
                    placeholder="G000001" onInput={(e) => setId(e.target.value)} /></label>
                <button type="submit">{t('show')}</button>
            </form>
            <ErrorBox error={error} />
            {team && (
                <dl class="facts" data-team={team.id}>
                    <dt>{t('team_name')}</dt><dd data-field="name">{team.name}</dd>
                    <dt>{t('field')}</dt><dd data-field="field">{team.field}</dd>
                    <dt>{t('employer')}</dt><dd>{team.employer ? team.employer.name : '—'}</dd>
                    <dt>{t('leader')}</dt><dd data-field="leader">{person(team.leader)}</dd>
                    <dt>{t('members')}</dt><dd data-field="members">{team.members.length
                        ? team.members.map((m, i) => <span key={m}>{i ? ', ' : ''}{person(m)}</span>)
                        : '—'}</dd>
                    <dt>{t('version')}</dt><dd>{team.version}</dd>
                </dl>
            )}
            {open && <Detail key={open.id} talent={open} session={session}
                onClose={() => setOpen(null)} />}
        </section>
    );
}

export function Talents({ session }) {
    return (
        <Page title={t('talents')}>
            {may(session, 'talentStats') && <Stats />}
            {may(session, 'talentSearch') && <Search session={session} />}
            {(may(session, 'talentStats') || may(session, 'talentSearch'))
                && <Team session={session} />}
        </Page>
    );
}
