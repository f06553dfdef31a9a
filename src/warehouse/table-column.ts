// A column of a table refloop creates itself (landing, bookkeeping, forecast
// tables): what its DDL and its COMMENT ON COLUMN need.
export interface TableColumn {
  name: string;
  sqlType: string;
  comment: string;
}

export const tableColumn = (name: string, sqlType: string, comment: string): TableColumn => ({ name, sqlType, comment });
