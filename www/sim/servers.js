// Entry point of the test world: see world.js (startWorld) and README.md.
export { startWorld, PLACEHOLDER_DIR } from './world.js';
export { DEFAULT_TENANT } from './mint.js';
export { HOST_DEFAULTS } from './token-service.js';
export { ADDON_DEFAULTS } from './backend.js';
export { tokenHash } from './http-util.js';
