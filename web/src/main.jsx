// The dashboard's shell: who is signed in (GET /api/v1/session), the pages a
// role may use in the navigation, the language switch, and the router.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { get, prefetch, request, setCsrf } from './api.js';
import { closeAll, useLive } from './events.js';
import { setLang, t, useLang } from './i18n.js';
import { may } from './roles.js';
import { interceptLinks, match, navigate, usePath } from './router.js';
import { SignIn, Account } from './pages/signin.jsx';
import { Overview } from './pages/overview.jsx';
import { Indicator } from './pages/indicator.jsx';
import { Orgs } from './pages/orgs.jsx';
import { Entry } from './pages/entry.jsx';
import { Projects, Project } from './pages/projects.jsx';
import { Talents } from './pages/talents.jsx';
import { Notifications } from './pages/notify.jsx';
import { Feed } from './pages/feed.jsx';
import { Completeness } from './pages/completeness.jsx';
import { Approvals } from './pages/approvals.jsx';
import { Report } from './pages/report.jsx';

const ROUTES = [
    ['/', () => true, (p) => <Overview {...p} />],
    ['/indicators/:code', () => true, (p) => <Indicator {...p} />],
    ['/orgs', () => true, (p) => <Orgs {...p} />],
    ['/entry', (s) => may(s, 'submit'), (p) => <Entry {...p} />],
    ['/completeness', () => true, (p) => <Completeness {...p} />],
    ['/approvals', () => true, (p) => <Approvals {...p} />],
    ['/projects', () => true, (p) => <Projects {...p} />],
    ['/projects/:code', () => true, (p) => <Project {...p} />],
    ['/talents', (s) => may(s, 'talentSearch') || may(s, 'talentStats'), (p) => <Talents {...p} />],
    ['/notifications', () => true, (p) => <Notifications {...p} />],
    ['/feed', () => true, (p) => <Feed {...p} />],
    ['/report', () => true, (p) => <Report {...p} />],
    ['/account', () => true, (p) => <Account {...p} />],
];

const NAV = [
    ['/', 'overview'], ['/orgs', 'orgs'], ['/entry', 'entry'], ['/completeness', 'completeness'],
    ['/approvals', 'approvals'], ['/projects', 'projects'],
    ['/talents', 'talents'], ['/notifications', 'notifications'], ['/feed', 'feed'], ['/report', 'report'],
];

function Header({ session, path, onSignOut }) {
    const lang = useLang();
    const live = useLive();
    const allowed = (route) => ROUTES.find(([p]) => p === route)[1](session);
    return (
        <header class="top">
            <a class="brand" href="/">{t('app')}</a>
            <nav aria-label={t('app')}>
                <ul>
                    {NAV.filter(([route]) => allowed(route)).map(([route, key]) => (
                        <li key={route}>
                            <a href={route}
                                aria-current={(route === '/' ? path === '/' : path.startsWith(route))
                                    ? 'page' : undefined}>{t(key)}</a>
                        </li>))}
                </ul>
            </nav>
            <div class="who">
                {live !== null && <span class={live ? 'live on' : 'live'} role="status">
                    {live ? '● ' + t('live') : '○ ' + t('offline')}</span>}
                <a href="/account" title={t('signed_in_as')}>{session.display || session.user}
                    {' '}({session.role}{session.org ? ' · ' + session.org : ''})</a>
                <button type="button" class="link" aria-label={t('language_label')}
                    onClick={() => setLang(lang === 'en' ? 'zh' : 'en')}>{t('language')}</button>
                <button type="button" class="link" onClick={onSignOut}>{t('signout')}</button>
            </div>
        </header>
    );
}

function App() {
    useLang();
    const path = usePath();
    const [session, setSession] = useState(undefined);
    const [notice, setNotice] = useState('');
    useEffect(() => {
        get('/session').then(
            (s) => { performance.mark('sti-session'); setCsrf(s.csrf); setSession(s); },
            () => setSession(null),
        );
    }, []);
    if (session === undefined) return <main id="main" />;
    if (session === null) {
        return <main id="main" class="narrow"><SignIn notice={notice} onSignedIn={(s) => {
            setNotice('');
            setCsrf(s.csrf);
            setSession(s);
            if (path.startsWith('/signin')) navigate('/', true);
        }} /></main>;
    }
    const signOut = async () => {
        try {
            await request('DELETE', '/session');
        } finally {
            closeAll();
            setCsrf('');
            setSession(null);
            navigate('/', true);
        }
    };
    let page = <p>{t('not_found')}</p>;
    for (const [pattern, allowed, view] of ROUTES) {
        const params = match(pattern, path);
        if (params && allowed(session)) {
            page = view({ ...params, session, onSignedOut: (why) => {
                closeAll();
                setCsrf('');
                setNotice(why || '');
                setSession(null);
                navigate('/', true);
            } });
            break;
        }
    }
    return (
        <>
            <a class="skip" href="#main">{t('skip')}</a>
            <Header session={session} path={path} onSignOut={signOut} />
            <main id="main" tabIndex={-1}>{page}</main>
        </>
    );
}

// The overview's answers are asked beside the session, not after it (they are
// refused with 401 when nobody is signed in, and then never used).
if (location.pathname === '/') ['/progress', '/indicators', '/orgs'].forEach(prefetch);
document.documentElement.lang = localStorage.getItem('sti-lang') === 'en' ? 'en' : 'zh-CN';
interceptLinks();
render(<App />, document.getElementById('app'));
