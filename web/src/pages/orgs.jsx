// 组织单位: the tree of org units (GET /api/v1/orgs) and, for the unit chosen,
// its indicators with their status (GET /api/v1/progress?org=U).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { number, percent, pick, t } from '../i18n.js';
import { Badge, ErrorBox, Loading, Page, useApi } from '../ui.jsx';

function Tree({ orgs, parent, chosen, onChoose }) {
    const children = orgs.filter((o) => (o.parent || null) === parent);
    if (!children.length) return null;
    return (
        <ul class={parent ? '' : 'tree'} role={parent ? 'group' : 'tree'}>
            {children.map((o) => (
                <li key={o.code} role="treeitem" aria-selected={o.code === chosen}>
                    <button type="button" class={o.code === chosen ? 'link chosen' : 'link'}
                        onClick={() => onChoose(o.code)}>{pick(o)}</button>
                    <span class="muted"> {o.code}{o.retired ? ' · ' + t('retired') : ''}</span>
                    <Tree orgs={orgs} parent={o.code} chosen={chosen} onChoose={onChoose} />
                </li>))}
        </ul>
    );
}

function UnitTable({ org }) {
    const { data, error } = useApi(() => get('/progress', { org }), [org]);
    if (error) return <ErrorBox error={error} />;
    if (!data) return <Loading />;
    return (
        <table>
            <caption>{pick(data, 'org_name')} · {data.year}</caption>
            <thead><tr><th scope="col">{t('indicator')}</th><th scope="col">{t('latest')}</th>
                <th scope="col">{t('target')}</th><th scope="col">{t('completion')}</th>
                <th scope="col">{t('status')}</th></tr></thead>
            <tbody>{data.indicators.map((r) => (
                <tr key={r.code}><th scope="row"><a href={`/indicators/${r.code}`}>{pick(r)}</a></th>
                    <td class="num">{number(r.latest)} {r.unit}</td>
                    <td class="num">{number(r.target)}</td><td class="num">{percent(r.completion)}</td>
                    <td><Badge status={r.status} /></td></tr>))}</tbody>
        </table>
    );
}

export function Orgs() {
    const { data, error } = useApi(() => get('/orgs'), []);
    const [chosen, setChosen] = useState(null);
    const orgs = data ? data.orgs : [];
    const shown = chosen || (orgs.find((o) => !o.parent) || {}).code;
    return (
        <Page title={t('orgs')}>
            <ErrorBox error={error} />
            {!data ? <Loading /> : (
                <div class="split">
                    <nav aria-label={t('units_tree')}>
                        <Tree orgs={orgs} parent={null} chosen={shown} onChoose={setChosen} />
                    </nav>
                    <div><h2>{t('unit_indicators')}</h2>{shown && <UnitTable org={shown} />}</div>
                </div>
            )}
        </Page>
    );
}
