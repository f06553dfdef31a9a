// arquero's browser build (dist/arquero.js) has the package's own API.
declare module 'arquero/dist/arquero.js' {
  const arquero: typeof import('arquero');
  export default arquero;
}
