import { render } from 'preact';

render(<h1>Keyhole</h1>, document.getElementById('app')!);
