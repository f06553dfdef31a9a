// Which copy of a key is current: the greatest applied order holding it. A
// delivery (or a canonical file, a delivery named after itself) orders by its
// name, then by its source's position in the config: the later wins.
export function appliedOrder(delivery: string, position: number): string {
  return `${delivery}\u0001${String(position).padStart(4, '0')}`;
}
