import { render } from 'preact';

render(<h1>Keyhole options</h1>, document.getElementById('app')!);
