// Where the diagram's words may go: the boxes already taken in one draw (labels, notes, lane markers, gap breaks).
// A label is drawn only where it covers none of them, at the first of its candidate places that is free; the
// renderer gives each label its places in order of preference (above the arrow, else below; right of the marker,
// else left). So no two labels overlap and no label covers a lane line's marker, at any zoom, on either scale.
// Boxes are kept in horizontal bands of BAND px, so a query looks at the few boxes near its rows only.

const BAND = 32;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export class Placement {
  private readonly bands = new Map<number, number[]>();

  /** Whether the box covers nothing taken (boxes that only touch do not overlap). */
  free(b: Box): boolean {
    const x1 = b.x + b.w,
      y1 = b.y + b.h;
    for (let k = Math.floor(b.y / BAND); k <= Math.floor(y1 / BAND); k++) {
      const list = this.bands.get(k);
      if (!list) continue;
      for (let j = 0; j < list.length; j += 4) {
        if (b.x < list[j + 2] && list[j] < x1 && b.y < list[j + 3] && list[j + 1] < y1) return false;
      }
    }
    return true;
  }

  /** Take the box whatever it covers (markers and breaks, which are always drawn). */
  add(b: Box): void {
    const x1 = b.x + b.w,
      y1 = b.y + b.h;
    for (let k = Math.floor(b.y / BAND); k <= Math.floor(y1 / BAND); k++) {
      let list = this.bands.get(k);
      if (!list) this.bands.set(k, (list = []));
      list.push(b.x, b.y, x1, y1);
    }
  }

  /** The index of the first free box of the candidates, now taken; -1 when every one covers something. */
  take(...candidates: Box[]): number {
    for (let k = 0; k < candidates.length; k++) {
      if (this.free(candidates[k])) {
        this.add(candidates[k]);
        return k;
      }
    }
    return -1;
  }
}

/** Height of a line of text in a font of `px` pixels, as the browser's text box measures it (ascent + descent). */
export function textH(px: number): number {
  return Math.ceil(px * 1.25);
}

/** The box of a text drawn centred on y (textBaseline middle) at x with the given alignment. */
export function textBox(x: number, y: number, w: number, px: number, align: 'left' | 'center' | 'right'): Box {
  const h = textH(px);
  const x0 = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
  return { x: x0, y: y - h / 2, w, h };
}
