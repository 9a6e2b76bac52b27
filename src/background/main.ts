/**
 * The service worker: wiring only. Logic lives in testable modules; nothing here keeps state in globals
 * that cannot be rebuilt, because Chrome may stop the worker at any moment (architecture.md §2).
 * Listeners are registered synchronously at top level so a wake-up event is never missed.
 */
import { installSessionEngine } from './sessions/index';
import { installCapture } from './capture';

installSessionEngine();
installCapture();
