// The status colours in style.css keep WCAG AA contrast (4.5:1) for their text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("./style.css", import.meta.url), "utf8");

function variable(name: string): string {
  const found = css.match(new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`));
  if (!found) throw new Error(`no --${name} in style.css`);
  return found[1];
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("contrast", () => {
  it("keeps every status tone and the muted text at 4.5:1 or more", () => {
    for (const tone of ["ok", "pending", "failed", "rb", "run"]) {
      expect(contrast(variable(`${tone}-fg`), variable(`${tone}-bg`))).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(variable("muted"), variable("bg"))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(variable("fg"), variable("card"))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(variable("accent"), variable("card"))).toBeGreaterThanOrEqual(4.5);
  });
});
