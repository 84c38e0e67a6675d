/** kreplay's library API. */
export { Clock, Timer } from './machine/clock.js';
