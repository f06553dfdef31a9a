// The weekly dashboards (Observable Framework). Built offline by
// `refloop publish`: every script, style and data file lands in dist/.
// Framework keeps its loader cache inside the source root
// (<root>/.observablehq/cache), so publish builds from a source root of the
// warehouse's own (REFLOOP_SITE_ROOT: links to the files of reports/), and
// two warehouses' builds never share a cache.
export default {
  root: process.env.REFLOOP_SITE_ROOT ?? 'reports',
  output: process.env.REFLOOP_SITE_OUTPUT ?? 'dist',
  title: 'refloop',
  pages: [
    { name: 'This week', path: '/' },
    { name: 'Intake', path: '/intake' },
    { name: 'Sources', path: '/sources' },
    { name: 'Outreach', path: '/outreach' },
    { name: 'Liaisons', path: '/liaisons' },
    { name: 'Capacity', path: '/capacity' },
    { name: 'Data health', path: '/data-health' },
    { name: 'Definitions', path: '/definitions' },
  ],
  // No outside font (the default theme links one) and no favicon request.
  globalStylesheets: [],
  head: '<link rel="icon" href="data:,">',
  search: false,
  footer: 'refloop — aggregates only. Counts of 1–10 in breakdowns by a patient attribute are suppressed (shown as “<11”), with complementary suppression.',
};
