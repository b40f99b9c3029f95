type NumberFormat = (value: number, options?: Intl.NumberFormatOptions) => string;

/** "1,2 MB", "340 KB" in the reader's locale. */
export function formatBytes(size: number, number: NumberFormat) {
  if (size < 1024) return `${number(size)} B`;
  if (size < 1024 * 1024) return `${number(size / 1024, { maximumFractionDigits: 0 })} KB`;
  return `${number(size / (1024 * 1024), { maximumFractionDigits: 1 })} MB`;
}
