// The decline-reason keywords both Epic and FHIR adapters apply (sources.md:
// the FHIR map uses "the same keywords as the Epic decline map"): a reason's
// text → referral_events.detail, first keyword contained wins, in this order.
export const DECLINE_KEYWORDS: Readonly<Record<string, string>> = {
  scope: 'out_of_scope',
  'not offered': 'out_of_scope',
  'not a covered service': 'out_of_scope',
  insurance: 'insurance',
  plan: 'insurance',
  coverage: 'insurance',
  clinical: 'clinical',
  duplicate: 'duplicate',
};

/** What an adapter's decline map may give: the detail of a declined event. */
export const DECLINE_REASONS = ['out_of_scope', 'insurance', 'clinical', 'duplicate', 'other'] as const;
