// Module resolution hook (node:module register): `electron` is the stand-in.
let standIn;
export function initialize(data) {
  standIn = data.standIn;
}
export function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true, format: 'commonjs' };
  return next(specifier, context);
}
