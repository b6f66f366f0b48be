// Kubernetes resource.Quantity strings ("500m", "2", "128Mi", "1G", "1e3")
// as numbers: value() in base units, as the collector reads them (cpu as
// MilliValue()/1000 = cores, memory and storage as Value() = bytes).
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(
    q.trim(),
  );
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? ''];
}

/** Value(): rounded up to an integer, as resource.Quantity does. */
export function quantityValue(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.ceil(v - 1e-9);
}

/** MilliValue()/1000: cores with millicore precision. */
export function quantityCores(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.ceil(v * 1000 - 1e-9) / 1000;
}
