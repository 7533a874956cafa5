export const DEFAULT_COLOR = '#0b5cff';

/** The accent colour and the colours that stay readable against it and the white panel. */
export interface Theme {
  accent: string;
  /** Text and icons on the accent: white or near-black, whichever contrasts more. */
  onAccent: string;
  /** Focus rings: the accent when it shows on white (3:1), else a dark grey. */
  ring: string;
}

type Rgb = [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const NEAR_BLACK: Rgb = [17, 17, 17];

/** Only hex colours are accepted (`#rgb` or `#rrggbb`); anything else falls back to the default. */
export function themeFor(color: string | null | undefined): Theme {
  const rgb = parseHex(color) ?? parseHex(DEFAULT_COLOR)!;
  const accent = `rgb(${rgb.join(' ')})`;
  const light = contrast(rgb, WHITE);
  const dark = contrast(rgb, NEAR_BLACK);
  // Mid-tones can leave near-black just under 4.5:1 where pure black still passes.
  const onAccent =
    light >= dark ? '#ffffff' : dark >= 4.5 ? '#111111' : '#000000';
  return { accent, onAccent, ring: light >= 3 ? accent : '#1f2937' };
}

function parseHex(color: string | null | undefined): Rgb | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color?.trim() ?? '');
  if (!match) return null;
  const hex = match[1].length === 3 ? match[1].replace(/./g, '$&$&') : match[1];
  return [0, 2, 4].map((at) => parseInt(hex.slice(at, at + 2), 16)) as Rgb;
}

/** WCAG 2 relative luminance. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const value = channel / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: Rgb, b: Rgb): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}
