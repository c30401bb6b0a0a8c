// A React app's Babel config, as most existing apps have it: babel-jest turns the app's own files
// into CommonJS for Jest's default mode; node_modules are not transformed (Jest's default).
module.exports = {
  presets: [['@babel/preset-env', { targets: { node: 'current' } }], ['@babel/preset-react', { runtime: 'automatic' }]],
};
