// arquero for the pages. Its package entry is the Node build (it imports
// node:fs), which Framework bundles as is and the browser cannot load; the
// UMD build in dist/ is the browser one, and its API is the default export.
import arquero from 'arquero/dist/arquero.js';

export const aq = arquero;
