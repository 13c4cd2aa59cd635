import { render } from 'preact';
import { App } from './app';
import { restoreSession } from './api';
import './styles.css';

await restoreSession();
render(<App />, document.getElementById('app')!);
