// Fake but realistic patient PHI, so the privacy checks have something real
// to catch. Phone numbers use 555-01xx, the range reserved for fiction.
import type { Random } from './random.ts';

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Mateo', 'Mia', 'Lucas', 'Amelia', 'Wei', 'Priya', 'Aaliyah', 'Dmitri', 'Fatima', 'Hiroshi', 'Chloe', 'Santiago', 'Grace', "D'Andre", 'Zoë', 'Margaret', 'Robert', 'Patricia', 'Thomas', 'Linda', 'Kwame'];
const LAST = ['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Okafor', "O'Brien", 'Patel', 'Kowalski', 'Rossi', 'Haddad', 'Lindqvist', 'Murphy', 'Chen', 'Silva', 'Cohen', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernández', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore'];
/** Eastern Massachusetts and southern New Hampshire; 036 is a Safe Harbor low-population prefix. */
const ZIPS = ['02139', '02140', '02141', '02143', '02144', '02145', '02148', '02149', '02150', '02151', '02155', '02169', '02184', '02301', '02360', '01701', '01801', '01821', '01845', '01902', '03060', '03101', '03601', '03603', '02446', '02458', '02472', '02474', '02478', '02481'];

export interface Patient {
  mrn: string;
  name: string;
  phone: string;
  birthDay: number;
  zip: string;
  sex: 'F' | 'M' | 'X' | 'U';
}

export function makePatient(random: Random, sequence: number, ageYears: number, referralDay: number): Patient {
  const sex = random.weighted([['F', 0.52], ['M', 0.46], ['X', 0.01], ['U', 0.01]] as const);
  return {
    mrn: `MRN${String(4_000_000 + sequence * 7).padStart(8, '0')}`,
    name: `${random.pick(FIRST)} ${random.pick(LAST)}`,
    phone: `(${random.pick(['617', '781', '508', '603'])}) 555-01${String(random.int(0, 99)).padStart(2, '0')}`,
    birthDay: referralDay - Math.floor(ageYears * 365.25) - random.int(0, 364),
    zip: random.chance(0.1) ? `${random.pick(ZIPS)}-${String(random.int(1000, 9999))}` : random.pick(ZIPS),
    sex,
  };
}

/** Age at referral for each referral path: discharge follow-ups skew old, children are few. */
export function ageFor(random: Random, path: 'consult' | 'diagnostic' | 'post_discharge'): number {
  const [mean, sd] = path === 'post_discharge' ? [71, 12] : path === 'diagnostic' ? [58, 16] : [52, 18];
  return Math.max(1, Math.min(101, Math.round(random.normal(mean, sd))));
}

export function payerFor(random: Random, age: number): string {
  if (age >= 65) return random.weighted([['medicare', 0.78], ['commercial', 0.12], ['medicaid', 0.06], ['other', 0.04]] as const);
  return random.weighted([['commercial', 0.62], ['medicaid', 0.24], ['self_pay', 0.06], ['other', 0.05], ['medicare', 0.03]] as const);
}
