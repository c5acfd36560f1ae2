// Sign-in (POST /api/v1/session), and the account page: who is signed in and
// changing one's own password (PUT /api/v1/session/password).
import { useState } from 'preact/hooks';
import { request } from '../api.js';
import { setLang, t, useLang } from '../i18n.js';
import { ErrorBox, Page } from '../ui.jsx';

export function SignIn({ onSignedIn, notice }) {
    const lang = useLang();
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const submit = async (e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setBusy(true);
        setError(null);
        try {
            onSignedIn(await request('POST', '/session', {
                json: { username: form.get('username'), password: form.get('password') },
            }));
        } catch (err) {
            setError(err);
        } finally {
            setBusy(false);
        }
    };
    return (
        <Page title={t('signin')}>
            <p class="brand-big">{t('app')}</p>
            {notice && <p role="status">{notice}</p>}
            <form class="stack" onSubmit={submit}>
                <label>{t('username')}
                    <input name="username" autocomplete="username" required /></label>
                <label>{t('password')}
                    <input name="password" type="password" autocomplete="current-password"
                        required /></label>
                <button type="submit" disabled={busy}>{t('signin')}</button>
            </form>
            <ErrorBox error={error} />
            <button type="button" class="link" aria-label={t('language_label')}
                onClick={() => setLang(lang === 'en' ? 'zh' : 'en')}>{t('language')}</button>
        </Page>
    );
}

export function Account({ session, onSignedOut }) {
    const [error, setError] = useState(null);
    const submit = async (e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setError(null);
        try {
            await request('PUT', '/session/password', {
                json: { current: form.get('current'), password: form.get('password') },
            });
            onSignedOut(t('password_changed'));
        } catch (err) {
            setError(err);
        }
    };
    return (
        <Page title={t('account')}>
            <dl class="facts">
                <dt>{t('username')}</dt><dd>{session.user}</dd>
                <dt>{t('role')}</dt><dd>{session.role}</dd>
                <dt>{t('org')}</dt><dd>{session.org || t('all')}</dd>
            </dl>
            {session.by !== 'token' && (
                <form class="stack" onSubmit={submit}>
                    <h2>{t('change_password')}</h2>
                    <label>{t('current_password')}
                        <input name="current" type="password" autocomplete="current-password"
                            required /></label>
                    <label>{t('new_password')}
                        <input name="password" type="password" autocomplete="new-password"
                            minLength={10} required /></label>
                    <button type="submit">{t('change_password')}</button>
                </form>
            )}
            <ErrorBox error={error} />
        </Page>
    );
}
