// The referring clinicians: every REFERRAL_SOURCE row is a provider; a
// CLARITY_SER row is one only when a referral names its PROV_ID and
// REFERRAL_SOURCE does not already hold it (one row per clinician per
// delivery, so the two tables never give the same key two different rows).
// CLARITY_SER_2 only lends its NPI. A referral's referring_npi is resolved
// the same way as the provider row's npi, so the two always agree.
import type { AdapterOutput } from '../adapter.ts';
import type { DeliveryTables } from './delivery-tables.ts';
import { own, value } from './tsv.ts';

interface ClaritySerRow {
  file: string;
  line: number;
  id: string | null;
  name: string | null;
}

export class ProviderDirectory {
  private readonly serName = new Map<string, string>();
  private readonly ser2Npi = new Map<string, string>();
  private readonly sourceName = new Map<string, string>();
  private readonly sourceNpi = new Map<string, string>();
  private readonly inReferralSource = new Set<string>();
  /** CLARITY_SER rows wait for the referrals to say which of them are referrers. */
  private readonly serRows: ClaritySerRow[] = [];

  constructor(
    private readonly tables: DeliveryTables,
    private readonly output: AdapterOutput,
  ) {}

  /** REFERRAL_SOURCE.NPI, else CLARITY_SER_2.NPI, of a provider id. */
  npiOf(id: string | null): string | null {
    if (id === null) return null;
    return this.sourceNpi.get(id) ?? this.ser2Npi.get(id) ?? null;
  }

  /** REFERRAL_SOURCE.REFERRING_PROV_NAM, else CLARITY_SER.PROV_NAME, of a provider id. */
  nameOf(id: string | null): string | null {
    if (id === null) return null;
    return this.sourceName.get(id) ?? this.serName.get(id) ?? null;
  }

  /** Reads CLARITY_SER_2 and CLARITY_SER, then emits the REFERRAL_SOURCE rows. */
  async read(): Promise<void> {
    await this.tables.readLookup('CLARITY_SER_2', (header) => {
      const id = header.index('PROV_ID');
      const npi = header.index('NPI');
      return (fields) => firstWins(this.ser2Npi, value(fields, id), value(fields, npi));
    });

    await this.tables.read('CLARITY_SER', (header) => {
      const id = header.index('PROV_ID');
      const name = header.index('PROV_NAME');
      return (fields, origin) => {
        const providerId = value(fields, id);
        const providerName = value(fields, name);
        const row = { file: origin.file, line: origin.line, id: providerId && own(providerId), name: providerName && own(providerName) };
        this.serRows.push(row);
        firstWins(this.serName, row.id, row.name);
      };
    });

    await this.tables.read('REFERRAL_SOURCE', (header) => {
      const id = header.index('REFERRING_PROV_ID');
      const name = header.index('REFERRING_PROV_NAM');
      const npi = header.index('NPI');
      return (fields, origin) => {
        const providerId = value(fields, id);
        const row = {
          provider_id: providerId,
          name: value(fields, name) ?? (providerId === null ? null : (this.serName.get(providerId) ?? null)),
          npi: value(fields, npi) ?? (providerId === null ? null : (this.ser2Npi.get(providerId) ?? null)),
        };
        if (providerId !== null) {
          this.inReferralSource.add(providerId);
          firstWins(this.sourceName, providerId, row.name);
          firstWins(this.sourceNpi, providerId, row.npi);
        }
        this.output.emit('providers', row, origin);
      };
    });
  }

  /**
   * Emits the CLARITY_SER rows of the providers the referrals named (and
   * REFERRAL_SOURCE did not hold); the other rows are skipped: 'lookup' when
   * REFERRAL_SOURCE holds the provider, else 'not a referrer'.
   */
  emitNamed(named: ReadonlySet<string>): void {
    const skipped = new Map<string, { lookup: number; notReferrer: number }>();
    for (const row of this.serRows) {
      if (row.id !== null && named.has(row.id) && !this.inReferralSource.has(row.id)) {
        this.output.emit('providers', { provider_id: row.id, name: row.name, npi: this.ser2Npi.get(row.id) ?? null }, { file: row.file, line: row.line });
        continue;
      }
      let counts = skipped.get(row.file);
      if (!counts) skipped.set(row.file, (counts = { lookup: 0, notReferrer: 0 }));
      if (row.id !== null && this.inReferralSource.has(row.id)) counts.lookup++;
      else counts.notReferrer++;
    }
    for (const [file, counts] of skipped) {
      if (counts.lookup > 0) this.output.skipMany(file, 'lookup', counts.lookup);
      if (counts.notReferrer > 0) this.output.skipMany(file, 'not a referrer', counts.notReferrer);
    }
    this.serRows.length = 0;
  }
}

function firstWins(map: Map<string, string>, key: string | null, v: string | null): void {
  if (key !== null && v !== null && !map.has(key)) map.set(own(key), own(v));
}
