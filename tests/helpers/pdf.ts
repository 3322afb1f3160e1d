/**
 * A minimal but valid PDF 1.4 (ISO 32000-1 §7.5): header with its binary comment, a catalog, a
 * page tree, one page of Helvetica text, a cross-reference table whose offsets point at each
 * object, the trailer and `%%EOF`. Written here because no PDF tool is installed on the build
 * machines (`which qpdf gs pdfinfo` finds none); `xrefOffsetsHold` proves the structure.
 */
export function minimalPdf(text = 'Hello from TL Uploader'): Buffer {
  const content = `BT /F1 24 Tf 72 700 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, n/f, space, line feed.
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** Whether every cross-reference entry of `pdf` points at its own `N 0 obj`, and startxref at the table. */
export function xrefOffsetsHold(pdf: Buffer): boolean {
  const text = pdf.toString('latin1');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  if (!text.startsWith('xref\n', startxref)) return false;
  const entries = text.slice(startxref).split('\n').slice(3);
  let n = 0;
  for (const entry of entries) {
    const match = /^(\d{10}) 00000 n $/.exec(entry);
    if (!match) break;
    n++;
    if (!text.startsWith(`${n} 0 obj\n`, Number(match[1]))) return false;
  }
  return n > 0;
}
