import { render } from 'preact';
import { App } from './App';
import '../ui/theme.css';
import './popup.css';

render(<App />, document.getElementById('app')!);
