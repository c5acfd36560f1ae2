// 总览: every indicator of the plan with its progress in a year at an org unit
// (GET /api/v1/progress), filtered by the catalog's category (shown by its
// name, i18n.js) and by its field and programme tags (GET /api/v1/indicators),
// a sparkline of its yearly values (GET
// /api/v1/indicators/{code}/values, asked after the table is drawn), and the
// `ind` event stream: any change at the org unit reads the progress again and
// the rows that changed are highlighted for a moment.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useEvents } from '../events.js';
import { categoryText, forecastText, number, percent, pick, statusText, t } from '../i18n.js';
import { searchParam } from '../router.js';
import { Badge, Bar, ErrorBox, Loading, Page } from '../ui.jsx';

const STATUSES = ['achieved', 'on_track', 'lagging', 'at_risk', 'no_data', 'no_target'];

function Sparkline({ points }) {
    if (!points) return <span class="spark muted" aria-hidden="true" data-loading />;
    const years = points.filter((p) => /^\d{4}$/.test(p.period) && p.value !== null);
    if (years.length < 2) return <span class="spark muted">—</span>;
    const values = years.map((p) => p.value);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const span = hi - lo || 1;
    const xy = years.map((p, i) => [
        (i / (years.length - 1)) * 78 + 1, 19 - ((p.value - lo) / span) * 18]);
    const label = years.map((p) => `${p.period}: ${number(p.value)}`).join(', ');
    return (
        <svg class="spark" viewBox="0 0 80 20" role="img" aria-label={label}>
            <polyline points={xy.map((p) => p.join(',')).join(' ')} />
            <circle cx={xy[xy.length - 1][0]} cy={xy[xy.length - 1][1]} r="1.8" />
        </svg>
    );
}

function useSparklines(rows, org) {
    const [series, setSeries] = useState({});
    useEffect(() => {
        if (!rows) return undefined;
        let stopped = false;
        const codes = rows.map((r) => r.code);
        const next = async () => {
            while (!stopped && codes.length) {
                const code = codes.shift();
                try {
                    const answer = await get(`/indicators/${encodeURIComponent(code)}/values`,
                        { org, revisions: 0 });
                    if (!stopped) setSeries((s) => ({ ...s, [code]: answer.points }));
                } catch {
                    if (!stopped) setSeries((s) => ({ ...s, [code]: [] }));
                }
            }
        };
        const timer = setTimeout(() => { for (let i = 0; i < 4; i++) next(); }, 50);
        return () => { stopped = true; clearTimeout(timer); };
    }, [rows && rows.map((r) => r.code + r.latest_period + r.latest).join('|'), org]);
    return series;
}

function changedRows(before, after) {
    if (!before) return new Set();
    const old = new Map(before.map((r) => [r.code, r]));
    const changed = new Set();
    for (const r of after) {
        const o = old.get(r.code);
        if (!o || o.latest !== r.latest || o.status !== r.status || o.completion !== r.completion
            || o.target !== r.target || o.forecast_class !== r.forecast_class) changed.add(r.code);
    }
    return changed;
}

function Row({ row, catalog, spark, flash }) {
    return (
        <tr class={flash ? 'flash' : ''} data-code={row.code}>
            <th scope="row"><a href={`/indicators/${row.code}`}>{pick(row)}</a>
                {catalog && catalog.tags.length > 0 &&
                    <span class="tags">{catalog.tags.join(' · ')}</span>}</th>
            <td class="num">{number(row.latest)} <span class="unit">{row.unit}</span>
                {row.latest_period && <span class="muted"> ({row.latest_period})</span>}</td>
            <td class="num">{number(row.target)}
                {row.target_year && <span class="muted"> ({row.target_year})</span>}</td>
            <td>{row.completion === null ? <span class="muted">—</span> : (<>
                <Bar fraction={row.completion} expected={row.expected_completion} />
                <span class="num small">{percent(row.completion)}</span></>)}</td>
            <td><Badge status={row.status} /></td>
            <td class="small">{forecastText(row.forecast_class)}</td>
            <td><Sparkline points={spark} /></td>
        </tr>
    );
}

export function Overview() {
    const [year, setYear] = useState(searchParam('year') || '');
    const [org, setOrg] = useState(searchParam('org') || '');
    const [category, setCategory] = useState('');
    const [tag, setTag] = useState('');
    const [progress, setProgress] = useState(null);
    const [catalog, setCatalog] = useState(null);
    const [error, setError] = useState(null);
    const [flash, setFlash] = useState(new Set());
    const previous = useRef(null);
    const pending = useRef(null);

    const load = () => get('/progress', { year, org }).then((p) => {
        performance.mark('sti-progress');
        setFlash(changedRows(previous.current, p.indicators));
        previous.current = p.indicators;
        setProgress(p);
        setError(null);
    }, setError);

    // Before the first paint, not after it: the answer is usually asked for
    // already (main.jsx), and the badges are what the page is waited for.
    useLayoutEffect(() => {
        previous.current = null;
        load();
    }, [year, org]);
    useEffect(() => { get('/indicators').then(setCatalog, setError); }, []);
    useEffect(() => {
        if (!flash.size) return undefined;
        const timer = setTimeout(() => setFlash(new Set()), 2500);
        return () => clearTimeout(timer);
    }, [flash]);
    useEvents('ind', (event) => {
        if (event.type === 'lost' || (event.data && (!org || event.data.org === org
            || !progress || event.data.org === progress.org))) {
            clearTimeout(pending.current);
            pending.current = setTimeout(load, 100);
        }
    }, [year, org, progress && progress.org]);

    const byCode = useMemo(() => new Map((catalog ? catalog.indicators : [])
        .map((i) => [i.code, i])), [catalog]);
    const rows = progress ? progress.indicators.filter((r) => {
        const c = byCode.get(r.code);
        return (!category || (c && c.category === category))
            && (!tag || (c && c.tags.includes(tag)));
    }) : null;
    const spark = useSparklines(progress && progress.indicators, progress && progress.org);
    useEffect(() => {
        if (rows && !window.__stiOverviewDrawn) {
            window.__stiOverviewDrawn = performance.now();
            performance.mark('sti-overview-badges');
        }
    }, [rows]);

    const categories = catalog ? [...new Set(catalog.indicators.map((i) => i.category))] : [];
    const tags = catalog ? [...new Set(catalog.indicators.flatMap((i) => i.tags))] : [];
    const counts = {};
    (rows || []).forEach((r) => { counts[r.status] = (counts[r.status] || 0) + 1; });
    const years = catalog ? Array.from({ length: catalog.plan.end_year - catalog.plan.start_year + 1 },
        (_, i) => catalog.plan.start_year + i) : [];

    return (
        <Page title={t('overview')}>
            {progress && <p class="lead">{pick(progress, 'org_name')} · {progress.year}</p>}
            <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <label>{t('year')}
                    <select value={year} onChange={(e) => setYear(e.currentTarget.value)}>
                        <option value="">{progress ? progress.year : '—'}</option>
                        {years.map((y) => <option key={y} value={y}>{y}</option>)}
                    </select></label>
                <label>{t('category')}
                    <select name="category" value={category}
                        onChange={(e) => setCategory(e.currentTarget.value)}>
                        <option value="">{t('all')}</option>
                        {categories.map((c) => <option key={c} value={c}>{categoryText(c)}</option>)}
                    </select></label>
                <label>{t('tag')}
                    <select name="tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)}>
                        <option value="">{t('all')}</option>
                        {tags.map((f) => <option key={f} value={f}>{f}</option>)}
                    </select></label>
                <OrgPicker value={org} onChange={setOrg} empty={t('root_default')} />
            </form>
            <ul class="counts" aria-label={t('counts')}>
                {STATUSES.map((s) => (
                    <li key={s} class={'count-' + s}><Badge status={s} />
                        <span class="count" data-count={s}>{counts[s] || 0}</span></li>))}
            </ul>
            <ErrorBox error={error} />
            {!rows ? <Loading /> : (
                <div class="scroll">
                    <table class="overview">
                        <caption class="sr-only">{t('overview')}</caption>
                        <thead><tr>
                            <th scope="col">{t('indicator')}</th><th scope="col">{t('latest')}</th>
                            <th scope="col">{t('target')}</th><th scope="col">{t('completion')}</th>
                            <th scope="col">{t('status')}</th><th scope="col">{t('projection')}</th>
                            <th scope="col">{t('trend')}</th>
                        </tr></thead>
                        <tbody>{rows.map((r) => (
                            <Row key={r.code} row={r} catalog={byCode.get(r.code)}
                                spark={spark[r.code]} flash={flash.has(r.code)} />))}</tbody>
                    </table>
                </div>
            )}
            <p class="sr-only" aria-live="polite">{flash.size ? `${flash.size} ${t('change')}` : ''}</p>
        </Page>
    );
}

// The org units to choose from; `within`: only that unit and those under it
// (a clerk's scope).
export function OrgPicker({ value, onChange, label = t('org'), all = true, empty = t('all'),
    within = '' }) {
    const [orgs, setOrgs] = useState([]);
    useEffect(() => { get('/orgs').then((a) => setOrgs(a.orgs), () => setOrgs([])); }, []);
    const parent = new Map(orgs.map((o) => [o.code, o.parent]));
    const under = (code) => {
        for (let c = code; c; c = parent.get(c)) if (c === within) return true;
        return false;
    };
    return (
        <label>{label}
            <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
                {all && <option value="">{empty}</option>}
                {orgs.filter((o) => !o.retired && (!within || under(o.code))).map((o) => (
                    <option key={o.code} value={o.code}>{pick(o)} ({o.code})</option>))}
            </select></label>
    );
}

export { statusText };
