// The live event streams (GET /api/v1/events, docs/gateway.md): one
// EventSource per stream, shared by every page that listens. The browser
// resumes a cut stream with Last-Event-ID by itself, so nothing is missed;
// an `event: lost` tells the listeners to read a fresh snapshot.
import { useEffect, useState } from 'preact/hooks';

const sources = new Map(); // stream → {source, listeners: Set, open}
const stateListeners = new Set();

function notifyState() {
    stateListeners.forEach((f) => f(isLive()));
}

// true (every stream open), false (one is cut), null (no page listens).
export function isLive() {
    if (!sources.size) return null;
    for (const entry of sources.values()) if (!entry.open) return false;
    return true;
}

function open(stream) {
    const entry = { listeners: new Set(), open: false };
    const source = new EventSource('/api/v1/events?stream=' + encodeURIComponent(stream));
    source.onopen = () => { entry.open = true; notifyState(); };
    source.onerror = () => { entry.open = false; notifyState(); };
    source.onmessage = (message) => {
        let event;
        try {
            event = JSON.parse(message.data);
        } catch {
            return;
        }
        entry.listeners.forEach((f) => f(event));
    };
    source.addEventListener('lost', () => {
        entry.listeners.forEach((f) => f({ type: 'lost', stream }));
    });
    entry.source = source;
    sources.set(stream, entry);
    return entry;
}

// subscribe(stream, f) → unsubscribe; f gets each event as `stictl watch --json` prints it.
export function subscribe(stream, listener) {
    const entry = sources.get(stream) || open(stream);
    entry.listeners.add(listener);
    return () => {
        entry.listeners.delete(listener);
        setTimeout(() => release(stream), 1000); // kept while the next page subscribes
    };
}

export function closeAll() {
    for (const entry of sources.values()) entry.source.close();
    sources.clear();
    notifyState();
}

function release(stream) {
    const entry = sources.get(stream);
    if (!entry || entry.listeners.size) return;
    entry.source.close();
    sources.delete(stream);
    notifyState();
}

export function useEvents(stream, listener, deps = []) {
    useEffect(() => subscribe(stream, listener), [stream, ...deps]);
}

export function useLive() {
    const [live, setLive] = useState(isLive());
    useEffect(() => {
        stateListeners.add(setLive);
        return () => stateListeners.delete(setLive);
    }, []);
    return live;
}
