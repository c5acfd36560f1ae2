// Small pieces every page uses: reading an API answer into state, the status
// badge (text as well as colour), an error as the service worded it, and a
// table of refused rows.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { statusText, t } from './i18n.js';

// useApi(load, deps) → {data, error, loading, reload}; load() returns a promise.
export function useApi(load, deps) {
    const [state, setState] = useState({ data: null, error: null, loading: true });
    const reload = useCallback(() => {
        setState((s) => ({ ...s, loading: true }));
        return load().then(
            (data) => setState({ data, error: null, loading: false }),
            (error) => setState({ data: null, error, loading: false }),
        );
    }, deps);
    useEffect(() => { reload(); }, [reload]);
    return { ...state, reload };
}

export function Badge({ status }) {
    return <span class={'badge badge-' + status} data-status={status}>{statusText(status)}</span>;
}

export function Bar({ fraction, expected }) {
    if (fraction === null || fraction === undefined) return <span class="muted">—</span>;
    const width = Math.max(0, Math.min(1, fraction)) * 100;
    const mark = expected === null || expected === undefined ? null
        : Math.max(0, Math.min(1, expected)) * 100;
    return (
        <span class="bar" role="img"
            aria-label={`${t('completion')} ${(fraction * 100).toFixed(1)}%`}>
            <span class="bar-fill" style={{ width: width + '%' }} />
            {mark !== null && <span class="bar-mark" style={{ left: mark + '%' }} />}
        </span>
    );
}

export function Loading() {
    return <p class="muted" role="status">{t('loading')}</p>;
}

export function ErrorBox({ error }) {
    if (!error) return null;
    return (
        <div class="error" role="alert">
            <strong>{t('error')}</strong> {error.status ? `${error.status} ${error.code}: ` : ''}
            {error.message}
            {error.details && error.details.length > 0 && (
                <ul>{error.details.slice(0, 20).map((d, i) => (
                    <li key={i}>{d.index !== undefined && d.index >= 0 ? `#${d.index} ` : ''}
                        {d.field ? d.field + ': ' : ''}{d.reason}</li>))}</ul>
            )}
        </div>
    );
}

export function Page({ title, children }) {
    useEffect(() => { document.title = title + ' · ' + t('app'); }, [title]);
    return (
        <section>
            <h1>{title}</h1>
            {children}
        </section>
    );
}
