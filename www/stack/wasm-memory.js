// Finds the package's WebAssembly.Memory: the page wraps WebAssembly.instantiate and
// instantiateStreaming before the package loads (the package keeps its instance to itself), and
// takes the memory among the instance's exports. Bench-only instrumentation.
let memory;
const keep = (result) => {
  const instance = result.instance ?? result;
  memory ??= Object.values(instance.exports).find((value) => value instanceof WebAssembly.Memory);
  return result;
};
for (const name of ['instantiate', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  WebAssembly[name] = (...args) => original.apply(WebAssembly, args).then(keep);
}

/** The package's wasm memory (after it loaded). */
export function wasmMemory() {
  if (!memory) throw new Error('the package has not instantiated its wasm module');
  return memory;
}
