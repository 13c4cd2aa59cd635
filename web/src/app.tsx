import { lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useRef } from 'preact/hooks';
import { signedOutOnPurpose, signOut } from './api';
import { useUser } from './hooks';
import { ForgotPassword } from './screens/forgot-password';
import { OAuthCallback } from './screens/oauth-callback';
import { ResetPassword } from './screens/reset-password';
import { SignIn } from './screens/sign-in';
import { SignUp } from './screens/sign-up';
import { VerifyEmail } from './screens/verify-email';

// The screens behind sign-in load on first use: the sign-in screen carries only what it needs.
const Projects = lazy(() => import('./screens/projects').then((m) => m.Projects));
const Project = lazy(() => import('./screens/project').then((m) => m.Project));
const Specification = lazy(() => import('./screens/specification').then((m) => m.Specification));
const Account = lazy(() => import('./screens/account').then((m) => m.Account));
const Admin = lazy(() => import('./screens/admin').then((m) => m.Admin));

/** Pages anyone may open; every other page needs a session. */
const PUBLIC = [
  '/sign-in',
  '/sign-up',
  '/forgot-password',
  '/reset-password',
  '/verify-email',
  '/oauth/callback',
];

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}

function Shell() {
  const user = useUser();
  const { path, url, route } = useLocation();
  const open = PUBLIC.includes(path);
  useEffect(() => {
    if (user || open) return;
    // A session that ran out comes back to where it was; one signed out starts afresh.
    route(signedOutOnPurpose ? '/sign-in' : `/sign-in?next=${encodeURIComponent(url)}`, true);
  }, [user, open, url]);
  // When the new page is rendered (its code loaded), its heading takes the focus.
  const stopFocusing = useRef<() => void>(() => undefined);
  const onRouteChange = () => {
    stopFocusing.current();
    stopFocusing.current = focusHeadingWhenShown();
  };
  if (!user && !open) return null;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={user ? '/' : '/sign-in'}>
          Gilla
        </a>
        {user && (
          <nav aria-label="Main">
            <a href="/">Projects</a>
            <a href="/account">Account</a>
            {user.role === 'admin' && <a href="/admin">Admin</a>}
            <button type="button" class="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main">
        <Router onRouteChange={onRouteChange}>
          <Route path="/sign-in" component={SignIn} />
          <Route path="/sign-up" component={SignUp} />
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route path="/reset-password" component={ResetPassword} />
          <Route path="/verify-email" component={VerifyEmail} />
          <Route path="/oauth/callback" component={OAuthCallback} />
          <Route path="/" component={Projects} />
          <Route path="/projects/:projectId/:tab?" component={Project} />
          <Route path="/specifications/:specificationId" component={Specification} />
          <Route path="/account/:tab?" component={Account} />
          <Route path="/admin/:tab?" component={Admin} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        There is nothing here. <a href="/">Go to your projects</a>.
      </p>
    </section>
  );
}

/**
 * A new page: its heading is where a screen reader and the keyboard start. Screens that load
 * first (or load their code on first use) show it a moment later, so this waits for it.
 */
function focusHeadingWhenShown(): () => void {
  const main = document.getElementById('main');
  const focus = () => {
    const heading = main?.querySelector<HTMLElement>('h1');
    if (!heading) return false;
    heading.focus();
    return true;
  };
  if (!main || focus()) return () => undefined;
  const observer = new MutationObserver(() => {
    if (focus()) observer.disconnect();
  });
  observer.observe(main, { childList: true, subtree: true });
  const timer = setTimeout(() => observer.disconnect(), 5000);
  return () => {
    observer.disconnect();
    clearTimeout(timer);
  };
}
