import { render } from 'preact';
import { App } from './app';
import './console.css';

render(<App url={location.origin} />, document.getElementById('app')!);
