// Routes by the History API: the gateway answers index.html for every path
// without a dot (docs/gateway.md, "Static files"), so /indicators/gdp loads
// the dashboard too. Links are plain <a href>; a click on one is taken here.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(path, replace = false) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    listeners.forEach((f) => f(location.pathname + location.search));
}

export function usePath() {
    const [path, setPath] = useState(location.pathname + location.search);
    useEffect(() => {
        const onPop = () => setPath(location.pathname + location.search);
        listeners.add(setPath);
        window.addEventListener('popstate', onPop);
        return () => {
            listeners.delete(setPath);
            window.removeEventListener('popstate', onPop);
        };
    }, []);
    return path;
}

export function interceptLinks() {
    document.addEventListener('click', (e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        const a = e.target.closest && e.target.closest('a[href]');
        if (!a || a.target || a.hasAttribute('download')) return;
        const url = new URL(a.href, location.href);
        if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
        e.preventDefault();
        navigate(url.pathname + url.search);
    });
}

// match('/indicators/:code', '/indicators/gdp') → {code: 'gdp'} or null.
export function match(pattern, path) {
    const want = pattern.split('/');
    const have = path.split('?')[0].split('/');
    if (want.length !== have.length) return null;
    const params = {};
    for (let i = 0; i < want.length; i++) {
        if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
        else if (want[i] !== have[i]) return null;
    }
    return params;
}

export function searchParam(name) {
    return new URLSearchParams(location.search).get(name);
}
