import { render } from 'preact';
import { App } from './app';
import { describe, restoreSession } from './api';
import './styles.css';

const root = document.getElementById('app')!;
try {
  await restoreSession();
  render(<App />, root);
} catch (error) {
  // The service did not answer: the session is kept, and the page says so.
  render(
    <main id="main">
      <h1>Gilla cannot be reached</h1>
      <p role="alert">{describe(error).message}</p>
      <button type="button" onClick={() => location.reload()}>
        Try again
      </button>
    </main>,
    root,
  );
}
