// What the vendor demos call things: the practice's departments and its own
// clinicians as its Epic build names them, the SNOMED and LOINC codes its FHIR
// server writes, and the words intake uses for pend and decline reasons.
// The demo config's service-line aliases are read off these lists, so a name
// written here is always one the config maps.
import { npiCheckDigit, type ServiceLine } from '../practice.ts';
import type { VendorShape } from './shape.ts';

export const PRACTICE_NAME = 'Harborview Specialty Group';
/** The practice's own identifier systems (its MRNs, its document types). */
export const PRACTICE_SYSTEM = 'http://harborview-specialty.example.org/fhir';

export interface Department {
  id: string;
  name: string;
  abbreviation: string;
}

/**
 * Epic departments of each line. Some names carry characters outside ASCII
 * (’ – é) because CLARITY_DEP is written in Windows-1252, as many Clarity
 * extracts still are.
 */
export const DEPARTMENTS: Record<ServiceLine, readonly Department[]> = {
  cardiology: [
    { id: '10101', name: 'HV CARDIOLOGY', abbreviation: 'HVCARD' },
    { id: '10102', name: 'St. Luke’s Heart & Vascular', abbreviation: 'SLHV' },
  ],
  orthopedics: [
    { id: '10201', name: 'HV ORTHOPAEDICS', abbreviation: 'HVORTH' },
    { id: '10202', name: 'HV Sports Medicine – Waltham', abbreviation: 'HVSMW' },
  ],
  gastroenterology: [{ id: '10301', name: 'HV DIGESTIVE HEALTH', abbreviation: 'HVGI' }],
  imaging: [
    { id: '10401', name: 'HV RADIOLOGY', abbreviation: 'HVRAD' },
    { id: '10402', name: 'Women’s Imaging Center', abbreviation: 'HVWIC' },
  ],
};

/** Epic's referred-to specialty (`REFD_TO_SPEC_C_NAME`) for each requested line, in scope or not. */
export const EPIC_SPECIALTY: Record<string, string> = {
  cardiology: 'Cardiology',
  orthopedics: 'Orthopedic Surgery',
  gastroenterology: 'Gastroenterology',
  imaging: 'Radiology',
  dermatology: 'Dermatology',
  sleep_medicine: 'Sleep Medicine',
  neurology: 'Neurology',
};

const withCheck = (first9: string) => `${first9}${npiCheckDigit(first9)}`;

/** The practice's own clinicians (CLARITY_SER), who see the referred patients: never referrers. */
export const PRACTICE_CLINICIANS: Record<ServiceLine, readonly { id: string; name: string; npi: string }[]> = {
  cardiology: [
    { id: '9001', name: 'Lefèvre, René', npi: withCheck('131609381') },
    { id: '9002', name: 'O’Connor, Siobhán', npi: withCheck('156847293') },
  ],
  orthopedics: [
    { id: '9003', name: 'Ibáñez, José', npi: withCheck('190284756') },
    { id: '9004', name: 'Gagné, Hélène', npi: withCheck('173056124') },
  ],
  gastroenterology: [
    { id: '9005', name: 'Dubois, Chloé', npi: withCheck('124509763') },
    { id: '9006', name: 'Ó Briain, Seán', npi: withCheck('148732065') },
  ],
  imaging: [
    { id: '9007', name: 'Moreau, Anaïs', npi: withCheck('165902347') },
    { id: '9008', name: 'D’Amico, Zoë', npi: withCheck('109385726') },
  ],
};

export interface Coding {
  system: string;
  code: string;
  display: string;
}

const SNOMED = 'http://snomed.info/sct';
const NUCC = 'http://nucc.org/provider-taxonomy';

/** The specialty a FHIR server names for each requested line (ServiceRequest.performerType, Appointment.specialty, …). */
export const FHIR_SPECIALTY: Record<string, Coding> = {
  cardiology: { system: SNOMED, code: '394579002', display: 'Cardiology' },
  orthopedics: { system: SNOMED, code: '394801008', display: 'Trauma and orthopedics' },
  gastroenterology: { system: SNOMED, code: '394584008', display: 'Gastroenterology' },
  imaging: { system: SNOMED, code: '394914008', display: 'Radiology' },
  dermatology: { system: SNOMED, code: '394582007', display: 'Dermatology' },
  neurology: { system: SNOMED, code: '394591006', display: 'Neurology' },
  // SNOMED's practice-setting list has no sleep medicine; servers fall back to the NUCC taxonomy.
  sleep_medicine: { system: NUCC, code: '207RS0012X', display: 'Sleep Medicine' },
};

/** The service requested (ServiceRequest.code): a consult, an imaging study, a procedure, a follow-up after discharge. */
export function requestedService(serviceLine: string, path: string): Coding {
  if (path === 'post_discharge') return { system: SNOMED, code: '390906007', display: 'Follow-up encounter' };
  if (path === 'diagnostic' && serviceLine === 'imaging') return { system: SNOMED, code: '363679005', display: 'Imaging' };
  if (path === 'diagnostic' && serviceLine === 'gastroenterology') return { system: SNOMED, code: '73761001', display: 'Colonoscopy' };
  if (path === 'diagnostic' && serviceLine === 'cardiology') return { system: SNOMED, code: '40701008', display: 'Echocardiography' };
  return { system: SNOMED, code: '11429006', display: 'Consultation' };
}

/**
 * Document types as the FHIR server codes them: LOINC where the adapter's
 * default map knows the code, else the practice's own document-type codes,
 * which name the canonical type (an unmapped type is kept as its code).
 */
export const DOCUMENT_TYPE: Record<string, Coding> = {
  clinical_notes: { system: 'http://loinc.org', code: '11488-4', display: 'Consult note' },
  discharge_summary: { system: 'http://loinc.org', code: '18842-5', display: 'Discharge summary' },
  lab_results: { system: 'http://loinc.org', code: '11502-2', display: 'Laboratory report' },
  imaging_report: { system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' },
  insurance_card: { system: `${PRACTICE_SYSTEM}/document-type`, code: 'insurance_card', display: 'Insurance card' },
  order: { system: `${PRACTICE_SYSTEM}/document-type`, code: 'order', display: 'Signed order' },
  medication_list: { system: `${PRACTICE_SYSTEM}/document-type`, code: 'medication_list', display: 'Medication list' },
  problem_list: { system: `${PRACTICE_SYSTEM}/document-type`, code: 'problem_list', display: 'Problem list' },
  prior_imaging: { system: `${PRACTICE_SYSTEM}/document-type`, code: 'prior_imaging', display: 'Prior imaging' },
};

/** Why intake pended a referral for a missing document (each holds a word the Epic adapter reads as a document request). */
export const PEND_REASON: Record<string, string> = {
  clinical_notes: 'Awaiting Clinical Notes',
  insurance_card: 'Missing Insurance Information',
  order: 'Missing Order Information',
  discharge_summary: 'Awaiting Discharge Records',
  imaging_report: 'Awaiting Imaging Records',
  lab_results: 'Awaiting Lab Records',
};

/** Decline reasons as intake words them: each reads back, by sources.md's keywords, as the canonical reason. */
export const DECLINE_REASON: Record<'epic' | 'fhir', Record<string, string>> = {
  epic: { out_of_scope: 'Service Not Offered', insurance: 'Insurance Not Accepted', clinical: 'Clinical Criteria Not Met', duplicate: 'Duplicate Referral' },
  fhir: { out_of_scope: 'Service not offered at this practice', insurance: 'Insurance plan not accepted', clinical: 'Does not meet clinical criteria', duplicate: 'Duplicate referral' },
};

/** The values a vendor writes for a configured line that are not already its id or name: the config's aliases. */
export function serviceLineAliases(shape: VendorShape, line: ServiceLine, name: string): string[] {
  const written =
    shape === 'epic-ehi'
      ? [EPIC_SPECIALTY[line]!, ...DEPARTMENTS[line].map((d) => d.name)]
      : [FHIR_SPECIALTY[line]!.code, FHIR_SPECIALTY[line]!.display];
  const own = new Set([line, name.toLowerCase()]);
  return written.filter((value) => !own.has(value.toLowerCase()));
}
