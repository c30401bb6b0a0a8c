// Jest 30 on an ES-module package: run with NODE_OPTIONS=--experimental-vm-modules, no transform.
export default { transform: {} };
