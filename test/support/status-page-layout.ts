// What the status page drew, measured in the browser (strings puppeteer
// evaluates in the page): the boxes and any two that overlap, and where each
// edge starts and ends next to the boxes it joins.

export type Box = { key: string; x: number; y: number; w: number; h: number };

/** Every drawn box (component nodes and pipeline labels) with its bounding box, and the overlapping pairs. */
export const OVERLAPS = `(() => {
  const boxes = [...document.querySelectorAll('#graph g.node > rect.box, #graph g.pipe > rect.box')].map((r) => {
    const b = r.getBoundingClientRect();
    const g = r.parentElement;
    return { key: g.getAttribute('data-key') || 'pipe:' + g.getAttribute('data-pipeline'), x: b.x, y: b.y, w: b.width, h: b.height };
  });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5)
        overlaps.push(a.key + ' / ' + b.key);
    }
  return { boxes, overlaps };
})()`;

export interface EdgeEnds {
  from: string;
  to: string;
  start: { x: number; y: number };
  end: { x: number; y: number };
}

/**
 * Every edge the page tagged with what it joins (data-from / data-to:
 * `receiver:id`, `pipeline:id`, `connector:id`, `exporter:id`), with its first
 * and last point in page coordinates.
 */
export const EDGE_ENDS = `(() => {
  return [...document.querySelectorAll('#graph path[data-from]')].map((p) => {
    const m = p.getScreenCTM();
    const at = (l) => {
      const q = p.getPointAtLength(l).matrixTransform(m);
      return { x: q.x, y: q.y };
    };
    return { from: p.getAttribute('data-from'), to: p.getAttribute('data-to'), start: at(0), end: at(p.getTotalLength()) };
  });
})()`;

/** True if `pt` lies on the left (or right) side of `box`, within a pixel. */
export function onSide(pt: { x: number; y: number }, box: Box, side: 'left' | 'right'): boolean {
  const x = side === 'left' ? box.x : box.x + box.w;
  return Math.abs(pt.x - x) <= 1 && pt.y >= box.y && pt.y <= box.y + box.h;
}
