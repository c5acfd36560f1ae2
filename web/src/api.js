// The one way the dashboard talks to sti-gateway (docs/gateway.md): JSON in
// and out, the session cookie sent by the browser, the CSRF token on every
// write, and an error that keeps the API's code, message and details so a page
// can show them as the service worded them.

let csrf = '';

export class ApiError extends Error {
    constructor(status, body) {
        const error = (body && body.error) || {};
        super(error.message || `HTTP ${status}`);
        this.status = status;
        this.code = error.code || 'http_' + status;
        this.details = error.details || [];
        this.body = body;
    }
}

export function setCsrf(token) {
    csrf = token || '';
}

export function query(params) {
    const parts = Object.entries(params || {})
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v));
    return parts.length ? '?' + parts.join('&') : '';
}

// request(method, path, {params, json, body, type, key}) → the answer's JSON;
// throws ApiError on any status but 2xx. `key` is an Idempotency-Key, so that a
// write sent again (a retry after a lost answer) is applied once.
export async function request(method, path, options = {}) {
    const headers = { Accept: 'application/json' };
    let body;
    if (options.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
        headers['Content-Type'] = options.type;
        body = options.body;
    }
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    if (options.key) headers['Idempotency-Key'] = options.key;
    const response = await fetch('/api/v1' + path + query(options.params), {
        method, headers, body, credentials: 'same-origin',
    });
    const text = await response.text();
    let parsed = null;
    try {
        parsed = text ? JSON.parse(text) : null;
    } catch {
        parsed = null;
    }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
}

const early = new Map(); // path → the promise of a GET asked before it was needed

// Asks for a GET now (at start, beside the session) that a page will ask for
// soon: the page's own get() of the same path takes the answer once.
export function prefetch(path) {
    const answer = request('GET', path);
    answer.catch(() => {});
    early.set(path, answer);
}

export function get(path, params) {
    const key = path + query(params);
    if (early.has(key)) {
        const answer = early.get(key);
        early.delete(key);
        return answer.catch(() => request('GET', path, { params })); // e.g. 401 before sign-in
    }
    return request('GET', path, { params });
}
export const post = (path, json, options = {}) => request('POST', path, { ...options, json });

// download(method, path, {params, key}) → {blob, name}: a file the API answers
// (the report's workbook), named as its Content-Disposition says (filename*,
// UTF-8, else filename); an error answer throws ApiError as request() does.
export async function download(method, path, options = {}) {
    const headers = {};
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    if (options.key) headers['Idempotency-Key'] = options.key;
    const response = await fetch('/api/v1' + path + query(options.params), {
        method, headers, credentials: 'same-origin',
    });
    if (!response.ok) {
        let parsed = null;
        try {
            parsed = await response.json();
        } catch {
            parsed = null;
        }
        throw new ApiError(response.status, parsed);
    }
    const disposition = response.headers.get('Content-Disposition') || '';
    const utf8 = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition);
    const plain = /filename="([^"]+)"/i.exec(disposition);
    const name = utf8 ? decodeURIComponent(utf8[1]) : plain ? plain[1] : 'download';
    return { blob: await response.blob(), name };
}

// Hands a file to the browser's downloads under its name.
export function save({ blob, name }) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// A fresh Idempotency-Key for one user action (kept while the action is retried).
export function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
